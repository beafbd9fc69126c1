//! The blob store on `object_store`: document bytes in a local directory (the default,
//! `BLOB_DIR`), in an S3-compatible bucket ([`S3Settings`]), or in memory.
//!
//! Keys are made by the domain (`users/{user}/documents/{random}`), never by a user, and are
//! parsed as `object_store` paths, which refuse `..` and empty segments: a key cannot leave
//! the store's root.

mod s3;

use std::fmt;
use std::path::Path as FsPath;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{Attribute, ObjectStore, ObjectStoreExt as _, PutOptions, PutPayload};
use sophie_domain::{BlobStore, DomainError, DomainResult, StoredBlob};

pub use s3::S3Settings;

/// The media type of bytes stored without one.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// A [`BlobStore`] over any [`ObjectStore`].
#[derive(Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    description: String,
    /// Whether the store keeps a media type with the bytes (a local directory does not).
    keeps_content_type: bool,
}

impl fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectBlobStore")
            .field("store", &self.description)
            .finish()
    }
}

impl ObjectBlobStore {
    /// Blobs as files under `dir`, which is created if missing. Their media type is not kept:
    /// it is the document record's.
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
            keeps_content_type: false,
        })
    }

    /// Blobs in an S3-compatible bucket, each object with its media type as `Content-Type`.
    /// Nothing is sent before the first use.
    ///
    /// # Errors
    ///
    /// When the settings cannot make a client (an endpoint that is not a URL, a prefix that
    /// is not a key).
    pub fn s3(settings: &S3Settings) -> Result<Self, String> {
        Ok(Self {
            store: s3::store(settings)?,
            description: settings.description(),
            keeps_content_type: true,
        })
    }

    /// Blobs in memory, gone at exit.
    #[must_use]
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(InMemory::new()),
            description: "memory".to_owned(),
            keeps_content_type: true,
        }
    }

    /// Blobs in `store`, which must accept a content type with the bytes, described as
    /// `description` in logs.
    #[must_use]
    pub fn new(store: Arc<dyn ObjectStore>, description: impl Into<String>) -> Self {
        Self {
            store,
            description: description.into(),
            keeps_content_type: true,
        }
    }

    /// Where the blobs are, for the start-up log: never a key.
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
    async fn put(&self, key: String, bytes: Vec<u8>, content_type: String) -> DomainResult<()> {
        let mut options = PutOptions::default();
        if self.keeps_content_type {
            options
                .attributes
                .insert(Attribute::ContentType, content_type.into());
        }
        self.store
            .put_opts(&path(&key)?, PutPayload::from(bytes), options)
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
        let content_type = result
            .attributes
            .get(&Attribute::ContentType)
            .map_or(UNKNOWN_TYPE, |value| value.as_ref())
            .to_owned();
        let bytes = result.bytes().await.map_err(unavailable)?;
        Ok(StoredBlob {
            bytes: bytes.to_vec(),
            content_type,
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
    use crate::testing::s3::FakeS3;

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
    async fn an_s3_bucket_behaves_the_same_under_its_prefix() {
        let s3 = FakeS3::start().await;
        let mut settings = s3.settings();
        settings.prefix = Some("/tenant-a/".to_owned());
        round_trip(ObjectBlobStore::s3(&settings).unwrap()).await;
        // Only what is left, and under the prefix.
        assert_eq!(s3.keys(), ["tenant-a/users/b/documents/3"]);
    }

    #[tokio::test]
    async fn an_s3_object_keeps_its_content_type() {
        let s3 = FakeS3::start().await;
        let store = ObjectBlobStore::s3(&s3.settings()).unwrap();
        store
            .put(
                "users/a/documents/1".into(),
                b"%PDF-1.7".to_vec(),
                "application/pdf".into(),
            )
            .await
            .unwrap();
        let object = s3.object("users/a/documents/1").unwrap();
        assert_eq!(object.content_type.as_deref(), Some("application/pdf"));
        assert_eq!(object.bytes, b"%PDF-1.7");
        let read = store.get("users/a/documents/1".into()).await.unwrap();
        assert_eq!(read.content_type, "application/pdf");
        assert_eq!(read.bytes, b"%PDF-1.7");
    }

    #[tokio::test]
    async fn memory_keeps_the_content_type_too() {
        let store = ObjectBlobStore::in_memory();
        store
            .put("k".into(), b"x".to_vec(), "text/markdown".into())
            .await
            .unwrap();
        assert_eq!(
            store.get("k".into()).await.unwrap().content_type,
            "text/markdown"
        );
    }

    #[tokio::test]
    async fn a_prefix_of_many_objects_is_emptied_across_list_pages() {
        let s3 = FakeS3::start().await;
        let store = ObjectBlobStore::s3(&s3.settings()).unwrap();
        for n in 0..7 {
            store
                .put(
                    format!("users/a/documents/{n}"),
                    vec![n],
                    "text/plain".into(),
                )
                .await
                .unwrap();
        }
        // Keys are escaped in the listing's XML and in the bulk delete's.
        store
            .put(
                "users/a/documents/R&D <draft> \"1\"".into(),
                b"escaped".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        store
            .put(
                "users/ab/documents/1".into(),
                b"kept".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        assert_eq!(store.delete_prefix("users/a/".into()).await.unwrap(), 8);
        assert_eq!(s3.keys(), ["users/ab/documents/1"]);
    }

    #[tokio::test]
    async fn the_fake_s3_refuses_an_unsigned_request() {
        let s3 = FakeS3::start().await;
        let store = ObjectBlobStore::s3(&s3.settings()).unwrap();
        store
            .put(
                "users/a/documents/1".into(),
                b"one".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap();
        let url = format!("{}/{}/users/a/documents/1", s3.endpoint(), FakeS3::BUCKET);
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert!(response.text().await.unwrap().contains("AccessDenied"));
    }

    #[tokio::test]
    async fn a_wrong_secret_key_is_refused() {
        let s3 = FakeS3::start().await;
        let mut settings = s3.settings();
        settings.secret_access_key = "not-the-secret".to_owned();
        let store = ObjectBlobStore::s3(&settings).unwrap();
        let refused = store
            .put(
                "users/a/documents/1".into(),
                b"one".to_vec(),
                "text/plain".into(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(refused, DomainError::Unavailable { .. }),
            "{refused:?}"
        );
        assert!(
            refused.to_string().contains("SignatureDoesNotMatch"),
            "{refused}"
        );
        assert!(s3.keys().is_empty());
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
