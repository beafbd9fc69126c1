use std::collections::HashSet;

use super::InvalidValue;

/// A list of tags: at most 20, each trimmed, 1 to 50 characters, without repeats (compared
/// case-insensitively, the first spelling kept), in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tags(Vec<String>);

impl Tags {
    /// The most tags one item may carry.
    pub const MAX_COUNT: usize = 20;
    /// The longest tag accepted.
    pub const MAX_CHARS: usize = 50;

    /// Checks and normalises `values`.
    ///
    /// # Errors
    ///
    /// When there are too many tags, or one is empty or too long.
    pub fn parse<I, S>(values: I) -> Result<Self, InvalidValue>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tags: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (index, value) in values.into_iter().enumerate() {
            let tag = value.as_ref().trim();
            if tag.is_empty() {
                return Err(InvalidValue::new(format!("tag {index} must not be empty")));
            }
            if tag.chars().count() > Self::MAX_CHARS {
                return Err(InvalidValue::new(format!(
                    "tag {index} must be at most {} characters",
                    Self::MAX_CHARS
                )));
            }
            if seen.insert(tag.to_lowercase()) {
                // Stop at the first tag too many, so a huge list costs no more than 21 tags.
                if tags.len() == Self::MAX_COUNT {
                    return Err(InvalidValue::new(format!(
                        "must have at most {} tags",
                        Self::MAX_COUNT
                    )));
                }
                tags.push(tag.to_owned());
            }
        }
        Ok(Self(tags))
    }

    /// The tags.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The tags, owned.
    #[must_use]
    pub fn into_inner(self) -> Vec<String> {
        self.0
    }
}
