//! Query strings, held to the document: a parameter the operation does not document, a NUL
//! in a value, a parameter given twice or a value of the wrong form is a 422 naming the
//! parameter.

use std::collections::{HashMap, HashSet};
use std::future::{Ready, ready};
use std::sync::OnceLock;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use utoipa::openapi::path::ParameterIn;

use crate::error::{ApiError, FieldError};

/// The query parameters of `T`, read from the query string.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req).map(ApiQuery))
    }
}

/// The query parameter names each operation documents, by method and route pattern.
fn documented() -> &'static HashMap<(String, String), HashSet<String>> {
    static NAMES: OnceLock<HashMap<(String, String), HashSet<String>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = HashMap::new();
        for (path, item) in &crate::openapi::shared().paths.paths {
            for (method, operation) in crate::openapi::operations(item) {
                let query: HashSet<String> = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                    .map(|p| p.name.clone())
                    .collect();
                names.insert((method.to_owned(), path.clone()), query);
            }
        }
        names
    })
}

/// Reads `T` from the query string of `req`.
///
/// # Errors
///
/// A 422 naming each parameter that is not documented, holds a NUL or is given more than once,
/// or the first one whose value does not fit.
pub(crate) fn parse<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    let query = req.query_string().as_bytes();
    let allowed = req.match_pattern().and_then(|pattern| {
        documented().get(&(req.method().as_str().to_ascii_lowercase(), pattern))
    });
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (name, value) in form_urlencoded::parse(query) {
        if !seen.insert(name.clone()) {
            if !errors.iter().any(|e: &FieldError| e.field == name) {
                errors.push(FieldError {
                    field: name.into_owned(),
                    message: "must be given once".to_owned(),
                });
            }
        } else if allowed.is_some_and(|allowed| !allowed.contains(name.as_ref())) {
            errors.push(FieldError {
                field: name.into_owned(),
                message: "is not a parameter of this operation".to_owned(),
            });
        } else if value.contains('\0') {
            errors.push(FieldError {
                field: name.into_owned(),
                message: "must not contain the NUL character".to_owned(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        ApiError::Invalid(vec![FieldError {
            field: if field == "." {
                "query".to_owned()
            } else {
                field
            },
            message: error.into_inner().to_string(),
        }])
    })
}
