use std::fmt;

use super::InvalidValue;

/// A plain-text password as a user typed it: 8 to 128 characters.
///
/// It never prints: `Debug` shows `Password(***)`, and it has no `Display` or `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The fewest characters accepted.
    pub const MIN_CHARS: usize = 8;
    /// The most characters accepted; longer inputs would only make hashing a denial of service.
    pub const MAX_CHARS: usize = 128;

    /// Checks the length of `value`.
    ///
    /// # Errors
    ///
    /// When `value` is shorter than 8 or longer than 128 characters.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value = value.into();
        let chars = value.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if chars > Self::MAX_CHARS {
            return Err(InvalidValue::new(format!(
                "must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(value))
    }

    /// The password itself, for the hasher.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A password hash in PHC string format (`$argon2id$v=19$...`), as stored in the credential
/// account. It does not print either.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by a [`crate::PasswordHasher`] or read from storage.
    #[must_use]
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}
