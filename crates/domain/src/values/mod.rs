//! Validated values: once a value of one of these types exists, it is valid, so an invalid
//! title, email or question can never reach a repository.
//!
//! Each constructor returns [`InvalidValue`], which says what is wrong; [`FieldContext::field`]
//! names the field it came from and turns it into a [`crate::DomainError::Validation`].

mod color;
mod email;
mod locale;
mod number;
mod password;
mod question;
mod schedule;
#[cfg(feature = "openapi")]
pub mod schema;
mod tags;
mod text;
mod url;

pub use color::Color;
pub use email::Email;
pub use locale::Locale;
pub use number::{
    BoundedInt, DurationSeconds, FileSize, PageCount, Points, Progress, TimeLimitMinutes,
};
pub use password::{Password, PasswordHash};
pub use question::{Answer, QuestionContent};
pub use schedule::{EventSchedule, Reminders, TimeZone};
pub use tags::Tags;
pub use text::{
    BLANK_RANGES, BoundedText, CardText, Description, LongText, Markdown, MessageText, Name,
    ShortText, Title, is_blank,
};
pub use url::{Link, MAX_URL_CHARS, WebUrl};

use crate::error::{DomainError, DomainResult};

/// A value that breaks its type's rule, with what is wrong in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    /// An invalid value described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Names the field an [`InvalidValue`] came from.
pub trait FieldContext<T> {
    /// Turns an [`InvalidValue`] into [`DomainError::Validation`] for `field`.
    ///
    /// # Errors
    ///
    /// The validation error, if the value was invalid.
    fn field(self, field: &str) -> DomainResult<T>;
}

impl<T> FieldContext<T> for Result<T, InvalidValue> {
    fn field(self, field: &str) -> DomainResult<T> {
        self.map_err(|InvalidValue(message)| DomainError::validation(field, message))
    }
}
