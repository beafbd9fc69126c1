use std::fmt;
use std::ops::Deref;

use super::InvalidValue;

/// The longest URL or link accepted.
pub const MAX_URL_CHARS: usize = 2_048;

/// A subset of what [`WebUrl::parse`] accepts, as a regular expression for the OpenAPI
/// document: an http(s) URL with an ASCII host name, an optional port and a printable ASCII
/// rest. Everything it matches is accepted.
#[cfg(feature = "openapi")]
pub const WEB_URL_PATTERN: &str =
    r"^[hH][tT][tT][pP]([sS])?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?([/?#][!-\[\]-~]*)?$";

fn check_web_url(value: &str) -> Result<(), InvalidValue> {
    let invalid = || InvalidValue::new("must be an http or https URL with a host name");
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(invalid());
    }
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in a URL (`user:pass@host`) only serve to disguise where a link leads.
    if authority.contains('@') {
        return Err(InvalidValue::new(
            "must not contain credentials (user@host)",
        ));
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (inside, after) = bracketed.split_once(']').ok_or_else(invalid)?;
        if inside.is_empty()
            || !inside
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(invalid());
        }
        (inside, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && !host.starts_with('.')
        && !host.ends_with("..")
        && host.split('.').filter(|label| !label.is_empty()).count() > 0
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == ':');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(invalid())
    }
}

fn check_length(value: &str) -> Result<(), InvalidValue> {
    if value.chars().count() > MAX_URL_CHARS {
        return Err(InvalidValue::new(format!(
            "must be at most {MAX_URL_CHARS} characters"
        )));
    }
    Ok(())
}

/// An absolute `http` or `https` URL of at most 2048 characters: a note's source, an avatar.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct WebUrl(String);

impl WebUrl {
    /// Checks `value` is an absolute http(s) URL.
    ///
    /// # Errors
    ///
    /// When it is not, or is too long.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let value = value.as_ref();
        check_length(value)?;
        check_web_url(value)?;
        Ok(Self(value.to_owned()))
    }

    /// The URL, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Where a notification leads: an absolute http(s) URL or a path inside the app (`/notes/...`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Link(String);

impl Link {
    /// Checks `value` is an http(s) URL or a path starting with a single `/`.
    ///
    /// # Errors
    ///
    /// When it is neither, or is too long.
    pub fn parse(value: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let value = value.as_ref();
        check_length(value)?;
        // `//host` and `/\host` lead browsers to another site: a path must not start so, and
        // a backslash has no business in an app path at all.
        let is_path = value.starts_with('/')
            && !matches!(value.as_bytes().get(1), Some(b'/' | b'\\'))
            && !value
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
        if !is_path {
            check_web_url(value).map_err(|_| {
                InvalidValue::new("must be an http(s) URL or a path starting with /")
            })?;
        }
        Ok(Self(value.to_owned()))
    }

    /// The link, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

macro_rules! url_traits {
    ($ty:ident) => {
        impl Deref for $ty {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

url_traits!(WebUrl);
url_traits!(Link);
