//! Use cases: each service holds the ports it needs and is the one place a flow lives, shared
//! by the HTTP layer and the worker.

pub mod accounts;
pub mod agenda;
pub mod budget;
pub mod calendar;
pub mod calendar_import;
pub mod calendar_sync;
pub mod chat;
pub mod documents;
pub mod event_extraction;
pub mod federation;
pub mod generation;
pub mod imports;
pub mod ingestion;
pub mod interchange;
pub mod notes;
pub mod quizzes;
pub mod reminders;
pub mod reviews;
pub mod sealing;
pub mod search;
pub mod summaries;

/// A new random token: 32 bytes from the operating system, URL-safe base64 without padding.
///
/// # Errors
///
/// `Internal` when the operating system gives no randomness.
pub(crate) fn random_token() -> crate::error::DomainResult<String> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        crate::error::DomainError::internal(format!("no randomness from the OS: {e}"))
    })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of `bytes` in lower-case hex: session token hashes and upload checksums.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}
