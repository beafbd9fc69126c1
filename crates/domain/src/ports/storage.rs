//! The blob store port: where uploaded documents' bytes live.

use async_trait::async_trait;

use crate::error::DomainResult;

/// Bytes read back from the store, with their media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their media type, as given when stored.
    pub content_type: String,
}

/// Stores bytes under keys: a directory on disk, or an S3-compatible bucket.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing what was there.
    async fn put(&self, key: String, bytes: Vec<u8>, content_type: String) -> DomainResult<()>;

    /// The bytes under `key`.
    ///
    /// # Errors
    ///
    /// `NotFound` when nothing is stored there.
    async fn get(&self, key: String) -> DomainResult<StoredBlob>;

    /// Removes what is under `key`; removing nothing is not an error.
    async fn delete(&self, key: String) -> DomainResult<()>;

    /// Removes everything whose key starts with `prefix` (a user's folder); returns how many.
    async fn delete_prefix(&self, prefix: String) -> DomainResult<u64>;
}
