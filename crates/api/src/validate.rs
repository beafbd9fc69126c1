//! Turning request bodies into domain commands, collecting every field's problem at once.

use sophie_domain::{DomainError, InvalidValue};

use crate::error::{ApiError, FieldError};

/// Collects field errors while a request is converted, so the client hears of all of them.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// A fresh collector.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records why `field` is invalid.
    pub fn check<T>(&mut self, field: &str, result: Result<T, InvalidValue>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(InvalidValue(message)) => {
                self.push(field, message);
                None
            }
        }
    }

    /// Like [`Fields::check`] for an optional input.
    pub fn check_opt<T, U>(
        &mut self,
        field: &str,
        value: Option<U>,
        parse: impl FnOnce(U) -> Result<T, InvalidValue>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(value) => self.check(field, parse(value)).map(Some),
        }
    }

    /// For a PATCH field: absent stays absent, `null` clears, a value is parsed.
    pub fn check_patch<T, U>(
        &mut self,
        field: &str,
        value: Option<Option<U>>,
        parse: impl FnOnce(U) -> Result<T, InvalidValue>,
    ) -> Option<Option<Option<T>>> {
        match value {
            None => Some(None),
            Some(None) => Some(Some(None)),
            Some(Some(value)) => self.check(field, parse(value)).map(|v| Some(Some(v))),
        }
    }

    /// Keeps the value, or records a domain validation error (its field prefixed by `prefix`).
    pub fn domain<T>(&mut self, prefix: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Validation { field, message }) => {
                let field = if prefix.is_empty() {
                    field
                } else {
                    format!("{prefix}.{field}")
                };
                self.push(&field, message);
                None
            }
            Err(other) => {
                self.push(prefix, other.to_string());
                None
            }
        }
    }

    /// Records why a timestamp, if given, is outside what every storage keeps alike (years 1
    /// to 9999, no leap second).
    pub fn check_instant(&mut self, field: &str, at: Option<&chrono::DateTime<chrono::Utc>>) {
        if let Some(at) = at {
            self.check(field, sophie_domain::timestamp::check(at));
        }
    }

    /// Records a problem with `field`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// `Ok` when no field was invalid.
    ///
    /// # Errors
    ///
    /// Every field error collected.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }
}

/// Reads a typed id from a query parameter.
///
/// # Errors
///
/// When the text is not a UUID.
#[allow(
    clippy::needless_pass_by_value,
    reason = "a Fields::check_opt parser: it is handed the String"
)]
pub fn id_param<T: std::str::FromStr>(value: String) -> Result<T, InvalidValue> {
    value
        .parse()
        .map_err(|_| InvalidValue::new("must be a UUID"))
}

/// Reads one of the domain's enums from a query parameter, saying which values it takes.
///
/// # Errors
///
/// When the text is not one of the enum's values.
#[allow(
    clippy::needless_pass_by_value,
    reason = "a Fields::check_opt parser: it is handed the String"
)]
pub fn enum_param<T>(value: String) -> Result<T, InvalidValue>
where
    T: std::str::FromStr<Err = sophie_domain::enums::UnknownVariant>,
{
    value
        .parse()
        .map_err(|e: sophie_domain::enums::UnknownVariant| InvalidValue::new(e.to_string()))
}

/// Builds a command once every field has been checked: `$build` runs only when all the
/// `Option`s bound are `Some`, else every error collected is returned.
#[macro_export]
#[doc(hidden)]
macro_rules! all_valid {
    ($fields:expr, ($($name:ident),+ $(,)?) => $build:expr) => {{
        $fields.finish()?;
        match ($($name,)+) {
            ($(Some($name),)+) => $build,
            _ => return Err($crate::error::ApiError::BadRequest("invalid request".to_owned())),
        }
    }};
}
