use std::fmt;
use std::ops::Deref;

use super::InvalidValue;

/// An email address, lower-cased, so one address is one account whatever its case.
///
/// The check is deliberately modest (one `@`, a dotted domain, no spaces, at most 254
/// characters): only delivering a message proves an address.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// The longest address accepted (RFC 5321's path limit).
    pub const MAX_CHARS: usize = 254;
    /// The longest part before the `@`.
    pub const MAX_LOCAL_CHARS: usize = 64;

    /// Normalises and checks `value`.
    ///
    /// # Errors
    ///
    /// When `value` does not look like an email address.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let value = value.as_ref();
        if value.is_empty() {
            return Err(InvalidValue::new("must not be empty"));
        }
        // Counted in characters as given, as the OpenAPI document's `maxLength` counts.
        if value.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let value = value.to_lowercase();
        let invalid = || InvalidValue::new("is not a valid email address");
        if value.chars().any(super::is_blank) {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if local.is_empty() || local.chars().count() > Self::MAX_LOCAL_CHARS || domain.contains('@')
        {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised address, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Deref for Email {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
