//! Provider tokens at rest: sealed with XChaCha20-Poly1305 under keys from the environment.
//!
//! A sealed value reads `v1:<key id>:<base64url(nonce ‖ ciphertext)>`. The nonce is 24 random
//! bytes, so random nonces never repeat in practice however many tokens are sealed. The user,
//! the provider, the row and the column are the associated data: a ciphertext copied into
//! another row or column does not open. The first key seals, every key opens, and the key id travels with
//! each value, so keys rotate without a migration: add a new key in front, and drop the old
//! one once nothing sealed under it is left.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, Generate as _, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use crate::error::{DomainError, DomainResult};
use crate::id::UserId;
use crate::values::InvalidValue;

const VERSION: &str = "v1";
const NONCE_BYTES: usize = 24;
const KEY_BYTES: usize = 32;
const KEY_ID_MAX_CHARS: usize = 32;

/// Where a sealed value belongs: what its associated data binds it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedIn<'a> {
    /// The user the value belongs to.
    pub user: UserId,
    /// The provider (`google`).
    pub provider: &'a str,
    /// The row: the account's id (two accounts of one user at one provider do not swap).
    pub row: &'a str,
    /// The column (`access_token`, `refresh_token`, `id_token`).
    pub column: &'a str,
}

impl SealedIn<'_> {
    fn associated_data(&self) -> Vec<u8> {
        // Lengths first, so no two different places give the same bytes.
        let mut aad = format!("sophie-token/{}", self.user);
        for part in [self.provider, self.row, self.column] {
            aad.push_str(&format!("/{}:{part}", part.len()));
        }
        aad.into_bytes()
    }
}

/// The keys provider tokens are sealed with (`TOKEN_KEY`).
#[derive(Clone)]
pub struct TokenKeys {
    /// `(id, cipher)`; the first seals.
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The ids only: never the keys.
        f.debug_struct("TokenKeys")
            .field(
                "ids",
                &self.keys.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl TokenKeys {
    /// Reads `TOKEN_KEY`: comma-separated `id:base64` keys of 32 bytes each (standard or
    /// URL-safe base64, padded or not); the first seals, all open. Ids are 1 to 32 letters,
    /// digits, `-` or `_`, each used once.
    ///
    /// # Errors
    ///
    /// What is wrong with the value, never the value itself.
    pub fn parse(spec: &str) -> Result<Self, InvalidValue> {
        let mut keys: Vec<(String, XChaCha20Poly1305)> = Vec::new();
        for (index, entry) in spec.split(',').map(str::trim).enumerate() {
            let position = index + 1;
            let (id, encoded) = entry.split_once(':').ok_or_else(|| {
                InvalidValue(format!("key {position} is not written `id:base64`"))
            })?;
            let id_ok = !id.is_empty()
                && id.len() <= KEY_ID_MAX_CHARS
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return Err(InvalidValue(format!(
                    "key {position} has a bad id: 1 to {KEY_ID_MAX_CHARS} letters, digits, `-` or `_`"
                )));
            }
            if keys.iter().any(|(other, _)| other == id) {
                return Err(InvalidValue(format!("key id `{id}` is used twice")));
            }
            let encoded = encoded.trim().trim_end_matches('=');
            let bytes = STANDARD
                .decode(pad(encoded))
                .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
                .map_err(|_| InvalidValue(format!("key `{id}` is not base64")))?;
            if bytes.len() != KEY_BYTES {
                return Err(InvalidValue(format!(
                    "key `{id}` is {} bytes; it must be {KEY_BYTES}",
                    bytes.len()
                )));
            }
            let key = Key::try_from(bytes.as_slice())
                .map_err(|_| InvalidValue(format!("key `{id}` is not {KEY_BYTES} bytes")))?;
            keys.push((id.to_owned(), XChaCha20Poly1305::new(&key)));
        }
        Ok(Self { keys })
    }

    /// One random key that lives as long as the process: for the in-memory storage, which
    /// keeps nothing after exit either.
    ///
    /// # Errors
    ///
    /// `Internal` when the operating system gives no randomness.
    pub fn ephemeral() -> DomainResult<Self> {
        let mut bytes = [0_u8; KEY_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| DomainError::internal(format!("no randomness from the OS: {e}")))?;
        let key = Key::from(bytes);
        Ok(Self {
            keys: vec![("ephemeral".to_owned(), XChaCha20Poly1305::new(&key))],
        })
    }

    /// The id of the key that seals.
    #[must_use]
    pub fn sealing_key_id(&self) -> &str {
        self.keys.first().map_or("", |(id, _)| id.as_str())
    }

    /// Seals `plain` for the row and column `place` names.
    ///
    /// # Errors
    ///
    /// `Internal` when there is no randomness for the nonce.
    pub fn seal(&self, plain: &str, place: SealedIn<'_>) -> DomainResult<String> {
        let (id, cipher) = self
            .keys
            .first()
            .ok_or_else(|| DomainError::internal("no token key"))?;
        let nonce = XNonce::try_generate()
            .map_err(|e| DomainError::internal(format!("no randomness for a nonce: {e:?}")))?;
        let aad = place.associated_data();
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| DomainError::internal("a token could not be sealed"))?;
        let mut bytes = Vec::with_capacity(NONCE_BYTES + sealed.len());
        bytes.extend_from_slice(nonce.as_slice());
        bytes.extend_from_slice(&sealed);
        Ok(format!("{VERSION}:{id}:{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Opens a value [`seal`](Self::seal) made for the same `place`.
    ///
    /// # Errors
    ///
    /// `Internal` when the value is not sealed, its key is gone, or it was sealed for another
    /// row or column, or tampered with.
    pub fn open(&self, sealed: &str, place: SealedIn<'_>) -> DomainResult<String> {
        let unreadable = || DomainError::internal("a stored token could not be opened");
        let mut parts = sealed.splitn(3, ':');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(unreadable());
        };
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(key_id, _)| key_id == id)
            .ok_or_else(|| {
                DomainError::internal(format!(
                    "a stored token was sealed under key `{id}`, which TOKEN_KEY no longer holds"
                ))
            })?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| unreadable())?;
        if bytes.len() < NONCE_BYTES {
            return Err(unreadable());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| unreadable())?;
        let plain = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &place.associated_data(),
                },
            )
            .map_err(|_| unreadable())?;
        String::from_utf8(plain).map_err(|_| unreadable())
    }
}

fn pad(unpadded: &str) -> String {
    let mut padded = unpadded.replace('-', "+").replace('_', "/");
    while !padded.len().is_multiple_of(4) {
        padded.push('=');
    }
    padded
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";

    fn place(user: UserId, column: &str) -> SealedIn<'_> {
        SealedIn {
            user,
            provider: "google",
            row: "account-1",
            column,
        }
    }

    #[test]
    fn a_sealed_token_opens_only_where_it_was_sealed() {
        let keys = TokenKeys::parse(&format!("k1:{A}")).unwrap();
        let user = UserId::new();
        let sealed = keys
            .seal("ya29.secret", place(user, "access_token"))
            .unwrap();
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("ya29.secret"));
        assert_eq!(
            keys.open(&sealed, place(user, "access_token")).unwrap(),
            "ya29.secret"
        );
        // Another column, another user, another provider: none opens it.
        assert!(keys.open(&sealed, place(user, "refresh_token")).is_err());
        assert!(
            keys.open(&sealed, place(UserId::new(), "access_token"))
                .is_err()
        );
        let other_provider = SealedIn {
            provider: "github",
            ..place(user, "access_token")
        };
        assert!(keys.open(&sealed, other_provider).is_err());
        let other_row = SealedIn {
            row: "account-2",
            ..place(user, "access_token")
        };
        assert!(keys.open(&sealed, other_row).is_err());
        // Two seals of one token differ (fresh nonces).
        assert_ne!(
            sealed,
            keys.seal("ya29.secret", place(user, "access_token"))
                .unwrap()
        );
    }

    #[test]
    fn a_tampered_token_does_not_open() {
        let keys = TokenKeys::parse(&format!("k1:{A}")).unwrap();
        let user = UserId::new();
        let sealed = keys
            .seal("refresh-me", place(user, "refresh_token"))
            .unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(keys.open(&tampered, place(user, "refresh_token")).is_err());
        assert!(
            keys.open("plain text", place(user, "refresh_token"))
                .is_err()
        );
    }

    #[test]
    fn keys_rotate_without_rewriting_what_is_stored() {
        let old = TokenKeys::parse(&format!("old:{A}")).unwrap();
        let user = UserId::new();
        let sealed = old.seal("kept", place(user, "access_token")).unwrap();

        let rotated = TokenKeys::parse(&format!("new:{B}, old:{A}")).unwrap();
        assert_eq!(rotated.sealing_key_id(), "new");
        assert_eq!(
            rotated.open(&sealed, place(user, "access_token")).unwrap(),
            "kept"
        );
        let resealed = rotated.seal("kept", place(user, "access_token")).unwrap();
        assert!(resealed.starts_with("v1:new:"));

        let dropped = TokenKeys::parse(&format!("new:{B}")).unwrap();
        let error = dropped
            .open(&sealed, place(user, "access_token"))
            .unwrap_err();
        assert!(error.to_string().contains("`old`"), "{error}");
    }

    #[test]
    fn bad_key_lists_are_refused_without_echoing_the_keys() {
        for (spec, expected) in [
            ("", "not written"),
            ("k1", "not written"),
            (":AAAA", "bad id"),
            ("k 1:AAAA", "bad id"),
            ("k1:not base64!", "not base64"),
            ("k1:AAAA", "3 bytes"),
        ] {
            let error = TokenKeys::parse(spec).unwrap_err();
            assert!(error.0.contains(expected), "{spec}: {}", error.0);
        }
        let error = TokenKeys::parse(&format!("k1:{A},k1:{B}")).unwrap_err();
        assert!(error.0.contains("twice"), "{}", error.0);
        assert!(!error.0.contains(A));
        let keys = TokenKeys::parse(&format!("k1:{A}")).unwrap();
        assert!(!format!("{keys:?}").contains(A));
    }
}
