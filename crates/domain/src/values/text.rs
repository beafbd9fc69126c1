use std::fmt;
use std::ops::Deref;

use super::InvalidValue;

/// Trimmed text that is not empty and has at most `MAX` characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    /// The largest number of characters accepted.
    pub const MAX_CHARS: usize = MAX;

    /// Trims `value` and checks it is neither empty nor longer than `MAX` characters.
    ///
    /// # Errors
    ///
    /// When the trimmed text is empty or too long.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value: String = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(InvalidValue::new("must not be empty"));
        }
        if trimmed.chars().count() > MAX {
            return Err(InvalidValue::new(format!(
                "must be at most {MAX} characters"
            )));
        }
        Ok(Self(if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        }))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Text kept as given (not trimmed, may be empty) of at most `MAX` characters: Markdown bodies.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct LongText<const MAX: usize>(String);

impl<const MAX: usize> LongText<MAX> {
    /// The largest number of characters accepted.
    pub const MAX_CHARS: usize = MAX;

    /// Checks `value` is not longer than `MAX` characters.
    ///
    /// # Errors
    ///
    /// When the text is too long.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value: String = value.into();
        // Bytes bound characters from above: most texts skip the count.
        if value.len() > MAX && value.chars().count() > MAX {
            return Err(InvalidValue::new(format!(
                "must be at most {MAX} characters"
            )));
        }
        Ok(Self(value))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

macro_rules! text_traits {
    ($ty:ident) => {
        impl<const MAX: usize> Deref for $ty<MAX> {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> AsRef<str> for $ty<MAX> {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> fmt::Debug for $ty<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl<const MAX: usize> fmt::Display for $ty<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<const MAX: usize> From<$ty<MAX>> for String {
            fn from(value: $ty<MAX>) -> Self {
                value.0
            }
        }

        impl<const MAX: usize> TryFrom<String> for $ty<MAX> {
            type Error = InvalidValue;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl<const MAX: usize> TryFrom<&str> for $ty<MAX> {
            type Error = InvalidValue;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }
    };
}

text_traits!(BoundedText);
text_traits!(LongText);

/// The title of a note, document, set, quiz, guide, chat, event or notification.
pub type Title = BoundedText<200>;
/// A person's or a course's name.
pub type Name = BoundedText<100>;
/// A short label: a course code, a term, an instructor, a location, a provider id.
pub type ShortText = BoundedText<200>;
/// A description of a course, set, quiz or event.
pub type Description = BoundedText<5_000>;
/// The text of a flashcard side, a question, a hint or an explanation.
pub type CardText = BoundedText<5_000>;
/// A chat message or a notification message.
pub type MessageText = BoundedText<32_000>;
/// A Markdown body: a note's content, a transcription, a summary, a study guide. May be empty.
pub type Markdown = LongText<1_000_000>;
