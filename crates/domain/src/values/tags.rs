use std::collections::HashSet;

use super::{BoundedText, InvalidValue};

/// A list of at most 20 tags, each a [`super::BoundedText`] of at most 50 characters, kept
/// trimmed and without repeats (compared case-insensitively, the first spelling kept), in the
/// order given.
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
            // Counted as given, so a huge list costs no more than 21 tags.
            if index == Self::MAX_COUNT {
                return Err(InvalidValue::new(format!(
                    "must have at most {} tags",
                    Self::MAX_COUNT
                )));
            }
            let tag = BoundedText::<{ Self::MAX_CHARS }>::parse(value.as_ref())
                .map_err(|InvalidValue(message)| InvalidValue(format!("tag {index} {message}")))?
                .into_inner();
            if seen.insert(tag.to_lowercase()) {
                tags.push(tag);
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
