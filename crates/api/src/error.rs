//! Every failure becomes an RFC 9457 problem (`application/problem+json`), here and only here.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use sophie_domain::DomainError;
use utoipa::ToSchema;

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, in the request's camelCase (`questions[2].options`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Identifies the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case.
    pub detail: String,
    /// The fields at fault, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error answer of the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// From the domain.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// One or more fields are invalid (422).
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The request cannot be read (400).
    #[error("{0}")]
    BadRequest(String),
    /// The body is JSON of the wrong shape: these fields have the wrong JSON type (400).
    #[error("malformed fields")]
    Malformed(Vec<FieldError>),
    /// The body is over the limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// The body is not JSON (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The path exists, but not with this method (405).
    #[error("{0}")]
    MethodNotAllowed(String),
}

impl ApiError {
    /// An invalid-field error for one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request",
            ),
            Self::BadRequest(_) | Self::Malformed(_) => {
                (StatusCode::BAD_REQUEST, "bad-request", "Malformed request")
            }
            Self::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request too large",
            ),
            Self::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Self::Domain(error) => match error {
                DomainError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                DomainError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict"),
                DomainError::Validation { .. } => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "Invalid request",
                ),
                DomainError::Unauthorized => {
                    (StatusCode::UNAUTHORIZED, "unauthorized", "Not signed in")
                }
                DomainError::SignInRefused(_) => (
                    StatusCode::UNAUTHORIZED,
                    "sign-in-refused",
                    "Sign-in refused",
                ),
                DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
                DomainError::RateLimited { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                ),
                DomainError::Unavailable { .. } => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                ),
                DomainError::TooLarge { .. } => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too-large",
                    "Request too large",
                ),
                DomainError::UnsupportedType { .. } => (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Unsupported media type",
                ),
                DomainError::NotImplemented { .. } => (
                    StatusCode::NOT_IMPLEMENTED,
                    "not-implemented",
                    "Not implemented",
                ),
                _ => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                ),
            },
        }
    }

    /// Logs a failure of the server or of a service behind it (a client's mistake is not
    /// logged).
    pub(crate) fn log(&self) {
        if let Self::Domain(
            error @ (DomainError::Internal { .. } | DomainError::Unavailable { .. }),
        ) = self
        {
            tracing::error!(error = %error, cause = ?std::error::Error::source(error), "request failed");
        }
    }

    /// The body of the answer.
    pub(crate) fn problem(&self) -> Problem {
        let (status, slug, title) = self.parts();
        let (detail, errors) = match self {
            Self::Invalid(errors) | Self::Malformed(errors) => (
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                errors.clone(),
            ),
            Self::Domain(
                DomainError::Validation { field, message }
                | DomainError::TooLarge { field, message }
                | DomainError::UnsupportedType { field, message },
            ) => (
                format!("{field}: {message}"),
                vec![FieldError {
                    field: field.clone(),
                    message: message.clone(),
                }],
            ),
            // Causes stay in the logs: the client learns only that something failed.
            Self::Domain(DomainError::Internal { .. }) => (
                "the server failed to answer; it has been logged".to_owned(),
                Vec::new(),
            ),
            Self::Domain(DomainError::Unavailable { service, .. }) => (
                format!("the {service} is unavailable; try again shortly"),
                Vec::new(),
            ),
            other => (other.to_string(), Vec::new()),
        };
        Problem {
            problem_type: format!("urn:sophie:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            Self::Domain(DomainError::RateLimited {
                retry_after_seconds,
            }) => {
                response.insert_header((RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::Domain(DomainError::Unavailable { .. }) => {
                response.insert_header((RETRY_AFTER, "1"));
            }
            _ => {}
        }
        response.json(problem)
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
