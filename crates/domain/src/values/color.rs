use std::fmt;
use std::ops::Deref;

use super::InvalidValue;

/// A display colour: a palette name (`blue`, `emerald`, ...) or a hex code (`#1e90ff`, `#fff`),
/// lower-cased.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Color(String);

impl Color {
    /// The named colours accepted, besides hex codes.
    pub const PALETTE: &'static [&'static str] = &[
        "red", "orange", "amber", "yellow", "lime", "green", "emerald", "teal", "cyan", "sky",
        "blue", "indigo", "violet", "purple", "fuchsia", "pink", "rose", "slate", "gray", "zinc",
        "neutral", "stone", "black", "white",
    ];

    /// The colour content gets when none is given, as the schema's default.
    #[must_use]
    pub fn default_blue() -> Self {
        Self("blue".to_owned())
    }

    /// Checks `value` is a palette name or a `#rgb` / `#rrggbb` hex code (kept lower-case),
    /// exactly as [`Color::pattern`] describes it: no white space around, names in lower case.
    ///
    /// # Errors
    ///
    /// When it is neither.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let value = value.as_ref();
        let is_hex = value.strip_prefix('#').is_some_and(|hex| {
            (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if is_hex || Self::PALETTE.contains(&value) {
            Ok(Self(value.to_ascii_lowercase()))
        } else {
            Err(InvalidValue::new(format!(
                "must be a hex colour like #1e90ff or one of: {}",
                Self::PALETTE.join(", ")
            )))
        }
    }

    /// The rule of [`Color::parse`] as a regular expression, for the OpenAPI document.
    #[must_use]
    pub fn pattern() -> String {
        format!(
            "^(#[0-9A-Fa-f]{{3}}|#[0-9A-Fa-f]{{6}}|{})$",
            Self::PALETTE.join("|")
        )
    }

    /// The colour.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The colour, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl Default for Color {
    fn default() -> Self {
        Self::default_blue()
    }
}

impl Deref for Color {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
