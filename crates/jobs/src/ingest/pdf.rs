//! PDF: one page of text per PDF page, read by `pdf_oxide`.
//!
//! Encryption is looked for in the file's trailer before parsing, as the parser reads a file
//! it cannot decrypt as empty pages. An encrypted file opens only when the empty user password
//! opens it: a file with an owner password alone (restrictions on printing or copying, which
//! every viewer opens without asking) is read; one that asks for a password is `Encrypted`.

use pdf_oxide::document::PdfDocument;
use sophie_domain::ExtractionFailure;

use super::limits::{Budget, too_many_chars};

pub(crate) const PDF: &str = "PDF";

/// The raw text of every page, in order; a page without text, or one the parser could not
/// read while others could, is an empty string.
///
/// # Errors
///
/// `Encrypted` for an encrypted file the empty password does not open; `Corrupt` when the file cannot be opened
/// or no page can be read; `TooLarge` past `max_pages` or `max_chars`; `TimedOut` once the
/// deadline passes between pages.
pub(crate) fn pdf_pages(
    bytes: Vec<u8>,
    budget: &mut Budget,
) -> Result<Vec<String>, ExtractionFailure> {
    let encrypt_entry = has_encrypt_entry(&bytes);
    // A second parser reads the second half of a long file on another core, so that a
    // student waits for half the pages; it needs its own copy of the bytes, as the parser
    // takes them.
    let copy = (parallelism() > 1).then(|| bytes.clone());
    let document = match PdfDocument::from_bytes(bytes) {
        Ok(document) => document,
        Err(pdf_oxide::error::Error::EncryptedPdf) => return Err(ExtractionFailure::Encrypted),
        Err(_) if encrypt_entry => return Err(ExtractionFailure::Encrypted),
        Err(error) => return Err(corrupt(&error.to_string())),
    };
    let encrypted = encrypt_entry || document.is_encrypted();
    // Opens with the empty user password, or not at all.
    if encrypted && !document.is_authenticated() {
        return Err(ExtractionFailure::Encrypted);
    }
    let count = document.page_count().map_err(|error| match error {
        pdf_oxide::error::Error::EncryptedPdf => ExtractionFailure::Encrypted,
        error => corrupt(&format!("its page tree cannot be read ({error})")),
    })?;
    budget.check_pages(count, "pages")?;
    let read = match copy {
        Some(copy) if count >= PARALLEL_FROM_PAGES && !encrypted => {
            let middle = count / 2;
            let shared = &*budget;
            std::thread::scope(|scope| {
                let second = scope.spawn(move || {
                    PdfDocument::from_bytes(copy)
                        .ok()
                        .map(|again| read_pages(&again, middle..count, shared))
                });
                let first = read_pages(&document, 0..middle, shared);
                let second = match second
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                {
                    Some(read) => read,
                    // The copy did not open (it opened once): this thread reads on.
                    None => read_pages(&document, middle..count, shared),
                };
                let mut pages = first?;
                pages.extend(second?);
                Ok::<_, ExtractionFailure>(pages)
            })?
        }
        _ => read_pages(&document, 0..count, budget)?,
    };
    let mut pages = Vec::with_capacity(count);
    let mut first_error = None;
    for page in read {
        match page {
            Ok(text) => {
                budget.add_chars(&text)?;
                pages.push(text);
            }
            Err(error) => {
                first_error.get_or_insert(error);
                pages.push(String::new());
            }
        }
    }
    let no_text = pages.iter().all(|page| page.trim().is_empty());
    if encrypted && no_text {
        // Decrypted to nothing: as good as still locked.
        return Err(ExtractionFailure::Encrypted);
    }
    if let Some(error) = first_error
        && no_text
    {
        return Err(corrupt(&format!("no page could be read ({error})")));
    }
    Ok(pages)
}

/// The fewest pages read by two parsers at once: below it, parsing the file twice costs
/// more than it saves.
const PARALLEL_FROM_PAGES: usize = 16;

/// How many parsers a long file is read by: two when the machine has more than one core.
fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

/// The text of the pages `indexes` of `document`, in order: each page's text, or why it could
/// not be read. Checks the deadline before each page, and stops once these pages alone hold
/// more characters than the limit (the caller counts all of them against it).
fn read_pages(
    document: &PdfDocument,
    indexes: std::ops::Range<usize>,
    budget: &Budget,
) -> Result<Vec<Result<String, String>>, ExtractionFailure> {
    let max_chars = budget.limits().max_chars;
    let mut chars = 0_usize;
    let mut pages = Vec::with_capacity(indexes.len());
    for index in indexes {
        budget.check_time()?;
        match document.extract_text(index) {
            Ok(text) => {
                chars = chars.saturating_add(text.chars().count());
                if chars > max_chars {
                    return Err(too_many_chars(max_chars));
                }
                pages.push(Ok(text));
            }
            Err(error) => {
                tracing::debug!(page = index + 1, %error, "a PDF page could not be read");
                pages.push(Err(error.to_string()));
            }
        }
    }
    Ok(pages)
}

fn corrupt(detail: &str) -> ExtractionFailure {
    ExtractionFailure::Corrupt {
        format: PDF,
        detail: detail.to_owned(),
    }
}

/// How far from an `/Encrypt` key the `/Root` key of the same trailer may be.
const TRAILER_REACH: usize = 2048;

/// Whether a trailer (or cross-reference stream) dictionary has an `/Encrypt` entry: the key,
/// not a longer name such as `/EncryptMetadata`, with the trailer's `/Root` key nearby, so the
/// word in a page's text does not count.
fn has_encrypt_entry(bytes: &[u8]) -> bool {
    const KEY: &[u8] = b"/Encrypt";
    let mut from = 0;
    while let Some(offset) = find(&bytes[from..], KEY) {
        let at = from + offset;
        let end = at + KEY.len();
        let delimited = bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_whitespace() || b"<[/(".contains(b) || b.is_ascii_digit());
        if delimited {
            let window =
                &bytes[at.saturating_sub(TRAILER_REACH)..(end + TRAILER_REACH).min(bytes.len())];
            if find(window, b"/Root").is_some() {
                return true;
            }
        }
        from = end;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encrypt_key_in_the_trailer_is_found() {
        assert!(has_encrypt_entry(
            b"%PDF-1.6\n...\ntrailer\n<< /Size 9 /Root 1 0 R /Encrypt 8 0 R /ID [<a><b>] >>\n%%EOF"
        ));
        assert!(has_encrypt_entry(
            b"%PDF-1.7\n5 0 obj\n<</Type/XRef/Root 1 0 R/Encrypt<</Filter/Standard>>/W[1 2 1]>>stream"
        ));
    }

    #[test]
    fn other_encrypt_names_do_not_count() {
        assert!(!has_encrypt_entry(
            b"%PDF-1.7\n1 0 obj << /EncryptMetadata false >>\ntrailer << /Root 1 0 R >>"
        ));
        assert!(!has_encrypt_entry(
            b"%PDF-1.4\nBT (/Encrypt is a word) Tj ET"
        ));
    }
}
