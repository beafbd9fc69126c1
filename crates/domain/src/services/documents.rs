//! Documents: uploading a file, reading it back, processing it again, and deleting it with
//! its bytes. Processing itself is [`super::ingestion::IngestionService`]'s, in the worker.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::entities::{Document, DocumentUpdate, NewDocument};
use crate::enums::DocumentStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, DocumentId, UserId};
use crate::jobs::{Job, ProcessDocument};
use crate::ports::{BlobStore, Clock, DocumentRepository, JobQueue, StoredBlob};
use crate::rules::file_type;
use crate::values::{FieldContext, FileSize, ShortText, Title};

/// A file as the student sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The name the file had on the student's machine.
    pub file_name: String,
    /// The title to show; the file name without its extension if `None`.
    pub title: Option<String>,
    /// The course to file it under.
    pub course_id: Option<CourseId>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A document's original file, to send back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentFile {
    /// The name to offer when saving it.
    pub file_name: String,
    /// Its media type, as found from its bytes at upload.
    pub mime_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The key prefix under which every blob of `user` lives.
#[must_use]
pub fn user_blob_prefix(user: UserId) -> String {
    format!("users/{user}/")
}

/// Uploads, reprocessing, file downloads and deletion of documents.
///
/// Every document is `PENDING` or `PROCESSING` only while a `document.process` job exists to
/// finish it: the upload enqueues one, and a document left without one (the enqueue failed,
/// the process died in between, the last attempt's worker died) is found by
/// [`DocumentService::requeue_stranded`], which the worker runs periodically.
#[derive(Clone)]
pub struct DocumentService {
    documents: Arc<dyn DocumentRepository>,
    blobs: Arc<dyn BlobStore>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    upload_limit: u64,
}

impl std::fmt::Debug for DocumentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentService")
            .field("upload_limit", &self.upload_limit)
            .finish_non_exhaustive()
    }
}

/// The default largest upload: 50 MiB.
pub const DEFAULT_UPLOAD_LIMIT: u64 = 50 * 1024 * 1024;

/// The error for a file larger than `limit` bytes.
#[must_use]
pub fn upload_too_large(limit: u64) -> DomainError {
    DomainError::TooLarge {
        field: "file".to_owned(),
        message: format!(
            "the file is larger than the limit of {limit} bytes ({})",
            human_size(limit)
        ),
    }
}

/// How long a document may stay `PENDING` or `PROCESSING` without change before it counts as
/// stranded: longer than any processing run (whose parsing is limited to a minute).
pub const STRANDED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(15);

impl DocumentService {
    /// A service over these ports, accepting uploads up to `upload_limit` bytes.
    #[must_use]
    pub fn new(
        documents: Arc<dyn DocumentRepository>,
        blobs: Arc<dyn BlobStore>,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
        upload_limit: u64,
    ) -> Self {
        Self {
            documents,
            blobs,
            queue,
            clock,
            upload_limit,
        }
    }

    /// The largest upload accepted, in bytes.
    #[must_use]
    pub const fn upload_limit(&self) -> u64 {
        self.upload_limit
    }

    /// The error for an upload past the limit.
    #[must_use]
    pub fn too_large(&self) -> DomainError {
        upload_too_large(self.upload_limit)
    }

    /// Stores the file, records the document `PENDING` and enqueues its processing.
    ///
    /// # Errors
    ///
    /// `TooLarge` past the limit; `UnsupportedType` for a file that is not PDF, DOCX, PPTX,
    /// HTML, Markdown or plain text (naming what it is); `Validation` on `title`, `fileName`;
    /// `NotFound` when the course is not the user's. If the enqueue fails after the document
    /// is recorded, the document stays `PENDING` and is picked up by the periodic requeue; the
    /// upload still succeeds.
    pub async fn upload(&self, user: UserId, upload: Upload) -> DomainResult<Document> {
        let document = self.store(user, upload).await?;
        // A failed enqueue leaves the document PENDING for the periodic requeue to find.
        let _ = self.enqueue_processing(user, document.id).await;
        Ok(document)
    }

    /// Stores the file and records the document `PENDING`, without enqueueing its
    /// processing: for a caller that processes it itself (an import).
    ///
    /// # Errors
    ///
    /// As [`DocumentService::upload`].
    pub async fn store(&self, user: UserId, upload: Upload) -> DomainResult<Document> {
        if u64::try_from(upload.bytes.len()).unwrap_or(u64::MAX) > self.upload_limit {
            return Err(self.too_large());
        }
        let file_name = clean_file_name(&upload.file_name);
        let format = file_type::detect(&upload.bytes, Some(&file_name)).map_err(|found| {
            DomainError::UnsupportedType {
                field: "file".to_owned(),
                message: found.to_string(),
            }
        })?;
        let title = match upload.title {
            Some(title) => Title::parse(title).field("title")?,
            None => Title::parse(default_title(&file_name))
                .or_else(|_| Title::parse("Untitled document"))
                .field("title")?,
        };
        let size = i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX);
        let checksum = super::sha256_hex(&upload.bytes);
        let storage_key = format!(
            "{}documents/{}",
            user_blob_prefix(user),
            Uuid::new_v4().simple()
        );
        let new = NewDocument {
            course_id: upload.course_id,
            title,
            file_name: ShortText::parse(file_name).field("fileName")?,
            mime_type: ShortText::parse(format.mime_type()).field("mimeType")?,
            file_size: FileSize::new(size).field("fileSize")?,
            storage_key: storage_key.clone(),
            checksum_sha256: checksum,
        };
        self.blobs
            .put(
                storage_key.clone(),
                upload.bytes,
                format.mime_type().to_owned(),
            )
            .await?;
        let document = match self.documents.create(user, new).await {
            Ok(document) => document,
            Err(error) => {
                // Nothing refers to the bytes: take them back. A failure here leaves an
                // orphan blob under the user's prefix, removed with the account.
                let _ = self.blobs.delete(storage_key).await;
                return Err(error);
            }
        };
        Ok(document)
    }

    /// The document's original bytes.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's, or its bytes are gone.
    pub async fn file(&self, user: UserId, id: DocumentId) -> DomainResult<DocumentFile> {
        let document = self.documents.get(user, id).await?;
        let StoredBlob { bytes, .. } =
            self.blobs
                .get(document.storage_key)
                .await
                .map_err(|error| match error {
                    DomainError::NotFound { .. } => DomainError::not_found("document file"),
                    other => other,
                })?;
        Ok(DocumentFile {
            file_name: document.file_name,
            mime_type: document.mime_type,
            bytes,
        })
    }

    /// Processes the document again (after a failure, or to pick up a better extractor or
    /// embedding model): back to `PENDING`, and a job enqueued.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's; `Conflict` on `status` while it is
    /// still being processed.
    pub async fn reprocess(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        let document = self.documents.get(user, id).await?;
        if matches!(
            document.status,
            DocumentStatus::Pending | DocumentStatus::Processing
        ) {
            return Err(DomainError::conflict(
                "status",
                "the document is already being processed",
            ));
        }
        let document = self
            .documents
            .update(
                user,
                id,
                DocumentUpdate {
                    status: Some(DocumentStatus::Pending),
                    error_message: Some(None),
                    ..DocumentUpdate::default()
                },
            )
            .await?;
        self.enqueue_processing(user, id).await?;
        Ok(document)
    }

    /// Deletes the document, its chunks (by cascade) and its bytes.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's.
    pub async fn delete(&self, user: UserId, id: DocumentId) -> DomainResult<()> {
        let deleted = self.documents.delete(user, id).await?;
        // The record is gone, so nothing can reach the bytes any more; a failure to remove
        // them leaves an orphan under the user's prefix, removed with the account.
        let _ = self.blobs.delete(deleted.storage_key).await;
        Ok(())
    }

    /// Removes every blob of the user (after the account is deleted); returns how many.
    ///
    /// # Errors
    ///
    /// When the blob store fails.
    pub async fn delete_all_files(&self, user: UserId) -> DomainResult<u64> {
        self.blobs.delete_prefix(user_blob_prefix(user)).await
    }

    /// Enqueues processing for every document left `PENDING` or `PROCESSING` without change
    /// for [`STRANDED_AFTER`]; returns how many. A document whose job is still unfinished
    /// gets no second job (the job's unique key).
    ///
    /// # Errors
    ///
    /// When the storage or the queue fails.
    pub async fn requeue_stranded(&self) -> DomainResult<u64> {
        let before: DateTime<Utc> = self.clock.now() - STRANDED_AFTER;
        let stranded = self.documents.stranded(before, 500).await?;
        let mut count = 0_u64;
        for (user, id) in stranded {
            self.enqueue_processing(user, id).await?;
            count += 1;
        }
        Ok(count)
    }

    async fn enqueue_processing(&self, user: UserId, id: DocumentId) -> DomainResult<()> {
        let job = ProcessDocument {
            user_id: user,
            document_id: id,
        };
        self.queue.enqueue(job.to_new_job()?).await.map(|_| ())
    }
}

/// The file name without any folder a browser may have sent, control characters or quotes,
/// at most 200 characters; `document` if nothing is left.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "document".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// The file name without its extension.
fn default_title(file_name: &str) -> &str {
    match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => file_name,
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(clean_file_name("C:\\Users\\ada\\notes.pdf"), "notes.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_file_name(".."), "document");
        assert_eq!(clean_file_name(""), "document");
    }

    #[test]
    fn the_title_is_the_name_without_extension() {
        assert_eq!(default_title("Lecture 3.pdf"), "Lecture 3");
        assert_eq!(default_title(".pdf"), ".pdf");
        assert_eq!(default_title("README"), "README");
    }

    #[test]
    fn sizes_read_in_mebibytes_when_whole() {
        assert_eq!(human_size(50 * 1024 * 1024), "50 MiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
