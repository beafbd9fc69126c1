//! What kind of file an upload is, found from its bytes (provisional: PDF and text only).

use std::fmt;

use crate::ports::DocumentFormat;

/// A file of a kind sophie cannot read, described for a human.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownType(pub String);

impl fmt::Display for UnknownType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The format of `bytes`.
///
/// # Errors
///
/// [`UnknownType`] describing what was found.
pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Result<DocumentFormat, UnknownType> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(DocumentFormat::Pdf);
    }
    match std::str::from_utf8(bytes) {
        Ok(_) if file_name.is_some_and(|n| n.ends_with(".md")) => Ok(DocumentFormat::Markdown),
        Ok(_) => Ok(DocumentFormat::Text),
        Err(_) => Err(UnknownType("binary data".to_owned())),
    }
}
