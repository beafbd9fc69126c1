//! The password hashing port.

use async_trait::async_trait;

use crate::error::DomainResult;
use crate::values::{Password, PasswordHash};

/// Hashes and checks passwords with a slow, salted hash (argon2id in production).
///
/// Implementations do the hashing off the async executor, since it takes tens of
/// milliseconds of CPU on purpose.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes `password` with a fresh salt.
    async fn hash(&self, password: Password) -> DomainResult<PasswordHash>;

    /// Whether `password` matches `hash`.
    ///
    /// # Errors
    ///
    /// `Internal` when `hash` is not a hash this hasher can read.
    async fn verify(&self, password: Password, hash: PasswordHash) -> DomainResult<bool>;

    /// Does the work of one [`PasswordHasher::verify`] against a fixed hash, so that signing
    /// in with an unknown email takes as long as with a wrong password.
    async fn waste_equivalent_time(&self, password: Password);
}
