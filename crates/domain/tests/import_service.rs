//! Importing web pages, YouTube videos, recordings and files through the import service, on
//! the in-memory adapters, with small fakes for the web, YouTube, speech to text, the file
//! reader, the chunker and the embedder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use sophie_domain::jobs::{Job, ReindexNote, RunImport, decode};
use sophie_domain::memory::{FixedClock, MemoryBlobStore, MemoryJobQueue, MemoryStore};
use sophie_domain::services::documents::{DocumentService, Upload};
use sophie_domain::services::imports::{
    ImportOutcome, ImportPorts, ImportService, LinkImport, NO_TRANSCRIBER,
};
use sophie_domain::services::ingestion::{IngestionPorts, IngestionService};
use sophie_domain::services::interchange::InterchangeService;
use sophie_domain::services::notes::NoteIndexService;
use sophie_domain::values::{Email, Name};
use sophie_domain::{
    AudioFormat, AudioInput, BackgroundJob, BlobStore, Chunker, Clock, DocumentFormat,
    DocumentStatus, DomainError, DomainResult, Embedder, ExtractedPage, ExtractedText,
    ExtractionFailure, FetchedResource, ImportJob, ImportJobFilter, ImportJobId,
    ImportJobRepository, ImportJobUpdate, ImportSource, JobQueue, JobStatus, NewUser, Note,
    NoteFilter, NoteSource, Notification, NotificationFilter, NotificationType, PageRequest,
    QueryEmbedding, SearchHit, SearchQuery, SourceKind, TextChunk, TextExtractor, Transcriber,
    Transcript, TranscriptSegment, UserId, VideoTranscript, VideoTranscripts, WebFetcher,
};
use sophie_domain::{
    DeckPackages, FlashcardSet, FlashcardSetFilter, NewImportJob, PackageExport, PackageFormat,
    PackageLimits, Page, ReadCard, ReadDeck, ReadPackage, ReadReview, ReviewRating,
};

/// Work a fake runs while it is being called: a student cancelling, a look at the progress.
type Hook = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

fn hook<F, Fut>(work: F) -> Hook
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move || Box::pin(work()))
}

/// What the fake web answers for a URL.
#[derive(Clone)]
enum Answer {
    /// Served from `url` (after redirects) with this type and body.
    Page {
        url: String,
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
    /// 404.
    NotFound,
    /// No answer in time, after the fetcher's own retries.
    Unavailable,
}

impl Answer {
    fn html(url: &str, body: &str) -> Self {
        Self::Page {
            url: url.to_owned(),
            content_type: Some("text/html".to_owned()),
            bytes: body.as_bytes().to_vec(),
        }
    }

    fn into_result(self) -> DomainResult<FetchedResource> {
        match self {
            Self::Page {
                url,
                content_type,
                bytes,
            } => Ok(FetchedResource {
                url,
                content_type,
                charset: None,
                bytes,
            }),
            Self::NotFound => Err(DomainError::not_found("web page")),
            Self::Unavailable => Err(DomainError::Unavailable {
                service: "web",
                message: "the server answered 503 Service Unavailable".into(),
            }),
        }
    }
}

/// The web, scripted per URL: answers in order (the last one repeats), hosts that `check`
/// refuses, and hooks that run while a URL is fetched.
#[derive(Default)]
struct Web {
    refused_hosts: Mutex<Vec<String>>,
    answers: Mutex<HashMap<String, VecDeque<Answer>>>,
    hooks: Mutex<HashMap<String, Hook>>,
    fetched: Mutex<Vec<String>>,
}

impl Web {
    fn refuse(&self, host: &str) {
        self.refused_hosts.lock().unwrap().push(host.to_owned());
    }

    fn answer(&self, url: &str, answers: impl IntoIterator<Item = Answer>) {
        self.answers
            .lock()
            .unwrap()
            .insert(url.to_owned(), answers.into_iter().collect());
    }

    fn on_fetch(&self, url: &str, hook: Hook) {
        self.hooks.lock().unwrap().insert(url.to_owned(), hook);
    }

    fn fetched(&self) -> Vec<String> {
        self.fetched.lock().unwrap().clone()
    }
}

#[async_trait]
impl WebFetcher for Web {
    async fn check(&self, url: String) -> DomainResult<()> {
        let host = url
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split(['/', ':', '?', '#'])
            .next()
            .unwrap_or_default();
        if self.refused_hosts.lock().unwrap().iter().any(|h| h == host) {
            return Err(DomainError::validation(
                "sourceUrl",
                format!("{host} is an address inside a private network"),
            ));
        }
        Ok(())
    }

    async fn fetch(&self, url: String) -> DomainResult<FetchedResource> {
        self.fetched.lock().unwrap().push(url.clone());
        let hook = self.hooks.lock().unwrap().get(&url).cloned();
        if let Some(hook) = hook {
            hook().await;
        }
        let answer = {
            let mut answers = self.answers.lock().unwrap();
            match answers.get_mut(&url) {
                Some(queue) if queue.len() > 1 => queue.pop_front(),
                Some(queue) => queue.front().cloned(),
                None => None,
            }
        };
        answer.unwrap_or(Answer::NotFound).into_result()
    }
}

/// YouTube, scripted per video id: a transcript, or none when the video has no captions.
#[derive(Default)]
struct Videos {
    videos: Mutex<HashMap<String, Option<VideoTranscript>>>,
}

impl Videos {
    fn add(&self, id: &str, video: Option<VideoTranscript>) {
        self.videos.lock().unwrap().insert(id.to_owned(), video);
    }
}

#[async_trait]
impl VideoTranscripts for Videos {
    async fn fetch(&self, video_id: String) -> DomainResult<VideoTranscript> {
        match self.videos.lock().unwrap().get(&video_id) {
            Some(Some(video)) => Ok(video.clone()),
            Some(None) => Err(DomainError::not_found("captions")),
            None => Err(DomainError::not_found("video")),
        }
    }
}

/// Speech to text that is unavailable for its first `failures` calls, then answers.
struct Flaky {
    failures: usize,
    calls: AtomicUsize,
    transcript: Transcript,
}

#[async_trait]
impl Transcriber for Flaky {
    async fn transcribe(&self, audio: AudioInput) -> DomainResult<Transcript> {
        assert_eq!(audio.format, AudioFormat::Mp3);
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.failures {
            return Err(DomainError::Unavailable {
                service: "transcription",
                message: "connection refused".into(),
            });
        }
        Ok(self.transcript.clone())
    }
}

/// Reads HTML-ish text into sections (a line starting `# ` opens one; lines starting `<` are
/// markup), and PDFs (`%PDF-` and a line, then the text) as pages split on form feeds; a PDF
/// holding `LOCKED` is encrypted.
struct Reader;

#[async_trait]
impl TextExtractor for Reader {
    async fn extract(
        &self,
        format: DocumentFormat,
        bytes: Vec<u8>,
    ) -> Result<ExtractedText, ExtractionFailure> {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if format != DocumentFormat::Pdf {
            return Ok(ExtractedText {
                pages: sections(&text),
            });
        }
        if text.contains("LOCKED") {
            return Err(ExtractionFailure::Encrypted);
        }
        let body = text.split_once('\n').map_or("", |(_, body)| body);
        Ok(ExtractedText {
            pages: body
                .split('\u{c}')
                .zip(1..)
                .map(|(text, number)| ExtractedPage {
                    number,
                    heading: None,
                    text: text.trim().to_owned(),
                })
                .collect(),
        })
    }
}

fn sections(text: &str) -> Vec<ExtractedPage> {
    let mut pages: Vec<ExtractedPage> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('<') {
            continue;
        }
        let number = u32::try_from(pages.len() + 1).unwrap();
        if let Some(heading) = line.strip_prefix("# ") {
            pages.push(ExtractedPage {
                number,
                heading: Some(heading.to_owned()),
                text: String::new(),
            });
            continue;
        }
        if pages.is_empty() {
            pages.push(ExtractedPage {
                number,
                heading: None,
                text: String::new(),
            });
        }
        let page = pages.last_mut().unwrap();
        if !page.text.is_empty() {
            page.text.push(' ');
        }
        page.text.push_str(line);
    }
    pages
}

/// One chunk per paragraph (blank-line separated) of every page.
struct Paragraphs;

impl Chunker for Paragraphs {
    fn chunk(&self, pages: &[ExtractedPage]) -> Vec<TextChunk> {
        pages
            .iter()
            .flat_map(|page| {
                page.text
                    .split("\n\n")
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| TextChunk {
                        page_number: page.number,
                        content: p.to_owned(),
                    })
            })
            .collect()
    }
}

/// Vectors of letter counts (and a constant, so none is zero) under a model name; runs its
/// hook, when it has one, on every call.
struct Letters {
    model: &'static str,
    hook: Mutex<Option<Hook>>,
}

impl Letters {
    fn new(model: &'static str) -> Arc<Self> {
        Arc::new(Self {
            model,
            hook: Mutex::new(None),
        })
    }

    fn on_embed(&self, hook: Hook) {
        *self.hook.lock().unwrap() = Some(hook);
    }

    fn vector(text: &str) -> Vec<f32> {
        let mut vector = vec![0.0_f32; 27];
        for c in text.chars().filter(char::is_ascii_alphabetic) {
            vector[usize::from(c.to_ascii_lowercase() as u8 - b'a')] += 1.0;
        }
        vector[26] = 1.0;
        vector
    }

    fn query(&self, text: &str) -> QueryEmbedding {
        QueryEmbedding {
            model: self.model.to_owned(),
            vector: Self::vector(text),
        }
    }
}

#[async_trait]
impl Embedder for Letters {
    fn model(&self) -> String {
        self.model.to_owned()
    }

    fn dimensions(&self) -> usize {
        27
    }

    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        let hook = self.hook.lock().unwrap().clone();
        if let Some(hook) = hook {
            hook().await;
        }
        Ok(texts.iter().map(|t| Self::vector(t)).collect())
    }
}

/// A package reader that reads any `.apkg` as one deck of two cards, one of them reviewed,
/// and refuses a package whose bytes say `bomb` as the real reader refuses a zip bomb.
struct TwoCards;

#[async_trait]
impl DeckPackages for TwoCards {
    fn recognizes(&self, bytes: &[u8], file_name: &str) -> bool {
        bytes.starts_with(b"PK\x03\x04") && file_name.ends_with(".apkg")
    }

    async fn read(&self, bytes: Vec<u8>, _: PackageLimits) -> DomainResult<ReadPackage> {
        if bytes.ends_with(b"bomb") {
            return Err(DomainError::validation(
                "file",
                "collection.anki21 inflates more than 200 times its size (a zip bomb?)",
            ));
        }
        let card = |key: &str, question: &str, reviews| ReadCard {
            key: key.to_owned(),
            question: question.to_owned(),
            answer: "Mitochondria".to_owned(),
            hint: None,
            explanation: None,
            tags: vec!["cells".to_owned()],
            reviews,
        };
        let reviewed = vec![ReadReview {
            rating: ReviewRating::Good,
            reviewed_at: Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap(),
            duration_ms: Some(2_000),
        }];
        Ok(ReadPackage {
            format: PackageFormat::Anki21b,
            decks: vec![ReadDeck {
                id: 1_700_000_000_000,
                name: "Biology::Cells".to_owned(),
                cards: vec![
                    card("g1:0", "Powerhouse of the cell?", reviewed),
                    card("g2:0", "Makes ATP?", Vec::new()),
                ],
            }],
            notes: 2,
            media: 1,
            skipped: Vec::new(),
        })
    }

    async fn write(&self, _: PackageExport) -> DomainResult<Vec<u8>> {
        Err(DomainError::NotImplemented {
            feature: "writing packages in this test",
        })
    }
}

/// The import records of the store, whose storage fails once, when asked, as an import is
/// completed (a dropped connection).
struct Stumbling {
    inner: Arc<dyn ImportJobRepository>,
    fail_completion: AtomicBool,
}

#[async_trait]
impl ImportJobRepository for Stumbling {
    async fn create(&self, user: UserId, new: NewImportJob) -> DomainResult<ImportJob> {
        self.inner.create(user, new).await
    }

    async fn get(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        self.inner.get(user, id).await
    }

    async fn list(
        &self,
        user: UserId,
        filter: ImportJobFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ImportJob>> {
        self.inner.list(user, filter, page).await
    }

    async fn update(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        self.inner.update(user, id, update).await
    }

    async fn advance(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        if update.status == Some(JobStatus::Completed)
            && self.fail_completion.swap(false, Ordering::SeqCst)
        {
            return Err(DomainError::Unavailable {
                service: "database",
                message: "the connection was reset".into(),
            });
        }
        self.inner.advance(user, id, update).await
    }

    async fn cancel(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        self.inner.cancel(user, id).await
    }

    async fn delete(&self, user: UserId, id: ImportJobId) -> DomainResult<()> {
        self.inner.delete(user, id).await
    }
}

const WORKER: &str = "worker-1";
const UPLOAD_LIMIT: u64 = 1024 * 1024;

const CELL_PAGE: &str = "<!doctype html>\n<html><body>\n# The Cell\n\
    Cells are the basic units of life. Every living thing is made of cells.\n\
    # Mitosis\nCells divide by mitosis. Mitosis has four phases.\n</body></html>\n";

struct World {
    store: MemoryStore,
    blobs: Arc<MemoryBlobStore>,
    queue: Arc<MemoryJobQueue>,
    clock: Arc<FixedClock>,
    web: Arc<Web>,
    videos: Arc<Videos>,
    embedder: Arc<Letters>,
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
            web: Arc::new(Web::default()),
            videos: Arc::new(Videos::default()),
            embedder: Letters::new("letters-a"),
            user,
        }
    }

    fn note_index(&self, embedder: Arc<dyn Embedder>) -> NoteIndexService {
        let r = self.store.repositories();
        NoteIndexService::new(
            r.notes,
            r.search,
            Arc::new(Paragraphs),
            embedder,
            self.queue.clone(),
        )
    }

    /// The service as the binary's wiring builds it, over these adapters and fakes.
    fn service(&self, transcriber: Option<Arc<dyn Transcriber>>) -> ImportService {
        self.service_over(self.store.repositories().import_jobs, transcriber)
    }

    /// The service, with these import records.
    fn service_over(
        &self,
        import_jobs: Arc<dyn ImportJobRepository>,
        transcriber: Option<Arc<dyn Transcriber>>,
    ) -> ImportService {
        let r = self.store.repositories();
        let document_service = DocumentService::new(
            r.documents.clone(),
            self.blobs.clone(),
            self.queue.clone(),
            self.clock.clone(),
            UPLOAD_LIMIT,
        );
        let ingestion = IngestionService::new(IngestionPorts {
            documents: r.documents.clone(),
            search: r.search.clone(),
            notifications: r.notifications.clone(),
            blobs: self.blobs.clone(),
            extractor: Arc::new(Reader),
            chunker: Arc::new(Paragraphs),
            embedder: self.embedder.clone(),
            queue: self.queue.clone(),
        });
        ImportService::new(ImportPorts {
            imports: import_jobs,
            notes: r.notes.clone(),
            courses: r.courses.clone(),
            documents: r.documents.clone(),
            notifications: r.notifications.clone(),
            blobs: self.blobs.clone(),
            queue: self.queue.clone(),
            extractor: Arc::new(Reader),
            web: self.web.clone(),
            videos: self.videos.clone(),
            transcriber,
            document_service: Arc::new(document_service),
            ingestion: Arc::new(ingestion),
            note_index: Arc::new(self.note_index(self.embedder.clone())),
            interchange: Arc::new(
                InterchangeService::new(r.flashcards.clone(), UPLOAD_LIMIT).with_packages(
                    Arc::new(TwoCards),
                    PackageLimits::default(),
                    r.reviews.clone(),
                ),
            ),
            clock: self.clock.clone(),
        })
    }

    /// Claims the next `import.run` job as a worker does: the row and its decoded payload.
    async fn claim(&self) -> (BackgroundJob, RunImport) {
        let row = self
            .queue
            .claim(
                WORKER.into(),
                vec![RunImport::KIND.into()],
                Duration::from_secs(60),
            )
            .await
            .unwrap()
            .expect("an import.run job to claim");
        let job = decode::<RunImport>(&row).unwrap();
        (row, job)
    }

    /// Records a failed attempt as the worker does for a retryable error, and claims the job
    /// again (its retry time is now).
    async fn retry(&self, row: &BackgroundJob, error: &DomainError) -> (BackgroundJob, RunImport) {
        assert!(RunImport::is_retryable(error), "{error:?}");
        self.queue
            .fail(
                row.id,
                WORKER.into(),
                error.to_string(),
                Some(self.clock.now()),
            )
            .await
            .unwrap();
        let again = self.claim().await;
        assert_eq!(again.0.id, row.id, "the same job runs again");
        again
    }

    /// Whether any job at all is waiting.
    async fn nothing_enqueued(&self) -> bool {
        self.queue
            .claim(
                WORKER.into(),
                vec![
                    RunImport::KIND.into(),
                    "document.process".into(),
                    ReindexNote::KIND.into(),
                ],
                Duration::from_secs(60),
            )
            .await
            .unwrap()
            .is_none()
    }

    async fn import(&self, id: ImportJobId) -> ImportJob {
        self.store
            .repositories()
            .import_jobs
            .get(self.user, id)
            .await
            .unwrap()
    }

    async fn imports(&self) -> Vec<ImportJob> {
        self.store
            .repositories()
            .import_jobs
            .list(
                self.user,
                ImportJobFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
    }

    async fn sets(&self) -> Vec<FlashcardSet> {
        self.store
            .repositories()
            .flashcards
            .list_sets(
                self.user,
                FlashcardSetFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items
    }

    async fn notes(&self) -> Vec<Note> {
        self.store
            .repositories()
            .notes
            .list(self.user, NoteFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .items
    }

    async fn notifications(&self) -> Vec<Notification> {
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

    /// Search by meaning alone: `words` occur in no note, so only chunks can match.
    async fn search_by_meaning(&self, embedder: &Letters, about: &str) -> Vec<SearchHit> {
        let query = SearchQuery::new("zzyzx", None)
            .unwrap()
            .with_embedding(embedder.query(about));
        self.store
            .repositories()
            .search
            .search(self.user, query)
            .await
            .unwrap()
    }

    /// A hook that cancels `import` as the student would.
    fn cancel_hook(&self, import: ImportJobId) -> Hook {
        let imports = self.store.repositories().import_jobs;
        let user = self.user;
        hook(move || {
            let imports = imports.clone();
            async move {
                let _ = imports.cancel(user, import).await;
            }
        })
    }

    /// A hook that writes down the import's progress as the store holds it.
    fn progress_hook(&self, import: ImportJobId, seen: Arc<Mutex<Vec<i32>>>) -> Hook {
        let imports = self.store.repositories().import_jobs;
        let user = self.user;
        hook(move || {
            let imports = imports.clone();
            let seen = seen.clone();
            async move {
                let progress = imports.get(user, import).await.unwrap().progress;
                seen.lock().unwrap().push(progress);
            }
        })
    }
}

fn link(source: ImportSource, url: &str, title: Option<&str>) -> LinkImport {
    LinkImport {
        source,
        url: url.to_owned(),
        title: title.map(str::to_owned),
        course_id: None,
    }
}

fn segment(start: f64, end: f64, text: &str) -> TranscriptSegment {
    TranscriptSegment {
        start_seconds: start,
        end_seconds: end,
        text: text.to_owned(),
    }
}

fn lecture_transcript(duration: f64) -> Transcript {
    let segments = vec![
        segment(0.0, 4.2, "Welcome to the lecture on cells."),
        segment(4.2, 9.0, "Today we look at mitosis."),
        segment(65.0, 70.0, "Cells divide in four phases."),
        segment(95.0, 100.0, "Prophase comes first."),
        segment(100.0, 104.0, "That is all for today."),
    ];
    let text = segments
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Transcript {
        text,
        segments,
        language: Some("en".into()),
        duration_seconds: Some(duration),
    }
}

const TIMED_LINES: &str = "[00:00] Welcome to the lecture on cells.\n\
    [00:04] Today we look at mitosis.\n\
    [01:05] Cells divide in four phases.\n\
    [01:35] Prophase comes first.\n\
    [01:40] That is all for today.";

const PARAGRAPHS: &str = "Welcome to the lecture on cells. Today we look at mitosis. Cells \
    divide in four phases. Prophase comes first.\n\nThat is all for today.";

fn recording() -> Upload {
    let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    bytes.extend(std::iter::repeat_n(0_u8, 64));
    Upload {
        file_name: "Week 3 lecture.mp3".into(),
        title: None,
        course_id: None,
        bytes,
    }
}

fn pdf(pages: &[&str]) -> Vec<u8> {
    format!("%PDF-1.7\n{}", pages.join("\u{c}")).into_bytes()
}

#[tokio::test]
async fn a_web_page_becomes_a_note_found_by_meaning() {
    let w = World::new().await;
    w.web.answer(
        "https://example.org/cells",
        [Answer::html("https://example.org/biology/cells", CELL_PAGE)],
    );
    let imports = w.service(None);
    let started = imports
        .start_link(
            w.user,
            link(ImportSource::Url, " https://example.org/cells ", None),
        )
        .await
        .unwrap();
    assert_eq!(started.status, JobStatus::Pending);
    assert_eq!(started.progress, 0);
    assert_eq!(
        started.source_url.as_deref(),
        Some("https://example.org/cells")
    );

    let (row, job) = w.claim().await;
    assert_eq!(job.import_job_id, started.id);
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Note(note_id) = outcome else {
        panic!("expected a note, got {outcome:?}");
    };

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.progress, 100);
    assert!(import.completed_at.is_some());
    assert_eq!(import.error_message, None);
    assert_eq!(import.note_id, Some(note_id));
    assert_eq!(import.document_id, None);

    let notes = w.notes().await;
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert_eq!(note.id, note_id);
    assert_eq!(note.source, NoteSource::Url);
    assert_eq!(
        note.source_url.as_deref(),
        Some("https://example.org/biology/cells"),
        "the address it was finally served from"
    );
    assert_eq!(note.title, "The Cell");
    assert_eq!(
        note.content,
        "Cells are the basic units of life. Every living thing is made of cells.\n\n\
         ## Mitosis\n\nCells divide by mitosis. Mitosis has four phases."
    );
    assert_eq!(note.transcription, None);
    assert_eq!(note.duration_seconds, None);
    let summary = note.summary.as_deref().unwrap();
    assert!(!summary.trim().is_empty());
    assert!(note.content.contains(summary.split(". ").next().unwrap()));

    let hits = w.search_by_meaning(&w.embedder, "cells divide").await;
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].kind, SourceKind::Note);
    assert_eq!(hits[0].id, note_id.as_uuid());
    assert_eq!(hits[0].title, "The Cell");

    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
    assert_eq!(
        told[0].link.as_deref(),
        Some(format!("/api/v1/notes/{note_id}").as_str())
    );
    assert!(told[0].title.contains("The Cell"), "{}", told[0].title);
    assert!(w.nothing_enqueued().await);
}

#[tokio::test]
async fn an_address_the_server_may_not_fetch_is_refused_before_anything_is_recorded() {
    let w = World::new().await;
    w.web.refuse("169.254.169.254");
    let imports = w.service(None);
    let refused = imports
        .start_link(
            w.user,
            link(
                ImportSource::Url,
                "http://169.254.169.254/latest/meta-data",
                None,
            ),
        )
        .await;
    let Err(DomainError::Validation { field, message }) = refused else {
        panic!("expected a refusal, got {refused:?}");
    };
    assert_eq!(field, "sourceUrl");
    assert!(message.contains("private network"), "{message}");

    for not_http in ["ftp://example.org/notes.txt", "example.org/notes", ""] {
        let refused = imports
            .start_link(w.user, link(ImportSource::Url, not_http, None))
            .await;
        let Err(DomainError::Validation { field, .. }) = refused else {
            panic!("expected {not_http:?} refused, got {refused:?}");
        };
        assert_eq!(field, "sourceUrl");
    }

    assert!(w.imports().await.is_empty());
    assert!(w.nothing_enqueued().await);
    assert!(w.web.fetched().is_empty(), "nothing was fetched");
}

#[tokio::test]
async fn a_link_to_a_pdf_becomes_a_document() {
    let w = World::new().await;
    w.web.answer(
        "https://uni.example/courses/bio/Lecture%203.pdf",
        [Answer::Page {
            url: "https://uni.example/courses/bio/Lecture%203.pdf".into(),
            content_type: Some("application/pdf".into()),
            bytes: pdf(&["Cells divide.", "Mitosis has four phases."]),
        }],
    );
    let imports = w.service(None);
    let started = imports
        .start_link(
            w.user,
            link(
                ImportSource::Url,
                "https://uni.example/courses/bio/Lecture%203.pdf",
                None,
            ),
        )
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Document(document_id) = outcome else {
        panic!("expected a document, got {outcome:?}");
    };

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.progress, 100);
    assert!(import.completed_at.is_some());
    assert_eq!(import.document_id, Some(document_id));
    assert_eq!(import.note_id, None);

    let r = w.store.repositories();
    let document = r.documents.get(w.user, document_id).await.unwrap();
    assert_eq!(document.status, DocumentStatus::Ready);
    assert_eq!(document.page_count, Some(2));
    assert_eq!(document.file_name, "Lecture 3.pdf");
    assert_eq!(document.title, "Lecture 3");
    assert_eq!(document.mime_type, "application/pdf");
    let chunks = r.search.list_chunks(w.user, document_id).await.unwrap();
    assert_eq!(chunks.len(), 2);
    assert!(w.notes().await.is_empty(), "a document, not a note");

    let told = w.notifications().await;
    assert_eq!(told.len(), 1, "the document's own notification");
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
    assert_eq!(
        told[0].link.as_deref(),
        Some(format!("/api/v1/documents/{document_id}").as_str())
    );
    assert!(w.nothing_enqueued().await, "no separate document.process");
}

#[tokio::test]
async fn a_page_that_is_not_found_fails_naming_the_page() {
    let w = World::new().await;
    w.web.answer("https://example.org/gone", [Answer::NotFound]);
    let imports = w.service(None);
    let started = imports
        .start_link(
            w.user,
            link(ImportSource::Url, "https://example.org/gone", None),
        )
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Failed(reason) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(reason.contains("https://example.org/gone"), "{reason}");
    assert!(reason.contains("not found"), "{reason}");

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(import.error_message.as_deref(), Some(reason.as_str()));
    assert!(import.completed_at.is_some());
    assert_eq!(import.note_id, None);
    assert!(w.notes().await.is_empty());

    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
    assert_eq!(told[0].message, reason);
    assert_eq!(
        told[0].link.as_deref(),
        Some(format!("/api/v1/import-jobs/{}", started.id).as_str())
    );
    assert_eq!(w.web.fetched().len(), 1, "fetched once, not retried");
}

#[tokio::test]
async fn a_web_service_that_was_down_is_retried_and_progress_never_goes_back() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(
        url,
        [
            Answer::Unavailable,
            Answer::html("https://example.org/cells", CELL_PAGE),
        ],
    );
    let imports = w.service(None);
    let started = imports
        .start_link(
            w.user,
            link(ImportSource::Url, url, Some("Cell biology, week 1")),
        )
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    w.web
        .on_fetch(url, w.progress_hook(started.id, seen.clone()));
    w.embedder
        .on_embed(w.progress_hook(started.id, seen.clone()));

    let (row, job) = w.claim().await;
    let error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    assert!(
        matches!(error, DomainError::Unavailable { service: "web", .. }),
        "{error:?}"
    );
    let between = w.import(started.id).await;
    assert_eq!(between.status, JobStatus::Processing);
    assert_eq!(between.error_message, None);
    assert_eq!(between.completed_at, None);
    seen.lock().unwrap().push(between.progress);
    assert!(w.notifications().await.is_empty());

    let (row, job) = w.retry(&row, &error).await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Note(note_id) = outcome else {
        panic!("expected a note, got {outcome:?}");
    };
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    seen.lock().unwrap().push(import.progress);

    let seen = seen.lock().unwrap().clone();
    // Fetched in the first run, after it, fetched in the second, indexed, done.
    assert_eq!(seen, [5, 5, 5, 75, 100]);
    assert!(seen.windows(2).all(|pair| pair[0] <= pair[1]), "{seen:?}");

    let note = w
        .store
        .repositories()
        .notes
        .get(w.user, note_id)
        .await
        .unwrap();
    assert_eq!(note.title, "Cell biology, week 1", "the title given");
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
}

#[tokio::test]
async fn a_web_service_that_stays_down_fails_the_import_once_attempts_run_out() {
    let w = World::new().await;
    let url = "https://example.org/down";
    w.web.answer(url, [Answer::Unavailable]);
    let imports = w.service(None);
    let started = imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    let (mut row, mut job) = w.claim().await;
    let mut error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    for _ in 1..RunImport::MAX_ATTEMPTS {
        (row, job) = w.retry(&row, &error).await;
        error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    }
    assert_eq!(w.web.fetched().len(), 5);
    assert_eq!(w.import(started.id).await.status, JobStatus::Processing);

    imports.give_up(&job, &error).await.unwrap();
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(
        import.error_message.as_deref(),
        Some("the web service was unavailable after several tries; try again later")
    );
    assert!(import.completed_at.is_some());
    // The worker may be told twice (a rescue after a crash): the student hears once.
    imports.give_up(&job, &error).await.unwrap();
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
    assert!(told[0].message.contains("web service was unavailable"));
    assert_eq!(
        imports.run(&job, &row.id.to_string()).await.unwrap(),
        ImportOutcome::Skipped
    );
}

#[tokio::test]
async fn a_youtube_link_that_is_not_a_video_is_refused() {
    let w = World::new().await;
    let imports = w.service(None);
    for not_a_video in [
        "https://www.youtube.com/@biologyclass",
        "https://www.youtube.com/playlist?list=PL0123456789",
        "https://example.org/watch?v=aB3dE5gH7jK",
    ] {
        let refused = imports
            .start_link(w.user, link(ImportSource::Youtube, not_a_video, None))
            .await;
        let Err(DomainError::Validation { field, message }) = refused else {
            panic!("expected {not_a_video} refused, got {refused:?}");
        };
        assert_eq!(field, "sourceUrl");
        assert!(message.contains("YouTube video link"), "{message}");
    }
    assert!(w.imports().await.is_empty());
    assert!(w.nothing_enqueued().await);
}

#[tokio::test]
async fn a_youtube_video_becomes_a_note_with_its_timed_transcript() {
    let w = World::new().await;
    w.videos.add(
        "aB3dE5gH7jK",
        Some(VideoTranscript {
            video_id: "aB3dE5gH7jK".into(),
            title: "Cells and mitosis, lecture 3".into(),
            automatic: false,
            transcript: lecture_transcript(754.6),
        }),
    );
    let imports = w.service(None);
    let url = "https://www.youtube.com/watch?v=aB3dE5gH7jK";
    let started = imports
        .start_link(w.user, link(ImportSource::Youtube, url, None))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Note(note_id) = outcome else {
        panic!("expected a note, got {outcome:?}");
    };
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.progress, 100);
    assert_eq!(import.note_id, Some(note_id));

    let note = w
        .store
        .repositories()
        .notes
        .get(w.user, note_id)
        .await
        .unwrap();
    assert_eq!(note.source, NoteSource::Youtube);
    assert_eq!(note.source_url.as_deref(), Some(url));
    assert_eq!(note.title, "Cells and mitosis, lecture 3");
    assert_eq!(note.transcription.as_deref(), Some(TIMED_LINES));
    assert_eq!(note.content, PARAGRAPHS);
    assert_eq!(note.duration_seconds, Some(755));
    assert!(!note.summary.unwrap().is_empty());
    assert_eq!(w.search_by_meaning(&w.embedder, "mitosis").await.len(), 1);
    assert!(
        w.web.fetched().is_empty(),
        "captions come from YouTube only"
    );
}

#[tokio::test]
async fn a_video_without_captions_fails_saying_so() {
    let w = World::new().await;
    w.videos.add("noCaptions1", None);
    let imports = w.service(None);
    let started = imports
        .start_link(
            w.user,
            link(ImportSource::Youtube, "https://youtu.be/noCaptions1", None),
        )
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Failed(reason) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(reason.contains("no captions"), "{reason}");
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(import.error_message.as_deref(), Some(reason.as_str()));
    assert!(w.notes().await.is_empty());
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
}

#[tokio::test]
async fn audio_without_a_transcriber_fails_at_once_and_the_recording_is_removed() {
    let w = World::new().await;
    let imports = w.service(None);
    assert!(!imports.transcribes());
    let started = imports
        .start_upload(w.user, ImportSource::Audio, recording())
        .await
        .unwrap();
    assert_eq!(started.source, ImportSource::Audio);
    assert_eq!(started.title.as_deref(), Some("Week 3 lecture"));
    let (row, job) = w.claim().await;
    assert_eq!(job.audio_format, Some(AudioFormat::Mp3));
    let key = job.blob_key.clone().unwrap();
    assert_eq!(
        w.blobs.get(key.clone()).await.unwrap().content_type,
        "audio/mpeg"
    );

    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Failed(NO_TRANSCRIBER.to_owned()));
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(import.error_message.as_deref(), Some(NO_TRANSCRIBER));
    assert!(NO_TRANSCRIBER.contains("TRANSCRIBE_URL"));
    assert!(matches!(
        w.blobs.get(key).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(w.notes().await.is_empty());
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
    assert_eq!(told[0].message, NO_TRANSCRIBER);
}

#[tokio::test]
async fn audio_is_transcribed_once_the_service_answers_and_the_recording_is_removed() {
    let w = World::new().await;
    let transcriber = Arc::new(Flaky {
        failures: 2,
        calls: AtomicUsize::new(0),
        transcript: lecture_transcript(1830.4),
    });
    let imports = w.service(Some(transcriber.clone()));
    assert!(imports.transcribes());
    let started = imports
        .start_upload(w.user, ImportSource::Audio, recording())
        .await
        .unwrap();
    let (mut row, mut job) = w.claim().await;
    let key = job.blob_key.clone().unwrap();
    for _ in 0..2 {
        let error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
        assert!(
            matches!(
                error,
                DomainError::Unavailable {
                    service: "transcription",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(w.import(started.id).await.status, JobStatus::Processing);
        assert!(w.blobs.get(key.clone()).await.is_ok(), "kept for the retry");
        (row, job) = w.retry(&row, &error).await;
    }
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Note(note_id) = outcome else {
        panic!("expected a note, got {outcome:?}");
    };
    assert_eq!(transcriber.calls.load(Ordering::SeqCst), 3);

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.progress, 100);
    assert_eq!(import.note_id, Some(note_id));
    let note = w
        .store
        .repositories()
        .notes
        .get(w.user, note_id)
        .await
        .unwrap();
    assert_eq!(note.source, NoteSource::Audio);
    assert_eq!(note.source_url, None);
    assert_eq!(note.title, "Week 3 lecture");
    assert_eq!(note.duration_seconds, Some(1830));
    assert_eq!(note.transcription.as_deref(), Some(TIMED_LINES));
    assert_eq!(note.content, PARAGRAPHS);
    assert!(matches!(
        w.blobs.get(key).await,
        Err(DomainError::NotFound { .. })
    ));
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
}

#[tokio::test]
async fn a_pdf_uploaded_as_a_recording_is_refused_by_name() {
    let w = World::new().await;
    let imports = w.service(None);
    let refused = imports
        .start_upload(
            w.user,
            ImportSource::Audio,
            Upload {
                file_name: "lecture.mp3".into(),
                title: None,
                course_id: None,
                bytes: pdf(&["Cells divide."]),
            },
        )
        .await;
    let Err(DomainError::UnsupportedType { field, message }) = refused else {
        panic!("expected an unsupported type, got {refused:?}");
    };
    assert_eq!(field, "file");
    assert!(message.contains("a PDF document"), "{message}");
    assert!(w.imports().await.is_empty());
    assert!(w.nothing_enqueued().await);
}

#[tokio::test]
async fn cancelling_while_the_page_is_fetched_leaves_no_note() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(url, [Answer::html(url, CELL_PAGE)]);
    let imports = w.service(None);
    let started = imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    w.web.on_fetch(url, w.cancel_hook(started.id));
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Skipped);

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Cancelled);
    assert_eq!(import.note_id, None);
    assert_eq!(import.error_message, None);
    assert!(import.progress < 100, "{}", import.progress);
    assert!(w.notes().await.is_empty());
    assert!(w.notifications().await.is_empty());
}

#[tokio::test]
async fn cancelling_while_the_note_is_indexed_removes_the_note_and_its_chunks() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(url, [Answer::html(url, CELL_PAGE)]);
    let imports = w.service(None);
    let started = imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    let made = Arc::new(Mutex::new(Vec::new()));
    let notes = w.store.repositories().notes;
    let user = w.user;
    let seen = made.clone();
    let cancel = w.cancel_hook(started.id);
    // While the note is embedded: it exists, then the student cancels.
    w.embedder.on_embed(hook(move || {
        let notes = notes.clone();
        let seen = seen.clone();
        let cancel = cancel.clone();
        async move {
            let page = notes
                .list(user, NoteFilter::default(), PageRequest::default())
                .await
                .unwrap();
            seen.lock()
                .unwrap()
                .extend(page.items.into_iter().map(|n| n.id));
            cancel().await;
        }
    }));
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Skipped);
    assert_eq!(made.lock().unwrap().len(), 1, "the note was made");

    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Cancelled);
    assert!(w.notes().await.is_empty(), "the note is removed");
    assert!(
        w.search_by_meaning(&w.embedder, "cells divide")
            .await
            .is_empty()
    );
    assert!(
        w.store
            .repositories()
            .search
            .stale_note_embeddings("another model".into(), 10)
            .await
            .unwrap()
            .is_empty(),
        "no note has chunks"
    );
    assert!(w.notifications().await.is_empty());
}

#[tokio::test]
async fn a_completed_import_run_again_changes_nothing() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(url, [Answer::html(url, CELL_PAGE)]);
    let imports = w.service(None);
    let started = imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let key = row.id.to_string();
    assert!(matches!(
        imports.run(&job, &key).await.unwrap(),
        ImportOutcome::Note(_)
    ));
    let done = w.import(started.id).await;
    // The worker died before completing the job: it runs again.
    assert_eq!(
        imports.run(&job, &key).await.unwrap(),
        ImportOutcome::Skipped
    );
    assert_eq!(w.import(started.id).await, done);
    assert_eq!(w.notes().await.len(), 1);
    assert_eq!(w.notifications().await.len(), 1);
    assert_eq!(w.web.fetched().len(), 1);
}

#[tokio::test]
async fn an_uploaded_file_is_processed_by_its_import() {
    let w = World::new().await;
    let imports = w.service(None);
    let started = imports
        .start_upload(
            w.user,
            ImportSource::File,
            Upload {
                file_name: "lecture.pdf".into(),
                title: Some("Lecture 3".into()),
                course_id: None,
                bytes: pdf(&["Cells divide.", "Mitosis has four phases."]),
            },
        )
        .await
        .unwrap();
    assert_eq!(started.source, ImportSource::File);
    assert_eq!(started.title.as_deref(), Some("Lecture 3"));
    let document_id = started.document_id.unwrap();
    let r = w.store.repositories();
    assert_eq!(
        r.documents.get(w.user, document_id).await.unwrap().status,
        DocumentStatus::Pending
    );
    assert!(
        w.queue
            .claim(
                WORKER.into(),
                vec!["document.process".into()],
                Duration::from_secs(60)
            )
            .await
            .unwrap()
            .is_none(),
        "the import processes the document, not a job of its own"
    );

    let (row, job) = w.claim().await;
    assert_eq!(job.blob_key, None);
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Document(document_id));
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.progress, 100);
    assert_eq!(import.document_id, Some(document_id));
    assert_eq!(
        import.completed_at,
        Some(w.clock.now()),
        "the import did not finish at the service clock's time"
    );
    let document = r.documents.get(w.user, document_id).await.unwrap();
    assert_eq!(document.status, DocumentStatus::Ready);
    assert_eq!(document.page_count, Some(2));
    assert!(w.notes().await.is_empty());
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
    assert!(w.nothing_enqueued().await);
}

#[tokio::test]
async fn a_file_import_cancelled_before_it_ran_leaves_no_document() {
    let w = World::new().await;
    let imports = w.service(None);
    let started = imports
        .start_upload(
            w.user,
            ImportSource::File,
            Upload {
                file_name: "lecture.pdf".into(),
                title: None,
                course_id: None,
                bytes: pdf(&["Cells divide."]),
            },
        )
        .await
        .unwrap();
    let document_id = started.document_id.unwrap();
    let r = w.store.repositories();
    r.import_jobs.cancel(w.user, started.id).await.unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Skipped);
    assert!(
        r.documents.get(w.user, document_id).await.is_err(),
        "the cancelled import's document is still there, waiting to be processed"
    );
    assert_eq!(w.import(started.id).await.status, JobStatus::Cancelled);
    assert!(w.notifications().await.is_empty());
}

#[tokio::test]
async fn an_encrypted_file_fails_its_import_with_the_documents_reason() {
    let w = World::new().await;
    let imports = w.service(None);
    let started = imports
        .start_upload(
            w.user,
            ImportSource::File,
            Upload {
                file_name: "secret.pdf".into(),
                title: None,
                course_id: None,
                bytes: pdf(&["LOCKED"]),
            },
        )
        .await
        .unwrap();
    let document_id = started.document_id.unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Failed(reason) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(reason.contains("password-protected"), "{reason}");
    let document = w
        .store
        .repositories()
        .documents
        .get(w.user, document_id)
        .await
        .unwrap();
    assert_eq!(document.status, DocumentStatus::Failed);
    assert_eq!(document.error_message.as_deref(), Some(reason.as_str()));
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(import.error_message.as_deref(), Some(reason.as_str()));
    assert!(import.completed_at.is_some());
    let told = w.notifications().await;
    assert_eq!(told.len(), 1, "the document's notification, once");
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
}

#[tokio::test]
async fn notes_indexed_by_an_old_embedding_model_are_indexed_again() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(url, [Answer::html(url, CELL_PAGE)]);
    let imports = w.service(None);
    imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let ImportOutcome::Note(note_id) = imports.run(&job, &row.id.to_string()).await.unwrap() else {
        panic!("expected a note");
    };

    let newer = Letters::new("letters-b");
    assert!(w.search_by_meaning(&newer, "cells").await.is_empty());
    let index = w.note_index(newer.clone());
    assert_eq!(index.enqueue_stale().await.unwrap(), 1);
    let claimed = w
        .queue
        .claim(
            WORKER.into(),
            vec![ReindexNote::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("a note.reindex job");
    let reindex = decode::<ReindexNote>(&claimed).unwrap();
    assert_eq!(reindex.note_id, note_id);
    assert!(
        index
            .reindex(reindex.user_id, reindex.note_id)
            .await
            .unwrap()
    );

    let search = w.store.repositories().search;
    assert!(
        search
            .stale_note_embeddings("letters-b".into(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(index.enqueue_stale().await.unwrap(), 0);
    let hits = w.search_by_meaning(&newer, "cells").await;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, note_id.as_uuid());
    assert!(
        w.search_by_meaning(&w.embedder, "cells").await.is_empty(),
        "no chunk of the old model is left"
    );
    // A note deleted meanwhile is nothing to do.
    w.store
        .repositories()
        .notes
        .delete(w.user, note_id)
        .await
        .unwrap();
    assert!(!index.reindex(w.user, note_id).await.unwrap());
}

#[tokio::test]
async fn a_file_import_interrupted_as_it_completes_keeps_the_file_and_completes_on_retry() {
    let w = World::new().await;
    let stumbling = Arc::new(Stumbling {
        inner: w.store.repositories().import_jobs,
        fail_completion: AtomicBool::new(true),
    });
    let imports = w.service_over(stumbling, None);
    let started = imports
        .start_upload(
            w.user,
            ImportSource::File,
            Upload {
                file_name: "lecture.pdf".into(),
                title: None,
                course_id: None,
                bytes: pdf(&["Cells divide."]),
            },
        )
        .await
        .unwrap();
    let document_id = started.document_id.unwrap();
    let (row, job) = w.claim().await;
    let error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "database",
                ..
            }
        ),
        "{error:?}"
    );
    let r = w.store.repositories();
    let document = r.documents.get(w.user, document_id).await.unwrap();
    assert_eq!(
        document.status,
        DocumentStatus::Ready,
        "the student's file is kept"
    );
    assert_eq!(w.import(started.id).await.document_id, Some(document_id));

    let (row, job) = w.retry(&row, &error).await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Document(document_id));
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Completed);
    assert_eq!(import.document_id, Some(document_id));
    assert_eq!(w.notifications().await.len(), 1);
}

#[tokio::test]
async fn a_note_import_interrupted_as_it_completes_keeps_its_note_and_completes_on_retry() {
    let w = World::new().await;
    let url = "https://example.org/cells";
    w.web.answer(url, [Answer::html(url, CELL_PAGE)]);
    let stumbling = Arc::new(Stumbling {
        inner: w.store.repositories().import_jobs,
        fail_completion: AtomicBool::new(true),
    });
    let imports = w.service_over(stumbling, None);
    let started = imports
        .start_link(w.user, link(ImportSource::Url, url, None))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "database",
                ..
            }
        ),
        "{error:?}"
    );
    let notes = w.notes().await;
    assert_eq!(notes.len(), 1, "the note is kept for the retry");
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Processing);
    assert_eq!(import.note_id, Some(notes[0].id));

    let (row, job) = w.retry(&row, &error).await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Note(notes[0].id));
    assert_eq!(w.import(started.id).await.status, JobStatus::Completed);
    assert_eq!(w.notes().await.len(), 1);
    assert_eq!(w.web.fetched().len(), 1, "the page is not fetched again");
    assert_eq!(w.search_by_meaning(&w.embedder, "cells").await.len(), 1);
    assert_eq!(w.notifications().await.len(), 1);
}

fn package(bytes: &[u8]) -> Upload {
    Upload {
        file_name: "Biology.apkg".into(),
        title: None,
        course_id: None,
        bytes: [b"PK\x03\x04".as_slice(), bytes].concat(),
    }
}

#[tokio::test]
async fn a_flashcard_package_becomes_sets_in_the_background_once() {
    let w = World::new().await;
    let stumbling = Arc::new(Stumbling {
        inner: w.store.repositories().import_jobs,
        fail_completion: AtomicBool::new(true),
    });
    let imports = w.service_over(stumbling, None);
    let started = imports
        .start_upload(w.user, ImportSource::Deck, package(b"deck"))
        .await
        .unwrap();
    assert_eq!(
        (started.source, started.status, started.title.as_deref()),
        (ImportSource::Deck, JobStatus::Pending, Some("Biology"))
    );
    let (row, job) = w.claim().await;
    let key = job.blob_key.clone().unwrap();
    assert!(key.contains("/imports/"), "{key}");

    // The cards are added, then the storage fails as the import completes: the run is
    // retried, and the retry adds nothing twice.
    let error = imports.run(&job, &row.id.to_string()).await.unwrap_err();
    assert!(
        matches!(error, DomainError::Unavailable { .. }),
        "{error:?}"
    );
    let (row, job) = w.retry(&row, &error).await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Cards(0));

    let import = w.import(started.id).await;
    assert_eq!(
        (import.status, import.progress),
        (JobStatus::Completed, 100)
    );
    let result = import.result.expect("a package import keeps its result");
    assert_eq!(
        (
            result.format,
            result.decks,
            result.notes,
            result.media_skipped
        ),
        (PackageFormat::Anki21b, 1, 2, 1)
    );
    assert_eq!(
        (result.cards, result.unchanged),
        (0, 2),
        "added by the first run"
    );
    let r = w.store.repositories();
    let sets = w.sets().await;
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].title, "Biology::Cells");
    let cards = r
        .flashcards
        .get_set(w.user, sets[0].id)
        .await
        .unwrap()
        .flashcards;
    assert_eq!(cards.len(), 2);
    let schedule = r.reviews.schedule(w.user, cards[0].id).await.unwrap();
    assert_eq!(schedule.reps, 1, "the history is replayed once");
    assert!(
        matches!(w.blobs.get(key).await, Err(DomainError::NotFound { .. })),
        "the package is not kept once imported"
    );
    let told = w.notifications().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].notification_type, NotificationType::ImportCompleted);
    assert_eq!(told[0].title, "“Biology” is imported");

    // Run once more (a worker killed before it recorded the job done): nothing changes.
    assert_eq!(
        imports.run(&job, &row.id.to_string()).await.unwrap(),
        ImportOutcome::Skipped
    );
    assert_eq!(w.notifications().await.len(), 1);
}

#[tokio::test]
async fn a_first_package_import_reports_what_it_added() {
    let w = World::new().await;
    let imports = w.service(None);
    let started = imports
        .start_upload(w.user, ImportSource::Deck, package(b"deck"))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    assert_eq!(outcome, ImportOutcome::Cards(2));
    let result = w.import(started.id).await.result.unwrap();
    assert_eq!((result.cards, result.unchanged, result.reviews), (2, 0, 1));
    assert_eq!(result.flashcard_sets.len(), 1);
    assert_eq!(result.flashcard_sets[0].title, "Biology::Cells");
    let told = w.notifications().await;
    assert_eq!(told[0].message, "2 cards were added to 1 set.");
    assert_eq!(
        told[0].link.as_deref(),
        Some(format!("/api/v1/flashcard-sets/{}", result.flashcard_sets[0].id).as_str())
    );
}

#[tokio::test]
async fn a_package_that_cannot_be_read_fails_its_import_naming_why_and_adds_nothing() {
    let w = World::new().await;
    let imports = w.service(None);
    let started = imports
        .start_upload(w.user, ImportSource::Deck, package(b"bomb"))
        .await
        .unwrap();
    let (row, job) = w.claim().await;
    let outcome = imports.run(&job, &row.id.to_string()).await.unwrap();
    let ImportOutcome::Failed(reason) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(reason.contains("zip bomb"), "{reason}");
    let import = w.import(started.id).await;
    assert_eq!(import.status, JobStatus::Failed);
    assert_eq!(import.error_message.as_deref(), Some(reason.as_str()));
    assert_eq!(import.result, None);
    let sets = w.sets().await;
    assert!(sets.is_empty(), "nothing half-imported");
    assert!(matches!(
        w.blobs.get(job.blob_key.unwrap()).await,
        Err(DomainError::NotFound { .. })
    ));
    let told = w.notifications().await;
    assert_eq!(told[0].notification_type, NotificationType::ImportFailed);
    assert!(told[0].message.contains("zip bomb"));
}

#[tokio::test]
async fn a_file_that_is_not_a_package_is_refused_before_anything_is_recorded() {
    let w = World::new().await;
    let imports = w.service(None);
    for upload in [
        Upload {
            file_name: "cards.csv".into(),
            title: None,
            course_id: None,
            bytes: b"question,answer\nATP?,Energy\n".to_vec(),
        },
        Upload {
            file_name: "cards.xlsx".into(),
            title: None,
            course_id: None,
            bytes: b"PK\x03\x04[Content_Types].xml".to_vec(),
        },
    ] {
        let name = upload.file_name.clone();
        let refused = imports
            .start_upload(w.user, ImportSource::Deck, upload)
            .await;
        assert!(
            matches!(refused, Err(DomainError::UnsupportedType { .. })),
            "{name}: {refused:?}"
        );
    }
    let listed = w
        .store
        .repositories()
        .import_jobs
        .list(w.user, ImportJobFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    assert!(
        w.queue
            .claim(
                WORKER.into(),
                vec![RunImport::KIND.into()],
                Duration::from_secs(60)
            )
            .await
            .unwrap()
            .is_none()
    );
}
