//! The errors a caller of the domain can act on.

use std::error::Error as StdError;

/// The result type of every fallible domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

/// An error a caller can act on, plus a wrapped [`DomainError::Internal`] for the rest.
///
/// Adapters map their own failures into these at their boundary (a unique violation becomes
/// [`DomainError::Conflict`], an unreachable database [`DomainError::Unavailable`]), so the
/// HTTP layer maps errors to status codes in one place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The entity does not exist, or it belongs to another user: the two are never told apart.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for, in the domain's words (`"note"`, `"flashcard set"`).
        entity: &'static str,
    },
    /// The change clashes with existing data (a taken email, a job already finished).
    #[error("{message}")]
    Conflict {
        /// The field whose value clashes, in the API's camelCase.
        field: Option<String>,
        /// What clashed, for a human.
        message: String,
    },
    /// A value breaks a rule of the domain.
    #[error("{field}: {message}")]
    Validation {
        /// The offending field, in the API's camelCase (`"email"`, `"questions[2].options"`).
        field: String,
        /// What is wrong with it, for a human.
        message: String,
    },
    /// A file or body is larger than a limit allows.
    #[error("{field}: {message}")]
    TooLarge {
        /// What is too large (`"file"`).
        field: String,
        /// The limit, for a human.
        message: String,
    },
    /// A file is of a type that is not supported.
    #[error("{field}: {message}")]
    UnsupportedType {
        /// The offending field (`"file"`).
        field: String,
        /// What was found and what is supported, for a human.
        message: String,
    },
    /// No valid credentials or session.
    #[error("not signed in, or the credentials are wrong")]
    Unauthorized,
    /// A sign-in through a provider was refused: a bad `state`, a code the provider would not
    /// exchange, or an ID token that failed a check. The reason is safe to show.
    #[error("sign-in refused: {0}")]
    SignInRefused(String),
    /// Signed in, but not allowed to do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many requests; retry after {retry_after_seconds} s")]
    RateLimited {
        /// Seconds until the caller may try again.
        retry_after_seconds: u64,
    },
    /// A backing service (the database, a model server) cannot be reached now; retrying later
    /// may succeed.
    #[error("{service} is unavailable: {message}")]
    Unavailable {
        /// The service that failed (`"database"`, `"language model"`).
        service: &'static str,
        /// What happened, for the logs.
        message: String,
    },
    /// The capability exists in the design but is not built in this version.
    #[error("{feature} is not available in this version of sophie")]
    NotImplemented {
        /// The capability, in a user's words.
        feature: &'static str,
    },
    /// Anything else. Logged with its cause, never shown to a client.
    #[error("internal error: {message}")]
    Internal {
        /// What failed, for the logs.
        message: String,
        /// The underlying cause, if any.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
}

impl DomainError {
    /// A [`DomainError::Validation`] for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A [`DomainError::Conflict`] on `field`.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A [`DomainError::NotFound`] for `entity`.
    #[must_use]
    pub const fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// A [`DomainError::Internal`] with a message and no cause.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// A [`DomainError::Internal`] wrapping `source`.
    pub fn internal_from(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::Internal {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Prefixes the field of a validation error, so an error about `options` inside the third
    /// question reads `questions[2].options`. Other errors pass through unchanged.
    #[must_use]
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Validation { field, message } => Self::Validation {
                field: format!("{prefix}.{field}"),
                message,
            },
            other => other,
        }
    }
}
