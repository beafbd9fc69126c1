//! Uploading and processing documents through the domain's services, on the in-memory
//! adapters, with small fakes for the file reader, the chunker and the embedder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::jobs::{Job, ProcessDocument, ReembedDocument, decode};
use sophie_domain::memory::{FixedClock, MemoryBlobStore, MemoryJobQueue, MemoryStore};
use sophie_domain::services::documents::{DocumentService, STRANDED_AFTER, Upload};
use sophie_domain::services::ingestion::{IngestionPorts, IngestionService, Processed};
use sophie_domain::values::{Email, Name};
use sophie_domain::{
    Chunker, DocumentFormat, DocumentStatus, DomainError, DomainResult, Embedder, ExtractedPage,
    ExtractedText, ExtractionFailure, JobQueue, MockJobQueue, NewUser, NotificationFilter,
    NotificationType, PageRequest, TextChunk, TextExtractor, UserId,
};

/// Pages split on form feeds; a file that starts with `LOCKED` is encrypted.
struct Pages;

#[async_trait]
impl TextExtractor for Pages {
    async fn extract(
        &self,
        _format: DocumentFormat,
        bytes: Vec<u8>,
    ) -> Result<ExtractedText, ExtractionFailure> {
        let text = String::from_utf8(bytes).unwrap();
        if text.starts_with("LOCKED") {
            return Err(ExtractionFailure::Encrypted);
        }
        Ok(ExtractedText {
            pages: text
                .split('\u{c}')
                .zip(1..)
                .map(|(text, number)| ExtractedPage {
                    number,
                    heading: None,
                    text: text.to_owned(),
                })
                .collect(),
        })
    }
}

/// One chunk per page with text.
struct PerPage;

impl Chunker for PerPage {
    fn chunk(&self, pages: &[ExtractedPage]) -> Vec<TextChunk> {
        pages
            .iter()
            .filter(|p| !p.text.trim().is_empty())
            .map(|p| TextChunk {
                page_number: p.number,
                content: p.text.clone(),
            })
            .collect()
    }
}

/// Vectors of the text's length, under a model name; down when told.
struct Lengths {
    model: &'static str,
    down: AtomicBool,
}

#[async_trait]
impl Embedder for Lengths {
    fn model(&self) -> String {
        self.model.to_owned()
    }

    fn dimensions(&self) -> usize {
        2
    }

    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        if self.down.load(Ordering::SeqCst) {
            return Err(DomainError::Unavailable {
                service: "embeddings",
                message: "connection refused".into(),
            });
        }
        Ok(texts.iter().map(|t| vec![t.len() as f32, 1.0]).collect())
    }
}

struct World {
    store: MemoryStore,
    blobs: Arc<MemoryBlobStore>,
    queue: Arc<MemoryJobQueue>,
    clock: Arc<FixedClock>,
    user: UserId,
}

impl World {
    async fn new() -> Self {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        ));
        let store = MemoryStore::with_clock(clock.clone());
        let user = store
            .repositories()
            .users
            .create(NewUser {
                name: Name::parse("Ada").unwrap(),
                email: Email::parse("ada@example.com").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
        Self {
            store,
            blobs: Arc::new(MemoryBlobStore::new()),
            queue: Arc::new(MemoryJobQueue::with_clock(clock.clone())),
            clock,
            user,
        }
    }

    fn documents(&self, queue: Arc<dyn JobQueue>) -> DocumentService {
        DocumentService::new(
            self.store.repositories().documents,
            self.blobs.clone(),
            queue,
            self.clock.clone(),
            1024,
        )
    }

    fn ingestion(&self, embedder: Arc<Lengths>) -> IngestionService {
        let r = self.store.repositories();
        IngestionService::new(IngestionPorts {
            documents: r.documents,
            search: r.search,
            notifications: r.notifications,
            blobs: self.blobs.clone(),
            extractor: Arc::new(Pages),
            chunker: Arc::new(PerPage),
            embedder,
            queue: self.queue.clone(),
        })
    }

    async fn upload(&self, text: &str) -> sophie_domain::Document {
        self.documents(self.queue.clone())
            .upload(
                self.user,
                Upload {
                    file_name: "notes.txt".into(),
                    title: None,
                    course_id: None,
                    bytes: text.as_bytes().to_vec(),
                },
            )
            .await
            .unwrap()
    }

    async fn notifications(&self) -> Vec<sophie_domain::Notification> {
        self.store
            .repositories()
            .notifications
            .list(
                self.user,
                NotificationFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
    }
}

fn embedder(model: &'static str) -> Arc<Lengths> {
    Arc::new(Lengths {
        model,
        down: AtomicBool::new(false),
    })
}

#[tokio::test]
async fn a_document_is_processed_once_even_when_its_job_runs_twice() {
    let w = World::new().await;
    let document = w
        .upload("Cells divide.\u{c}\u{c}Mitosis has four phases.")
        .await;
    let job = w
        .queue
        .claim(
            "w".into(),
            vec![ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    let job: ProcessDocument = decode(&job).unwrap();
    assert_eq!(job.document_id, document.id);

    let ingestion = w.ingestion(embedder("model-a"));
    let done = ingestion
        .process(w.user, document.id, "job-1")
        .await
        .unwrap();
    assert_eq!(
        done,
        Processed::Ready {
            pages: 3,
            chunks: 2
        }
    );
    // The worker died before `complete`: the same job runs again.
    let again = ingestion
        .process(w.user, document.id, "job-1")
        .await
        .unwrap();
    assert_eq!(again, Processed::Skipped);

    let r = w.store.repositories();
    let stored = r.documents.get(w.user, document.id).await.unwrap();
    assert_eq!(stored.status, DocumentStatus::Ready);
    assert_eq!(stored.page_count, Some(3));
    let chunks = r.search.list_chunks(w.user, document.id).await.unwrap();
    let pages: Vec<Option<i32>> = chunks.iter().map(|c| c.page_number).collect();
    assert_eq!(
        pages,
        [Some(1), Some(3)],
        "page 2 is empty and makes no chunk"
    );
    assert!(
        chunks
            .iter()
            .all(|c| c.embedding_model.as_deref() == Some("model-a"))
    );
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
}

#[tokio::test]
async fn an_unreadable_file_fails_with_a_reason_the_student_reads() {
    let w = World::new().await;
    let document = w.upload("LOCKED and secret").await;
    let ingestion = w.ingestion(embedder("model-a"));
    let done = ingestion
        .process(w.user, document.id, "job-1")
        .await
        .unwrap();
    let Processed::Failed(reason) = done else {
        panic!("expected a failure, got {done:?}");
    };
    assert!(reason.contains("password-protected"), "{reason}");
    let stored = w
        .store
        .repositories()
        .documents
        .get(w.user, document.id)
        .await
        .unwrap();
    assert_eq!(stored.status, DocumentStatus::Failed);
    assert_eq!(stored.error_message.as_deref(), Some(reason.as_str()));
    let told = w.notifications().await;
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
}

#[tokio::test]
async fn an_embedder_that_stays_down_is_retried_then_the_document_fails() {
    let w = World::new().await;
    let document = w.upload("Cells divide.").await;
    let down = embedder("model-a");
    down.down.store(true, Ordering::SeqCst);
    let ingestion = w.ingestion(down);
    let error = ingestion
        .process(w.user, document.id, "job-1")
        .await
        .unwrap_err();
    assert!(ProcessDocument::is_retryable(&error), "{error:?}");
    let r = w.store.repositories();
    assert_eq!(
        r.documents.get(w.user, document.id).await.unwrap().status,
        DocumentStatus::Processing
    );
    ingestion
        .give_up(w.user, document.id, "job-1", &error)
        .await
        .unwrap();
    let stored = r.documents.get(w.user, document.id).await.unwrap();
    assert_eq!(stored.status, DocumentStatus::Failed);
    assert!(
        stored
            .error_message
            .unwrap()
            .contains("embeddings service was unavailable"),
    );
}

#[tokio::test]
async fn a_new_embedding_model_re_embeds_in_the_background() {
    let w = World::new().await;
    let document = w.upload("Cells divide.\u{c}Mitosis has four phases.").await;
    w.ingestion(embedder("model-a"))
        .process(w.user, document.id, "job-1")
        .await
        .unwrap();

    let newer = w.ingestion(embedder("model-b"));
    assert_eq!(newer.enqueue_stale_reembeds().await.unwrap(), 1);
    let job = w
        .queue
        .claim(
            "w".into(),
            vec![ReembedDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    let job: ReembedDocument = decode(&job).unwrap();
    assert!(newer.reembed(job.user_id, job.document_id).await.unwrap());
    let chunks = w
        .store
        .repositories()
        .search
        .list_chunks(w.user, document.id)
        .await
        .unwrap();
    assert_eq!(chunks.len(), 2);
    assert!(
        chunks
            .iter()
            .all(|c| c.embedding_model.as_deref() == Some("model-b"))
    );
    assert_eq!(chunks[1].content, "Mitosis has four phases.");
    assert_eq!(chunks[1].page_number, Some(2));
    assert_eq!(newer.enqueue_stale_reembeds().await.unwrap(), 0);
    assert!(!newer.reembed(w.user, document.id).await.unwrap());
}

#[tokio::test]
async fn an_upload_whose_enqueue_fails_is_requeued_later() {
    let w = World::new().await;
    let mut broken = MockJobQueue::new();
    broken.expect_enqueue().returning(|_| {
        Err(DomainError::Unavailable {
            service: "database",
            message: "the queue is down".into(),
        })
    });
    let document = w
        .documents(Arc::new(broken))
        .upload(
            w.user,
            Upload {
                file_name: "notes.md".into(),
                title: Some("Notes".into()),
                course_id: None,
                bytes: b"# Cells\n\nThey divide.".to_vec(),
            },
        )
        .await
        .unwrap();
    assert_eq!(document.status, DocumentStatus::Pending);
    assert_eq!(document.mime_type, "text/markdown");

    let documents = w.documents(w.queue.clone());
    // Not yet: it may still be on its way.
    assert_eq!(documents.requeue_stranded().await.unwrap(), 0);
    w.clock.advance(STRANDED_AFTER + TimeDelta::seconds(1));
    assert_eq!(documents.requeue_stranded().await.unwrap(), 1);
    let job = w
        .queue
        .claim(
            "w".into(),
            vec![ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("a processing job for the stranded document");
    assert_eq!(
        decode::<ProcessDocument>(&job).unwrap().document_id,
        document.id
    );
    // A second pass while that job is unfinished adds none.
    assert_eq!(documents.requeue_stranded().await.unwrap(), 1);
    assert!(
        w.queue
            .claim(
                "w".into(),
                vec![ProcessDocument::KIND.into()],
                Duration::from_secs(60)
            )
            .await
            .unwrap()
            .is_none()
    );
}
