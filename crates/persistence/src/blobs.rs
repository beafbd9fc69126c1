//! The blob store on `object_store`: document bytes in a local directory (the default,
//! `BLOB_DIR`), or in any store `object_store` offers.
//!
//! Keys are made by the domain (`users/{user}/documents/{random}`), never by a user, and are
//! parsed as `object_store` paths, which refuse `..` and empty segments: a key cannot leave
//! the store's root.

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use sophie_domain::{BlobStore, DomainError, DomainResult, StoredBlob};

/// A [`BlobStore`] over any [`ObjectStore`].
#[derive(Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectBlobStore")
            .field("store", &self.description)
            .finish()
    }
}

impl ObjectBlobStore {
    /// Blobs as files under `dir`, which is created if missing.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created or read.
    pub fn local(dir: &FsPath) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the blob directory {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("cannot use the blob directory {}: {e}", dir.display()))?;
        Ok(Self {
            store: Arc::new(store),
            description: format!("directory {}", dir.display()),
        })
    }

    /// Blobs in memory, gone at exit.
    #[must_use]
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(InMemory::new()),
            description: "memory".to_owned(),
        }
    }

    /// Blobs in `store`, described as `description` in logs.
    #[must_use]
    pub fn new(store: Arc<dyn ObjectStore>, description: impl Into<String>) -> Self {
        Self {
            store,
            description: description.into(),
        }
    }

    /// Where the blobs are, for the start-up log.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }
}

fn path(key: &str) -> DomainResult<Path> {
    Path::parse(key).map_err(|e| DomainError::internal(format!("bad blob key {key:?}: {e}")))
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "used as `map_err(unavailable)`, which hands over the error"
)]
fn unavailable(error: object_store::Error) -> DomainError {
    DomainError::Unavailable {
        service: "file storage",
        message: error.to_string(),
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, key: String, bytes: Vec<u8>, _content_type: String) -> DomainResult<()> {
        // The media type is the document record's; the local store keeps no attributes.
        self.store
            .put(&path(&key)?, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn get(&self, key: String) -> DomainResult<StoredBlob> {
        let result = match self.store.get(&path(&key)?).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(DomainError::not_found("blob"));
            }
            Err(error) => return Err(unavailable(error)),
        };
        let bytes = result.bytes().await.map_err(unavailable)?;
        Ok(StoredBlob {
            bytes: bytes.to_vec(),
            content_type: "application/octet-stream".to_owned(),
        })
    }

    async fn delete(&self, key: String) -> DomainResult<()> {
        match self.store.delete(&path(&key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn delete_prefix(&self, prefix: String) -> DomainResult<u64> {
        let prefix = path(prefix.trim_end_matches('/'))?;
        let locations = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .boxed();
        let deleted: Vec<Path> = self
            .store
            .delete_stream(locations)
            .try_collect()
            .await
            .map_err(unavailable)?;
        Ok(u64::try_from(deleted.len()).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(store: ObjectBlobStore) {
        store
            .put(
                "users/a/documents/1".into(),
                b"one".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        store
            .put(
                "users/a/documents/2".into(),
                b"two".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        store
            .put(
                "users/b/documents/3".into(),
                b"three".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.get("users/a/documents/1".into()).await.unwrap().bytes,
            b"one"
        );
        store.delete("users/a/documents/1".into()).await.unwrap();
        assert!(matches!(
            store.get("users/a/documents/1".into()).await,
            Err(DomainError::NotFound { .. })
        ));
        // Deleting what is not there is not an error.
        store.delete("users/a/documents/1".into()).await.unwrap();
        assert_eq!(store.delete_prefix("users/a/".into()).await.unwrap(), 1);
        assert!(store.get("users/a/documents/2".into()).await.is_err());
        assert_eq!(
            store.get("users/b/documents/3".into()).await.unwrap().bytes,
            b"three"
        );
    }

    #[tokio::test]
    async fn a_local_directory_keeps_deletes_and_removes_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        round_trip(ObjectBlobStore::local(dir.path()).unwrap()).await;
    }

    #[tokio::test]
    async fn memory_behaves_the_same() {
        round_trip(ObjectBlobStore::in_memory()).await;
    }

    #[tokio::test]
    async fn keys_cannot_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectBlobStore::local(&dir.path().join("root")).unwrap();
        let escape = store
            .put("../outside".into(), b"x".to_vec(), "text/plain".into())
            .await;
        assert!(escape.is_err());
        assert!(!dir.path().join("outside").exists());
    }
}
