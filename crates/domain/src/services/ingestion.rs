//! Processing an uploaded document: extract its text page by page, cut it into chunks, embed
//! them, index them, and tell the student. Run by the worker for `document.process` jobs.

use std::sync::Arc;

use crate::entities::{DocumentUpdate, NewDocumentChunk, NewNotification};
use crate::enums::{DocumentStatus, NotificationType};
use crate::error::{DomainError, DomainResult};
use crate::id::{DocumentId, UserId};
use crate::jobs::{Job, ReembedDocument};
use crate::ports::{
    BlobStore, Chunker, DocumentFormat, DocumentRepository, Embedder, JobQueue,
    NotificationRepository, SearchIndex, TextExtractor,
};
use crate::rules::file_type;
use crate::values::{FieldContext, Link, MessageText, PageCount, Title};

/// What a processing run came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processed {
    /// The document is `READY` with this many pages and chunks.
    Ready {
        /// Pages (slides, sections) read.
        pages: u32,
        /// Chunks indexed.
        chunks: u64,
    },
    /// The document is `FAILED`, with this reason for the student.
    Failed(String),
    /// Nothing to do: the document is gone, or already finished by an earlier run of the
    /// same job.
    Skipped,
}

/// Turns an uploaded document into searchable chunks.
///
/// Idempotent: a run repeated after a crash (the work done, the job not yet marked complete)
/// finds the document finished and does nothing, and a run cut short is simply redone:
/// chunks are replaced atomically, and the notification is created once per job (`run_key`).
#[derive(Clone)]
pub struct IngestionService {
    documents: Arc<dyn DocumentRepository>,
    search: Arc<dyn SearchIndex>,
    notifications: Arc<dyn NotificationRepository>,
    blobs: Arc<dyn BlobStore>,
    extractor: Arc<dyn TextExtractor>,
    chunker: Arc<dyn Chunker>,
    embedder: Arc<dyn Embedder>,
    queue: Arc<dyn JobQueue>,
}

/// How many stale documents one periodic pass enqueues for re-embedding.
const REEMBED_BATCH: u32 = 200;

impl std::fmt::Debug for IngestionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestionService")
            .field("embedder", &self.embedder.model())
            .finish_non_exhaustive()
    }
}

/// The ports [`IngestionService`] works through.
#[derive(Clone)]
pub struct IngestionPorts {
    /// Document records.
    pub documents: Arc<dyn DocumentRepository>,
    /// Where chunks go.
    pub search: Arc<dyn SearchIndex>,
    /// Where the student hears about it.
    pub notifications: Arc<dyn NotificationRepository>,
    /// The uploaded bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Reads text out of files.
    pub extractor: Arc<dyn TextExtractor>,
    /// Cuts text into chunks.
    pub chunker: Arc<dyn Chunker>,
    /// Turns chunks into vectors.
    pub embedder: Arc<dyn Embedder>,
    /// Where re-embedding jobs go.
    pub queue: Arc<dyn JobQueue>,
}

impl IngestionService {
    /// A service over these ports.
    #[must_use]
    pub fn new(ports: IngestionPorts) -> Self {
        Self {
            documents: ports.documents,
            search: ports.search,
            notifications: ports.notifications,
            blobs: ports.blobs,
            extractor: ports.extractor,
            chunker: ports.chunker,
            embedder: ports.embedder,
            queue: ports.queue,
        }
    }

    /// Enqueues re-embedding for documents whose chunks another model embedded (the
    /// configured model changed); returns how many. Search compares only vectors of the
    /// query's model, so until then those documents are found by their words alone.
    ///
    /// # Errors
    ///
    /// When the storage or the queue fails.
    pub async fn enqueue_stale_reembeds(&self) -> DomainResult<u64> {
        let stale = self
            .search
            .stale_embeddings(self.embedder.model(), REEMBED_BATCH)
            .await?;
        let mut count = 0_u64;
        for (user, id) in stale {
            let job = ReembedDocument {
                user_id: user,
                document_id: id,
            };
            self.queue.enqueue(job.to_new_job()?).await?;
            count += 1;
        }
        Ok(count)
    }

    /// Embeds the document's chunks again with the current model, keeping their text and
    /// pages; `false` when there was nothing to do (gone, being processed, or current).
    ///
    /// # Errors
    ///
    /// `Unavailable` when the embedder cannot be reached (worth retrying).
    pub async fn reembed(&self, user: UserId, id: DocumentId) -> DomainResult<bool> {
        let model = self.embedder.model();
        let document = match self.documents.get(user, id).await {
            Ok(document) => document,
            Err(DomainError::NotFound { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        // Processing embeds with the current model anyway.
        if document.status != DocumentStatus::Ready {
            return Ok(false);
        }
        let chunks = match self.search.list_chunks(user, id).await {
            Ok(chunks) => chunks,
            Err(DomainError::NotFound { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        if chunks
            .iter()
            .all(|c| c.embedding_model.as_deref() == Some(model.as_str()))
        {
            return Ok(false);
        }
        let vectors = self
            .embed_all(chunks.iter().map(|c| c.content.clone()).collect())
            .await?;
        let rows = chunks
            .into_iter()
            .zip(vectors)
            .map(|(chunk, vector)| NewDocumentChunk {
                content: chunk.content,
                page_number: chunk.page_number,
                chunk_index: chunk.chunk_index,
                embedding: Some(vector),
                embedding_model: Some(model.clone()),
            })
            .collect();
        match self.search.replace_chunks(user, id, rows).await {
            Ok(_) => Ok(true),
            Err(DomainError::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The embedding model chunks are indexed with.
    #[must_use]
    pub fn embedding_model(&self) -> String {
        self.embedder.model()
    }

    /// Processes the user's document. `run_key` names this piece of work (the job's id), so
    /// that a repeated run notifies the student once.
    ///
    /// # Errors
    ///
    /// Errors worth retrying (`Unavailable`: the embedder or the storage could not be
    /// reached); a file that cannot be read is not an error but a `FAILED` document.
    pub async fn process(
        &self,
        user: UserId,
        id: DocumentId,
        run_key: &str,
    ) -> DomainResult<Processed> {
        let document = match self.documents.get(user, id).await {
            Ok(document) => document,
            Err(DomainError::NotFound { .. }) => return Ok(Processed::Skipped),
            Err(error) => return Err(error),
        };
        if matches!(
            document.status,
            DocumentStatus::Ready | DocumentStatus::Failed
        ) {
            return Ok(Processed::Skipped);
        }
        if document.status == DocumentStatus::Pending {
            self.set_status(user, id, DocumentStatus::Processing, None, None)
                .await?;
        }
        let bytes = match self.blobs.get(document.storage_key.clone()).await {
            Ok(blob) => blob.bytes,
            Err(DomainError::NotFound { .. }) => {
                return self
                    .fail(
                        user,
                        id,
                        &document.title,
                        run_key,
                        "the uploaded file is missing; upload it again".to_owned(),
                    )
                    .await;
            }
            Err(error) => return Err(error),
        };
        let format = DocumentFormat::from_mime_type(&document.mime_type)
            .map_or_else(|| file_type::detect(&bytes, Some(&document.file_name)), Ok);
        let Ok(format) = format else {
            return self
                .fail(
                    user,
                    id,
                    &document.title,
                    run_key,
                    "the file is not of a supported type".to_owned(),
                )
                .await;
        };
        let text = match self.extractor.extract(format, bytes).await {
            Ok(text) => text,
            Err(failure) => {
                return self
                    .fail(user, id, &document.title, run_key, failure.to_string())
                    .await;
            }
        };
        let pages = u32::try_from(text.pages.len()).unwrap_or(u32::MAX);
        let chunks = self.chunker.chunk(&text.pages);
        if chunks.is_empty() {
            return self
                .fail(
                    user,
                    id,
                    &document.title,
                    run_key,
                    crate::ports::ExtractionFailure::NoText.to_string(),
                )
                .await;
        }
        let model = self.embedder.model();
        let vectors = self
            .embed_all(chunks.iter().map(|c| c.content.clone()).collect())
            .await?;
        let rows: Vec<NewDocumentChunk> = chunks
            .into_iter()
            .zip(vectors)
            .enumerate()
            .map(|(index, (chunk, vector))| NewDocumentChunk {
                content: chunk.content,
                page_number: Some(i32::try_from(chunk.page_number).unwrap_or(i32::MAX)),
                chunk_index: i32::try_from(index).unwrap_or(i32::MAX),
                embedding: Some(vector),
                embedding_model: Some(model.clone()),
            })
            .collect();
        let written = match self.search.replace_chunks(user, id, rows).await {
            Ok(written) => written,
            // Deleted while it was being processed.
            Err(DomainError::NotFound { .. }) => return Ok(Processed::Skipped),
            Err(error) => return Err(error),
        };
        self.notify(
            user,
            id,
            run_key,
            NotificationType::ImportCompleted,
            format!("“{}” is ready", document.title),
            format!(
                "{} {} read and indexed: you can search it and make study material from it.",
                pages,
                if pages == 1 { "page" } else { "pages" }
            ),
        )
        .await?;
        let page_count = PageCount::new(i64::from(pages)).field("pageCount")?;
        self.set_status(user, id, DocumentStatus::Ready, Some(page_count), None)
            .await?;
        Ok(Processed::Ready {
            pages,
            chunks: written,
        })
    }

    /// Marks the document `FAILED` after its job ran out of attempts on `error` (a service
    /// that stayed unavailable), and tells the student.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    pub async fn give_up(
        &self,
        user: UserId,
        id: DocumentId,
        run_key: &str,
        error: &DomainError,
    ) -> DomainResult<()> {
        let document = match self.documents.get(user, id).await {
            Ok(document) => document,
            Err(DomainError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        if matches!(
            document.status,
            DocumentStatus::Ready | DocumentStatus::Failed
        ) {
            return Ok(());
        }
        let reason = match error {
            DomainError::Unavailable { service, .. } => {
                format!(
                    "the {service} service was unavailable after several tries; try again later"
                )
            }
            _ => "processing failed after several tries; try again later".to_owned(),
        };
        self.fail(user, id, &document.title, run_key, reason)
            .await
            .map(|_| ())
    }

    async fn embed_all(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        super::notes::embed_all(self.embedder.as_ref(), texts).await
    }

    async fn fail(
        &self,
        user: UserId,
        id: DocumentId,
        title: &str,
        run_key: &str,
        reason: String,
    ) -> DomainResult<Processed> {
        self.notify(
            user,
            id,
            run_key,
            NotificationType::ImportFailed,
            format!("“{title}” could not be processed"),
            reason.clone(),
        )
        .await?;
        self.search.replace_chunks(user, id, Vec::new()).await.ok();
        self.set_status(user, id, DocumentStatus::Failed, None, Some(reason.clone()))
            .await?;
        Ok(Processed::Failed(reason))
    }

    async fn notify(
        &self,
        user: UserId,
        id: DocumentId,
        run_key: &str,
        kind: NotificationType,
        title: String,
        message: String,
    ) -> DomainResult<()> {
        let title: String = title.chars().take(200).collect();
        let new = NewNotification {
            notification_type: kind,
            title: Title::parse(title).field("title")?,
            message: MessageText::parse(message).field("message")?,
            link: Some(Link::parse(format!("/api/v1/documents/{id}")).field("link")?),
        };
        self.notifications
            .create_once(user, format!("document:{id}:{run_key}"), new)
            .await
            .map(|_| ())
    }

    async fn set_status(
        &self,
        user: UserId,
        id: DocumentId,
        status: DocumentStatus,
        page_count: Option<PageCount>,
        error: Option<String>,
    ) -> DomainResult<()> {
        let update = DocumentUpdate {
            status: Some(status),
            page_count: page_count.map(Some),
            error_message: Some(error),
            ..DocumentUpdate::default()
        };
        match self.documents.update(user, id, update).await {
            Ok(_) | Err(DomainError::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
