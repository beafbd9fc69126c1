use std::fmt;
use std::ops::Deref;

use super::InvalidValue;

/// Characters that show nothing: controls, white space and the invisible format characters
/// (zero-width spaces and joiners, direction marks, the byte-order mark, fillers, variation
/// selectors). The one list behind [`is_blank`] and the pattern of the OpenAPI document.
pub const BLANK_RANGES: &[(char, char)] = &[
    ('\u{0000}', '\u{0020}'),
    ('\u{007F}', '\u{00A0}'),
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{2000}', '\u{200F}'),
    ('\u{2028}', '\u{202F}'),
    ('\u{205F}', '\u{206F}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF0}', '\u{FFF8}'),
];

/// Whether `c` shows nothing: a control, white space or an invisible format character.
#[must_use]
pub fn is_blank(c: char) -> bool {
    BLANK_RANGES
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// Every text refuses NUL, which PostgreSQL cannot store, and counts its characters as given.
fn check_chars(value: &str, max: usize) -> Result<(), InvalidValue> {
    if value.contains('\0') {
        return Err(InvalidValue::new("must not contain the NUL character"));
    }
    // Bytes bound characters from above: most texts skip the count.
    if value.len() > max && value.chars().count() > max {
        return Err(InvalidValue::new(format!(
            "must be at most {max} characters"
        )));
    }
    Ok(())
}

/// Text that shows something (see [`is_blank`]), has at most `MAX` characters as given and
/// no NUL, kept without the white space around it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoundedText<const MAX: usize>(String);

impl<const MAX: usize> BoundedText<MAX> {
    /// The largest number of characters accepted.
    pub const MAX_CHARS: usize = MAX;

    /// Checks `value` has at most `MAX` characters, no NUL and at least one visible character
    /// (see [`is_blank`]), then trims the white space around it.
    ///
    /// # Errors
    ///
    /// When the text is too long, holds a NUL or shows nothing.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value: String = value.into();
        check_chars(&value, MAX)?;
        if !value.chars().any(|c| !is_blank(c)) {
            return Err(InvalidValue::new("must not be empty"));
        }
        let trimmed = value.trim();
        Ok(Self(if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        }))
    }

    /// [`Self::parse`] of the first `MAX` characters of `value`: text from elsewhere (a
    /// calendar, a model) is cut, not refused, when it is longer.
    ///
    /// # Errors
    ///
    /// When the text holds a NUL or shows nothing.
    pub fn clipped(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let mut value: String = value.into();
        if let Some((end, _)) = value.char_indices().nth(MAX) {
            value.truncate(end);
        }
        Self::parse(value)
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

    /// Checks `value` has at most `MAX` characters and no NUL.
    ///
    /// # Errors
    ///
    /// When the text is too long or holds a NUL.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidValue> {
        let value: String = value.into();
        check_chars(&value, MAX)?;
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
