//! The blob store in memory: document bytes in a map, gone when the process exits.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use crate::error::{DomainError, DomainResult};
use crate::ports::{BlobStore, StoredBlob};

/// The in-memory [`BlobStore`]. Clones share the same blobs.
#[derive(Clone, Default)]
pub struct MemoryBlobStore {
    blobs: Arc<Mutex<HashMap<String, StoredBlob>>>,
}

impl MemoryBlobStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn with_blobs<T>(&self, work: impl FnOnce(&mut HashMap<String, StoredBlob>) -> T) -> T {
        let mut blobs = self.blobs.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut blobs)
    }
}

impl fmt::Debug for MemoryBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryBlobStore").finish_non_exhaustive()
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    async fn put(&self, key: String, bytes: Vec<u8>, content_type: String) -> DomainResult<()> {
        self.with_blobs(|blobs| {
            blobs.insert(
                key,
                StoredBlob {
                    bytes,
                    content_type,
                },
            );
        });
        Ok(())
    }

    async fn get(&self, key: String) -> DomainResult<StoredBlob> {
        self.with_blobs(|blobs| blobs.get(&key).cloned())
            .ok_or(DomainError::not_found("blob"))
    }

    async fn delete(&self, key: String) -> DomainResult<()> {
        self.with_blobs(|blobs| blobs.remove(&key));
        Ok(())
    }

    async fn delete_prefix(&self, prefix: String) -> DomainResult<u64> {
        let removed = self.with_blobs(|blobs| {
            let before = blobs.len();
            blobs.retain(|key, _| !key.starts_with(&prefix));
            before - blobs.len()
        });
        Ok(u64::try_from(removed).unwrap_or(u64::MAX))
    }
}
