//! The values' rules as JSON Schema, for an HTTP layer that publishes an OpenAPI document.
//!
//! Every bound and pattern here is computed from the constants and lists the values are
//! checked with, so the document cannot promise what the checks refuse, nor the reverse.

use std::borrow::Cow;
use std::fmt::Write as _;

use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::url::{MAX_URL_CHARS, WEB_URL_PATTERN};
use super::{
    BLANK_RANGES, BoundedInt, BoundedText, Color, Email, Link, LongText, Password, Tags, WebUrl,
};

/// The inside of a character class matching every blank character, as `\uXXXX` ranges.
fn blank_class() -> String {
    let mut class = String::new();
    for &(first, last) in BLANK_RANGES {
        let _ = write!(class, "\\u{:04X}", u32::from(first));
        if first != last {
            let _ = write!(class, "-\\u{:04X}", u32::from(last));
        }
    }
    class
}

/// Text without NUL that has at least one character outside [`BLANK_RANGES`].
#[must_use]
pub fn visible_text_pattern() -> String {
    format!("^[^\\u0000]*[^{}][^\\u0000]*$", blank_class())
}

/// Text without NUL.
pub const NO_NUL_PATTERN: &str = "^[^\\u0000]*$";

/// What [`Email::parse`] accepts, as a regular expression.
#[must_use]
pub fn email_pattern() -> String {
    let blank = blank_class();
    format!(
        "^[^@{blank}]{{1,{local}}}@[^@.{blank}]+(\\.[^@.{blank}]+)+$",
        local = Email::MAX_LOCAL_CHARS
    )
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

impl<const MAX: usize> PartialSchema for BoundedText<MAX> {
    fn schema() -> RefOr<Schema> {
        string()
            .min_length(Some(1))
            .max_length(Some(MAX))
            .pattern(Some(visible_text_pattern()))
            .into()
    }
}

impl<const MAX: usize> ToSchema for BoundedText<MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Text{MAX}"))
    }
}

impl<const MAX: usize> PartialSchema for LongText<MAX> {
    fn schema() -> RefOr<Schema> {
        string()
            .max_length(Some(MAX))
            .pattern(Some(NO_NUL_PATTERN))
            .into()
    }
}

impl<const MAX: usize> ToSchema for LongText<MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("LongText{MAX}"))
    }
}

impl PartialSchema for Tags {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(BoundedText::<{ Tags::MAX_CHARS }>::schema())
            .max_items(Some(Tags::MAX_COUNT))
            .into()
    }
}

impl ToSchema for Tags {}

impl PartialSchema for Color {
    fn schema() -> RefOr<Schema> {
        string().pattern(Some(Color::pattern())).into()
    }
}

impl ToSchema for Color {}

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        // No `format: email`: the pattern is the rule the server applies, and it is looser
        // than RFC 5322 (non-ASCII addresses are accepted).
        string()
            .max_length(Some(Email::MAX_CHARS))
            .pattern(Some(email_pattern()))
            .into()
    }
}

impl ToSchema for Email {}

impl PartialSchema for Password {
    fn schema() -> RefOr<Schema> {
        string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
            .min_length(Some(Password::MIN_CHARS))
            .max_length(Some(Password::MAX_CHARS))
            .into()
    }
}

impl ToSchema for Password {}

impl PartialSchema for WebUrl {
    fn schema() -> RefOr<Schema> {
        // No `format: uri`: the pattern is the rule, which takes some characters RFC 3986
        // wants escaped (`|`, `{`), as browsers do.
        string()
            .max_length(Some(MAX_URL_CHARS))
            .pattern(Some(WEB_URL_PATTERN))
            .into()
    }
}

impl ToSchema for WebUrl {}

impl PartialSchema for Link {
    fn schema() -> RefOr<Schema> {
        string()
            .max_length(Some(MAX_URL_CHARS))
            .pattern(Some(format!(
                "^(/[^/\\\\{blank}]([^\\\\{blank}]*)|/)$|{WEB_URL_PATTERN}",
                blank = blank_class()
            )))
            .into()
    }
}

impl ToSchema for Link {}

impl<const MIN: i64, const MAX: i64> PartialSchema for BoundedInt<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        #[allow(clippy::cast_precision_loss, reason = "every bound is far below 2^53")]
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(MIN as f64))
            .maximum(Some(MAX as f64))
            .into()
    }
}

impl<const MIN: i64, const MAX: i64> ToSchema for BoundedInt<MIN, MAX> {
    fn name() -> Cow<'static, str> {
        Cow::Owned(format!("Int{MIN}To{MAX}"))
    }
}
