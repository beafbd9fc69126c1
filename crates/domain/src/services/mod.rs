//! Use cases: each service holds the ports it needs and is the one place a flow lives, shared
//! by the HTTP layer and the worker.

pub mod accounts;
pub mod budget;
pub mod calendar;
pub mod chat;
pub mod documents;
pub mod generation;
pub mod imports;
pub mod ingestion;
pub mod interchange;
pub mod notes;
pub mod quizzes;
pub mod reviews;
pub mod search;
pub mod summaries;

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
