//! The JSON body extractor: checks the media type and the size, and names the field at fault
//! when the body does not fit the request type (`questions[2].type: unknown variant ...`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json_request(req: &HttpRequest) -> bool {
    is_json(req.headers())
}

/// Whether the request says its body is JSON (`application/json` or `…+json`).
pub(crate) fn is_json(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
        .unwrap_or(false)
}

/// The whole body of `payload`, at most `limit` bytes.
///
/// # Errors
///
/// 413 past the limit; 400 when the body cannot be read.
pub(crate) async fn read_body(
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    use futures_util::StreamExt as _;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|error| ApiError::BadRequest(format!("cannot read the body: {error}")))?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ApiError::TooLarge(format!(
                "the body is over the limit of {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads `bytes` as `T`, naming the path of the field at fault.
///
/// A body that cannot be read as the request's shape is a 400: not JSON, not an object (serde
/// would read `["Algebra", null]` as a struct), or a value of the wrong JSON type. A well-formed
/// body with a value out of its rules is a 422: an unknown enum value or field, a missing field.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') {
        // Malformed JSON is still told as such below; a well-formed non-object is told here.
        if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
            return Err(ApiError::BadRequest(
                "the body must be a JSON object".to_owned(),
            ));
        }
    }
    match parse_slice::<T>(bytes) {
        // JSON Schema counts `3.0` as an integer: when a whole number written with a fraction
        // is what stopped the read, read again with such numbers made integers.
        Err(ApiError::Malformed(errors))
            if errors
                .iter()
                .any(|e| e.message.starts_with("invalid type: floating point")) =>
        {
            let mut value: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
            integers_as_integers(&mut value);
            parse_as::<T>(value)
        }
        result => result,
    }
}

/// Reads `T` from the whole of `bytes`.
fn parse_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = parse_as::<T>(&mut deserializer)?;
    deserializer
        .end()
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Reads `T` from `deserializer`, naming the path of the field at fault.
fn parse_as<'de, T: DeserializeOwned>(
    deserializer: impl serde::Deserializer<'de, Error = serde_json::Error>,
) -> Result<T, ApiError> {
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => Ok(value),
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(ApiError::BadRequest(format!("malformed JSON: {inner}")));
            }
            let message = inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned();
            let field = if path == "." { "body".to_owned() } else { path };
            // serde words a type mismatch `invalid type: ...` (`de::Error::invalid_type`).
            if message.starts_with("invalid type:") {
                Err(ApiError::Malformed(vec![FieldError { field, message }]))
            } else {
                Err(ApiError::Invalid(vec![FieldError { field, message }]))
            }
        }
    }
}

/// Turns every whole number written with a fraction (`3.0`, `1e3`) into an integer.
fn integers_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|f| f.fract() == 0.0)
                && float.abs() < 9.0e15
            {
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a whole number below 2^53 in magnitude converts exactly"
                )]
                let whole = float as i64;
                *number = whole.into();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(1024 * 1024, |state| state.config.json_limit);
        let json = is_json_request(req);
        // The limit itself is the app's `PayloadConfig`, set from the same setting.
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON: send Content-Type: application/json".to_owned(),
                ));
            }
            let bytes = body.await.map_err(|error| {
                let overflow = error
                    .as_error::<PayloadError>()
                    .is_some_and(|e| matches!(e, PayloadError::Overflow));
                if overflow {
                    ApiError::TooLarge(format!("the body is over the limit of {limit} bytes"))
                } else {
                    ApiError::BadRequest(format!("cannot read the body: {error}"))
                }
            })?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}
