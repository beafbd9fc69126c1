//! Imports: a web page, a YouTube video, an audio recording or a file turned into a note (or
//! a document), or a flashcard package turned into sets, in the background, with progress
//! the student can follow and cancel.
//!
//! [`ImportService::start_link`] and [`ImportService::start_upload`] check the request,
//! record the import `PENDING` and enqueue a [`RunImport`] job; [`ImportService::run`] is that
//! job. The run moves through stages, each recorded with
//! [`ImportJobRepository::advance`], which refuses to touch a finished import: so every
//! stage is also the check for a cancellation, and a run that finds its import cancelled
//! removes what it made and stops.
//!
//! Failures that retrying cannot change (a page not found, a video without captions, a file
//! that is not audio) fail the import at once with the reason; the others (a service
//! unavailable, a timeout) are errors for the worker to retry, and after the last attempt
//! [`ImportService::give_up`] fails the import.

use std::sync::Arc;

use uuid::Uuid;

use super::documents::{DocumentService, Upload, user_blob_prefix};
use super::ingestion::{IngestionService, Processed};
use super::interchange::InterchangeService;
use super::notes::NoteIndexService;
use crate::entities::{ImportJob, ImportJobUpdate, NewImportJob, NewNote, NewNotification, Note};
use crate::enums::{DocumentStatus, ImportSource, JobStatus, NoteSource, NotificationType};
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, DocumentId, NoteId, UserId};
use crate::jobs::{Job, RunImport};
use crate::ports::{
    AudioFormat, AudioInput, BlobStore, Clock, CourseRepository, DocumentFormat,
    DocumentRepository, ExtractedPage, FetchedResource, ImportJobRepository, JobQueue,
    NoteRepository, NotificationRepository, TextExtractor, Transcriber, Transcript,
    VideoTranscripts, WebFetcher,
};
use crate::rules::{file_type, summary, transcript, youtube};
use crate::values::{
    DurationSeconds, FieldContext, Link, Markdown, MessageText, Progress, Tags, Title, WebUrl,
};

/// What a student reads when audio cannot be transcribed because no service is set up.
pub const NO_TRANSCRIBER: &str = "audio transcription is not set up on this server: its \
     operator sets TRANSCRIBE_URL to an OpenAI-compatible transcription service \
     (whisper.cpp server, faster-whisper, OpenAI, Groq)";

/// The stages of an import, as its progress.
mod stage {
    /// The worker took it.
    pub(super) const STARTED: i64 = 5;
    /// The page, captions or recording are in hand.
    pub(super) const FETCHED: i64 = 25;
    /// The text is extracted or transcribed.
    pub(super) const EXTRACTED: i64 = 60;
    /// The note or document is made.
    pub(super) const MADE: i64 = 75;
    /// Its chunks are indexed.
    pub(super) const INDEXED: i64 = 90;
    /// Done.
    pub(super) const DONE: i64 = 100;
}

/// The ports and services [`ImportService`] works through.
#[derive(Clone)]
pub struct ImportPorts {
    /// Import records.
    pub imports: Arc<dyn ImportJobRepository>,
    /// Where the notes go.
    pub notes: Arc<dyn NoteRepository>,
    /// To check a course is the student's.
    pub courses: Arc<dyn CourseRepository>,
    /// Documents made by imports.
    pub documents: Arc<dyn DocumentRepository>,
    /// Where the student hears about it.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Uploaded recordings.
    pub blobs: Arc<dyn BlobStore>,
    /// Where import jobs go.
    pub queue: Arc<dyn JobQueue>,
    /// Reads a web page's main text.
    pub extractor: Arc<dyn TextExtractor>,
    /// Fetches web pages.
    pub web: Arc<dyn WebFetcher>,
    /// YouTube captions.
    pub videos: Arc<dyn VideoTranscripts>,
    /// Speech to text, when one is configured.
    pub transcriber: Option<Arc<dyn Transcriber>>,
    /// Storing and reading documents.
    pub document_service: Arc<DocumentService>,
    /// Processing documents.
    pub ingestion: Arc<IngestionService>,
    /// Indexing notes.
    pub note_index: Arc<NoteIndexService>,
    /// Reading flashcard packages and adding their decks.
    pub interchange: Arc<InterchangeService>,
    /// The time an import finishes.
    pub clock: Arc<dyn Clock>,
}

/// A web page or a YouTube video to import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkImport {
    /// `URL` or `YOUTUBE`.
    pub source: ImportSource,
    /// The page's or the video's URL.
    pub url: String,
    /// A title for the note; the page's or video's own if `None`.
    pub title: Option<String>,
    /// The course to file the note under.
    pub course_id: Option<CourseId>,
}

/// What a run of an import came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// `COMPLETED`, having made this note.
    Note(NoteId),
    /// `COMPLETED`, having made this document.
    Document(DocumentId),
    /// `COMPLETED`, having added this many cards (to the sets in the import's result).
    Cards(u32),
    /// `FAILED`, for this reason.
    Failed(String),
    /// Nothing to do: gone, cancelled or already finished.
    Skipped,
}

/// Why a stage stopped short of failing with an error.
enum Stop {
    /// The import finished meanwhile (cancelled by the student): stop and undo.
    Finished,
    /// The import cannot succeed, for this reason in the student's words.
    Fail(String),
    /// Worth retrying.
    Retry(DomainError),
}

impl From<DomainError> for Stop {
    fn from(error: DomainError) -> Self {
        Self::Retry(error)
    }
}

type Staged<T> = Result<T, Stop>;

/// What a run made, to link and to undo on cancellation.
enum Made {
    Note(NoteId),
    Document(DocumentId),
}

/// Starts imports, and runs them in the worker.
#[derive(Clone)]
pub struct ImportService {
    ports: ImportPorts,
}

impl std::fmt::Debug for ImportService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportService")
            .field("transcriber", &self.ports.transcriber.is_some())
            .finish_non_exhaustive()
    }
}

impl ImportService {
    /// A service over these ports.
    #[must_use]
    pub const fn new(ports: ImportPorts) -> Self {
        Self { ports }
    }

    /// Indexing of notes, which imports make.
    #[must_use]
    pub fn note_index(&self) -> &NoteIndexService {
        &self.ports.note_index
    }

    /// Whether audio can be transcribed here.
    #[must_use]
    pub fn transcribes(&self) -> bool {
        self.ports.transcriber.is_some()
    }

    /// Starts importing a web page or a YouTube video: checks the link, records the import
    /// `PENDING` and enqueues its run.
    ///
    /// # Errors
    ///
    /// `Validation` on `sourceUrl` (not an http(s) URL, an address the server may not fetch,
    /// not a YouTube video link), on `source` (a source that needs a file), on `title`;
    /// `NotFound` when the course is not the user's; `Unavailable` when the job cannot be
    /// enqueued (nothing is recorded then).
    pub async fn start_link(&self, user: UserId, request: LinkImport) -> DomainResult<ImportJob> {
        let url = WebUrl::parse(request.url.trim()).field("sourceUrl")?;
        match request.source {
            ImportSource::Url => self.ports.web.check(url.clone().into_inner()).await?,
            ImportSource::Youtube => {
                if youtube::video_id(&url.clone().into_inner()).is_none() {
                    return Err(DomainError::validation(
                        "sourceUrl",
                        "not a YouTube video link: give a watch, shorts, embed, live or \
                         youtu.be link to one video",
                    ));
                }
            }
            ImportSource::File | ImportSource::Audio | ImportSource::Deck => {
                return Err(DomainError::validation(
                    "source",
                    "FILE, AUDIO and DECK imports upload the file as multipart/form-data",
                ));
            }
        }
        let title = request
            .title
            .map(|t| Title::parse(t).field("title"))
            .transpose()?;
        self.check_course(user, request.course_id).await?;
        let new = NewImportJob {
            source: request.source,
            source_url: Some(url),
            title,
            document_id: None,
        };
        let job = self.ports.imports.create(user, new).await?;
        self.enqueue(
            &job,
            RunImport {
                user_id: user,
                import_job_id: job.id,
                course_id: request.course_id,
                blob_key: None,
                audio_format: None,
            },
        )
        .await?;
        Ok(job)
    }

    /// Starts importing an uploaded file (`FILE`: a document), recording (`AUDIO`: a note)
    /// or flashcard package (`DECK`: sets): checks and stores it, records the import
    /// `PENDING` and enqueues its run.
    ///
    /// # Errors
    ///
    /// `TooLarge` past the upload limit; `UnsupportedType` for a file of a type the source
    /// does not take (naming what it is); `Validation` on `source` for a source that takes
    /// a link, on `title`; `NotFound` when the course is not the user's; `Unavailable` when
    /// the job cannot be enqueued (nothing is kept then).
    pub async fn start_upload(
        &self,
        user: UserId,
        source: ImportSource,
        upload: Upload,
    ) -> DomainResult<ImportJob> {
        match source {
            ImportSource::File => self.start_file(user, upload).await,
            ImportSource::Audio => self.start_audio(user, upload).await,
            ImportSource::Deck => self.start_deck(user, upload).await,
            ImportSource::Url | ImportSource::Youtube => Err(DomainError::validation(
                "source",
                "URL and YOUTUBE imports are sent as JSON with a sourceUrl, without a file",
            )),
        }
    }

    async fn start_file(&self, user: UserId, upload: Upload) -> DomainResult<ImportJob> {
        let course_id = upload.course_id;
        let document = self.ports.document_service.store(user, upload).await?;
        let title = Title::parse(document.title.clone()).ok();
        let new = NewImportJob {
            source: ImportSource::File,
            source_url: None,
            title,
            document_id: Some(document.id),
        };
        let job = match self.ports.imports.create(user, new).await {
            Ok(job) => job,
            Err(error) => {
                let _ = self.ports.document_service.delete(user, document.id).await;
                return Err(error);
            }
        };
        let run = RunImport {
            user_id: user,
            import_job_id: job.id,
            course_id,
            blob_key: None,
            audio_format: None,
        };
        if let Err(error) = self.enqueue(&job, run).await {
            let _ = self.ports.document_service.delete(user, document.id).await;
            return Err(error);
        }
        Ok(job)
    }

    async fn start_audio(&self, user: UserId, upload: Upload) -> DomainResult<ImportJob> {
        let limit = self.ports.document_service.upload_limit();
        if u64::try_from(upload.bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(self.ports.document_service.too_large());
        }
        let format = file_type::detect_audio(&upload.bytes).map_err(|unknown| {
            DomainError::UnsupportedType {
                field: "file".to_owned(),
                message: unknown.to_string(),
            }
        })?;
        let stored = Stored {
            source: ImportSource::Audio,
            default_title: "Audio recording",
            extension: format.extension(),
            content_type: format.mime_type(),
            audio_format: Some(format),
        };
        self.start_stored(user, upload, stored).await
    }

    async fn start_deck(&self, user: UserId, upload: Upload) -> DomainResult<ImportJob> {
        let interchange = &self.ports.interchange;
        if u64::try_from(upload.bytes.len()).unwrap_or(u64::MAX) > interchange.upload_limit() {
            return Err(interchange.too_large());
        }
        if !interchange.is_package(&upload.bytes, &upload.file_name)? {
            return Err(DomainError::UnsupportedType {
                field: "file".to_owned(),
                message: "the file is not a flashcard package (an Anki .apkg or .colpkg); \
                          import a table of cards through POST /api/v1/flashcard-sets/import"
                    .to_owned(),
            });
        }
        let stored = Stored {
            source: ImportSource::Deck,
            default_title: "Flashcard package",
            extension: "apkg",
            content_type: "application/zip",
            audio_format: None,
        };
        self.start_stored(user, upload, stored).await
    }

    /// Keeps an upload in the blob store until its import has run, records the import
    /// `PENDING` and enqueues its run; when a step fails, what the earlier ones wrote is
    /// removed.
    async fn start_stored(
        &self,
        user: UserId,
        upload: Upload,
        stored: Stored,
    ) -> DomainResult<ImportJob> {
        let title = match upload.title {
            Some(title) => Title::parse(title).field("title")?,
            None => Title::parse(name_without_extension(&upload.file_name))
                .or_else(|_| Title::parse(stored.default_title))
                .field("title")?,
        };
        self.check_course(user, upload.course_id).await?;
        let blob_key = format!(
            "{}imports/{}.{}",
            user_blob_prefix(user),
            Uuid::new_v4().simple(),
            stored.extension
        );
        self.ports
            .blobs
            .put(
                blob_key.clone(),
                upload.bytes,
                stored.content_type.to_owned(),
            )
            .await?;
        let new = NewImportJob {
            source: stored.source,
            source_url: None,
            title: Some(title),
            document_id: None,
        };
        let job = match self.ports.imports.create(user, new).await {
            Ok(job) => job,
            Err(error) => {
                let _ = self.ports.blobs.delete(blob_key).await;
                return Err(error);
            }
        };
        let run = RunImport {
            user_id: user,
            import_job_id: job.id,
            course_id: upload.course_id,
            blob_key: Some(blob_key.clone()),
            audio_format: stored.audio_format,
        };
        if let Err(error) = self.enqueue(&job, run).await {
            let _ = self.ports.blobs.delete(blob_key).await;
            return Err(error);
        }
        Ok(job)
    }

    /// Enqueues the run of `job`; when that fails, the import's record is removed, so the
    /// student is never shown an import that nothing will run.
    async fn enqueue(&self, job: &ImportJob, run: RunImport) -> DomainResult<()> {
        let enqueued = match run.to_new_job() {
            Ok(new) => self.ports.queue.enqueue(new).await.map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = enqueued {
            let _ = self.ports.imports.delete(job.user_id, job.id).await;
            return Err(error);
        }
        Ok(())
    }

    async fn check_course(&self, user: UserId, course: Option<CourseId>) -> DomainResult<()> {
        match course {
            Some(course) => self.ports.courses.get(user, course).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Runs an import (the [`RunImport`] job). `run_key` names this piece of work (the job's
    /// id), so that a repeated run notifies the student once.
    ///
    /// # Errors
    ///
    /// Errors worth retrying (`Unavailable`: a service, the storage); an import that cannot
    /// succeed is not an error but a `FAILED` import.
    pub async fn run(&self, job: &RunImport, run_key: &str) -> DomainResult<ImportOutcome> {
        let user = job.user_id;
        let import = match self.ports.imports.get(user, job.import_job_id).await {
            Ok(import) => import,
            Err(DomainError::NotFound { .. }) => {
                self.discard_recording(job).await;
                return Ok(ImportOutcome::Skipped);
            }
            Err(error) => return Err(error),
        };
        if import.status.is_finished() {
            self.discard_cancelled_upload(&import).await;
            self.discard_recording(job).await;
            return Ok(ImportOutcome::Skipped);
        }
        let made = match self.stages(&import, job, run_key).await {
            Ok(made) => made,
            Err(Stop::Finished) => {
                self.discard_cancelled_upload(&import).await;
                self.discard_recording(job).await;
                return Ok(ImportOutcome::Skipped);
            }
            Err(Stop::Fail(reason)) => {
                self.fail(&import, &reason).await?;
                self.discard_recording(job).await;
                return Ok(ImportOutcome::Failed(reason));
            }
            Err(Stop::Retry(error)) => return Err(error),
        };
        self.discard_recording(job).await;
        Ok(made)
    }

    /// Marks the import `FAILED` after its job ran out of attempts on `error` (a service that
    /// stayed unavailable), and tells the student.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    pub async fn give_up(&self, job: &RunImport, error: &DomainError) -> DomainResult<()> {
        let import = match self.ports.imports.get(job.user_id, job.import_job_id).await {
            Ok(import) => import,
            Err(DomainError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
        self.discard_recording(job).await;
        if import.status.is_finished() {
            return Ok(());
        }
        let reason = match error {
            DomainError::Unavailable { service, .. } => {
                format!(
                    "the {service} service was unavailable after several tries; try again later"
                )
            }
            _ => "the import failed after several tries; try again later".to_owned(),
        };
        self.fail(&import, &reason).await
    }

    /// The stages of the run, up to `COMPLETED`.
    async fn stages(
        &self,
        import: &ImportJob,
        job: &RunImport,
        run_key: &str,
    ) -> Staged<ImportOutcome> {
        let user = import.user_id;
        self.advance(import, stage::STARTED, |u| {
            u.status = Some(JobStatus::Processing);
        })
        .await?;
        // A run after a crash finds what the earlier one made, linked, and goes on from it.
        if let Some(id) = import.document_id {
            return self.finish_document(import, id, run_key).await;
        }
        if let Some(id) = import.note_id {
            return match self.ports.notes.get(user, id).await {
                Ok(note) => self.finish_note(import, note).await,
                Err(DomainError::NotFound { .. }) => Err(Stop::Fail(
                    "the note this import made was deleted".to_owned(),
                )),
                Err(error) => Err(Stop::Retry(error)),
            };
        }
        let new = match import.source {
            ImportSource::Deck => return self.decks(import, job).await,
            ImportSource::Url => match self.page(import, job).await? {
                Page::Note(new) => new,
                Page::Document(id) => return self.finish_document(import, id, run_key).await,
            },
            ImportSource::Youtube => self.video(import, job).await?,
            ImportSource::Audio => self.recording(import, job).await?,
            ImportSource::File => {
                return Err(Stop::Fail(
                    "the uploaded file of this import is missing; upload it again".to_owned(),
                ));
            }
        };
        let note = self.ports.notes.create(user, new).await?;
        let linked = self
            .advance(import, stage::MADE, |u| u.note_id = Some(Some(note.id)))
            .await;
        if let Err(stop) = linked {
            self.undo(user, Made::Note(note.id)).await;
            return Err(stop);
        }
        self.finish_note(import, note).await
    }

    /// Indexes the note, completes the import and tells the student.
    async fn finish_note(&self, import: &ImportJob, note: Note) -> Staged<ImportOutcome> {
        let user = import.user_id;
        let indexed = self.ports.note_index.index(&note).await;
        if let Err(error) = indexed {
            return Err(match error {
                // Deleted meanwhile by the student.
                DomainError::NotFound { .. } => {
                    Stop::Fail("the note this import made was deleted".to_owned())
                }
                other => Stop::Retry(other),
            });
        }
        if let Err(stop) = self.advance(import, stage::INDEXED, |_| {}).await {
            self.undo_if_cancelled(user, Made::Note(note.id), &stop)
                .await;
            return Err(stop);
        }
        let words = note.content.split_whitespace().count();
        let completed = self.complete(import, Some(note.id), None).await;
        if let Err(stop) = completed {
            self.undo_if_cancelled(user, Made::Note(note.id), &stop)
                .await;
            return Err(stop);
        }
        self.notify(
            import,
            NotificationType::ImportCompleted,
            format!("“{}” is imported", note.title),
            format!(
                "A note of {words} {} was made from it: you can search it and make study \
                 material from it.",
                if words == 1 { "word" } else { "words" }
            ),
            format!("/api/v1/notes/{}", note.id),
        )
        .await?;
        Ok(ImportOutcome::Note(note.id))
    }

    /// Processes the import's document (chunks, index, the document's own notification) and
    /// completes or fails the import with it.
    async fn finish_document(
        &self,
        import: &ImportJob,
        id: DocumentId,
        run_key: &str,
    ) -> Staged<ImportOutcome> {
        let user = import.user_id;
        let processed = self
            .ports
            .ingestion
            .process(user, id, &format!("import:{}:{run_key}", import.id))
            .await?;
        let failed = match processed {
            Processed::Ready { .. } => None,
            Processed::Failed(reason) => Some(reason),
            Processed::Skipped => match self.ports.documents.get(user, id).await {
                Ok(document) => match document.status {
                    DocumentStatus::Ready => None,
                    DocumentStatus::Failed => Some(
                        document
                            .error_message
                            .unwrap_or_else(|| "the document could not be processed".to_owned()),
                    ),
                    // Processed by another run right now: come back later.
                    DocumentStatus::Pending | DocumentStatus::Processing => {
                        return Err(Stop::Retry(DomainError::Unavailable {
                            service: "document processing",
                            message: "the document is being processed by another run".into(),
                        }));
                    }
                },
                Err(DomainError::NotFound { .. }) => {
                    Some("the document this import made was deleted".to_owned())
                }
                Err(error) => return Err(Stop::Retry(error)),
            },
        };
        if let Some(reason) = failed {
            // The document says why, and its processing told the student.
            self.ports
                .imports
                .advance(
                    user,
                    import.id,
                    ImportJobUpdate {
                        status: Some(JobStatus::Failed),
                        error_message: Some(Some(reason.clone())),
                        completed_at: Some(Some(self.ports.clock.now())),
                        ..ImportJobUpdate::default()
                    },
                )
                .await
                .map_err(finished_or_retry)?;
            return Ok(ImportOutcome::Failed(reason));
        }
        if let Err(stop) = self.complete(import, None, Some(id)).await {
            self.undo_if_cancelled(user, Made::Document(id), &stop)
                .await;
            return Err(stop);
        }
        Ok(ImportOutcome::Document(id))
    }

    /// A web page: fetched, then its main text made a note, or a document kept as one.
    async fn page(&self, import: &ImportJob, job: &RunImport) -> Staged<Page> {
        let url = import.source_url.clone().unwrap_or_default();
        let fetched = self
            .ports
            .web
            .fetch(url.clone())
            .await
            .map_err(|error| web_stop(error, &url))?;
        self.advance(import, stage::FETCHED, |_| {}).await?;
        let format = page_format(&fetched);
        let Some(format) = format else {
            let found = fetched.content_type.as_deref().unwrap_or("unknown content");
            return Err(Stop::Fail(format!(
                "the address serves {found}, which sophie cannot import; import a web page, \
                 a PDF, Word or PowerPoint file"
            )));
        };
        if matches!(
            format,
            DocumentFormat::Pdf | DocumentFormat::Docx | DocumentFormat::Pptx
        ) {
            let upload = Upload {
                file_name: file_name_of(&fetched.url, format),
                title: import.title.clone(),
                course_id: job.course_id,
                bytes: fetched.bytes,
            };
            let document = match self
                .ports
                .document_service
                .store(import.user_id, upload)
                .await
            {
                Ok(document) => document,
                Err(error @ DomainError::Unavailable { .. }) => return Err(Stop::Retry(error)),
                Err(error) => return Err(Stop::Fail(error.to_string())),
            };
            let linked = self
                .advance(import, stage::EXTRACTED, |u| {
                    u.document_id = Some(Some(document.id));
                })
                .await;
            if let Err(stop) = linked {
                self.undo(import.user_id, Made::Document(document.id)).await;
                return Err(stop);
            }
            return Ok(Page::Document(document.id));
        }
        let text = match self.ports.extractor.extract(format, fetched.bytes).await {
            Ok(text) => text,
            Err(failure) => {
                return Err(Stop::Fail(format!("the page could not be read: {failure}")));
            }
        };
        self.advance(import, stage::EXTRACTED, |_| {}).await?;
        let (page_title, content) = page_markdown(&text.pages);
        if content.trim().is_empty() {
            return Err(Stop::Fail(
                "the page has no readable text (it may need JavaScript or a sign-in)".to_owned(),
            ));
        }
        let title = import
            .title
            .clone()
            .or(page_title)
            .unwrap_or_else(|| url_title(&url));
        Ok(Page::Note(note_of(
            job,
            &title,
            content,
            None,
            NoteSource::Url,
            Some(fetched.url),
            None,
        )?))
    }

    /// A YouTube video: its captions made a note.
    async fn video(&self, import: &ImportJob, job: &RunImport) -> Staged<NewNote> {
        let url = import.source_url.clone().unwrap_or_default();
        let Some(id) = youtube::video_id(&url) else {
            return Err(Stop::Fail("not a YouTube video link".to_owned()));
        };
        let video = match self.ports.videos.fetch(id).await {
            Ok(video) => video,
            Err(DomainError::NotFound { entity: "captions" }) => {
                return Err(Stop::Fail(
                    "the video has no captions, so there is no text to import; download its \
                     audio and import that instead"
                        .to_owned(),
                ));
            }
            Err(DomainError::NotFound { .. }) => {
                return Err(Stop::Fail(
                    "the video does not exist or cannot be watched (it may be private or \
                     removed)"
                        .to_owned(),
                ));
            }
            Err(error @ DomainError::Validation { .. }) => {
                return Err(Stop::Fail(error.to_string()));
            }
            Err(error) => return Err(Stop::Retry(error)),
        };
        self.advance(import, stage::FETCHED, |_| {}).await?;
        let title = import.title.clone().unwrap_or_else(|| video.title.clone());
        let new = transcript_note(
            job,
            &title,
            &video.transcript,
            NoteSource::Youtube,
            Some(url),
        )?;
        self.advance(import, stage::EXTRACTED, |_| {}).await?;
        Ok(new)
    }

    /// An audio recording: transcribed into a note.
    async fn recording(&self, import: &ImportJob, job: &RunImport) -> Staged<NewNote> {
        let Some(transcriber) = self.ports.transcriber.clone() else {
            return Err(Stop::Fail(NO_TRANSCRIBER.to_owned()));
        };
        let (Some(key), Some(format)) = (job.blob_key.clone(), job.audio_format) else {
            return Err(Stop::Fail(
                "the recording of this import is missing; upload it again".to_owned(),
            ));
        };
        let bytes = match self.ports.blobs.get(key).await {
            Ok(blob) => blob.bytes,
            Err(DomainError::NotFound { .. }) => {
                return Err(Stop::Fail(
                    "the recording of this import is missing; upload it again".to_owned(),
                ));
            }
            Err(error) => return Err(Stop::Retry(error)),
        };
        self.advance(import, stage::FETCHED, |_| {}).await?;
        let audio = AudioInput {
            bytes,
            format,
            language: None,
        };
        let transcript = match transcriber.transcribe(audio).await {
            Ok(transcript) => transcript,
            Err(error @ (DomainError::Validation { .. } | DomainError::UnsupportedType { .. })) => {
                return Err(Stop::Fail(error.to_string()));
            }
            Err(error) => return Err(Stop::Retry(error)),
        };
        self.advance(import, stage::EXTRACTED, |_| {}).await?;
        let title = import
            .title
            .clone()
            .unwrap_or_else(|| "Audio recording".to_owned());
        transcript_note(job, &title, &transcript, NoteSource::Audio, None)
    }

    /// A flashcard package: read, its decks added to the student's sets in one transaction,
    /// the import completed with what it came to. A run repeated after a crash between the
    /// two adds nothing (the cards are keyed) and reports them `unchanged`.
    async fn decks(&self, import: &ImportJob, job: &RunImport) -> Staged<ImportOutcome> {
        let missing =
            || Stop::Fail("the package of this import is missing; upload it again".to_owned());
        let key = job.blob_key.clone().ok_or_else(missing)?;
        let bytes = match self.ports.blobs.get(key).await {
            Ok(blob) => blob.bytes,
            Err(DomainError::NotFound { .. }) => return Err(missing()),
            Err(error) => return Err(Stop::Retry(error)),
        };
        self.advance(import, stage::FETCHED, |_| {}).await?;
        let interchange = &self.ports.interchange;
        let prepared = interchange
            .read_package(import.user_id, bytes)
            .await
            .map_err(package_stop)?;
        self.advance(import, stage::EXTRACTED, |_| {}).await?;
        let result = interchange
            .add_decks(import.user_id, prepared, job.course_id)
            .await
            .map_err(package_stop)?;
        let cards = result.cards;
        let sets = result.flashcard_sets.len();
        let first_set = result.flashcard_sets.first().map(|set| set.id);
        let summary = if cards == 0 {
            format!(
                "Nothing was added: you already have its {} cards.",
                result.unchanged
            )
        } else {
            format!(
                "{cards} {} added to {sets} {}{}.",
                if cards == 1 { "card was" } else { "cards were" },
                if sets == 1 { "set" } else { "sets" },
                if result.unchanged > 0 {
                    format!(
                        "; {} you already had were left as they are",
                        result.unchanged
                    )
                } else {
                    String::new()
                }
            )
        };
        // Cancelled between the write and here: the cards stay, as if the import had
        // completed just before the cancellation.
        self.advance(import, stage::DONE, |u| {
            u.status = Some(JobStatus::Completed);
            u.completed_at = Some(Some(self.ports.clock.now()));
            u.error_message = Some(None);
            u.result = Some(result);
        })
        .await?;
        let link = first_set.map_or_else(
            || format!("/api/v1/import-jobs/{}", import.id),
            |set| format!("/api/v1/flashcard-sets/{set}"),
        );
        let what = import.title.as_deref().unwrap_or("The flashcard package");
        self.notify(
            import,
            NotificationType::ImportCompleted,
            format!("“{what}” is imported"),
            summary,
            link,
        )
        .await?;
        Ok(ImportOutcome::Cards(cards))
    }

    /// Records a stage of `import` (and whatever `change` sets), if it has not finished.
    async fn advance(
        &self,
        import: &ImportJob,
        progress: i64,
        change: impl FnOnce(&mut ImportJobUpdate),
    ) -> Staged<()> {
        let mut update = ImportJobUpdate {
            progress: Progress::new(progress).ok(),
            ..ImportJobUpdate::default()
        };
        change(&mut update);
        self.ports
            .imports
            .advance(import.user_id, import.id, update)
            .await
            .map(|_| ())
            .map_err(finished_or_retry)
    }

    async fn complete(
        &self,
        import: &ImportJob,
        note: Option<NoteId>,
        document: Option<DocumentId>,
    ) -> Staged<()> {
        self.advance(import, stage::DONE, |u| {
            u.status = Some(JobStatus::Completed);
            u.completed_at = Some(Some(self.ports.clock.now()));
            u.error_message = Some(None);
            if note.is_some() {
                u.note_id = Some(note);
            }
            if document.is_some() {
                u.document_id = Some(document);
            }
        })
        .await
    }

    /// Fails the import with `reason` and tells the student; an import that finished
    /// meanwhile (cancelled) stays as it is.
    async fn fail(&self, import: &ImportJob, reason: &str) -> DomainResult<()> {
        let update = ImportJobUpdate {
            status: Some(JobStatus::Failed),
            error_message: Some(Some(reason.to_owned())),
            completed_at: Some(Some(self.ports.clock.now())),
            ..ImportJobUpdate::default()
        };
        match self
            .ports
            .imports
            .advance(import.user_id, import.id, update)
            .await
        {
            Ok(_) => {}
            Err(DomainError::Conflict { .. } | DomainError::NotFound { .. }) => return Ok(()),
            Err(error) => return Err(error),
        }
        let what = import
            .title
            .clone()
            .or_else(|| import.source_url.clone())
            .unwrap_or_else(|| "An import".to_owned());
        self.notify(
            import,
            NotificationType::ImportFailed,
            format!("“{what}” could not be imported"),
            reason.to_owned(),
            format!("/api/v1/import-jobs/{}", import.id),
        )
        .await
    }

    async fn notify(
        &self,
        import: &ImportJob,
        kind: NotificationType,
        title: String,
        message: String,
        link: String,
    ) -> DomainResult<()> {
        let title: String = title.chars().take(200).collect();
        let message: String = message.chars().take(2000).collect();
        let new = NewNotification {
            notification_type: kind,
            title: Title::parse(title).field("title")?,
            message: MessageText::parse(message).field("message")?,
            link: Some(Link::parse(link).field("link")?),
        };
        self.ports
            .notifications
            .create_once(import.user_id, format!("import:{}", import.id), new)
            .await
            .map(|_| ())
    }

    /// Removes what a cancelled run made. A failure here leaves it to the student, as if
    /// the import had completed just before the cancellation.
    async fn undo(&self, user: UserId, made: Made) {
        let _ = match made {
            Made::Note(id) => self.ports.notes.delete(user, id).await,
            Made::Document(id) => self.ports.document_service.delete(user, id).await,
        };
    }

    /// Removes what the run made, linked to the import, when `stop` is a cancellation. A stop
    /// worth retrying keeps it: the next run goes on from it (and a FILE import's document is
    /// the student's own upload).
    async fn undo_if_cancelled(&self, user: UserId, made: Made, stop: &Stop) {
        if matches!(stop, Stop::Finished) {
            self.undo(user, made).await;
        }
    }

    /// Removes the document of a file import cancelled before it was processed: a cancelled
    /// import leaves nothing half-made behind. A document already `READY` stays (the import
    /// had finished its work).
    async fn discard_cancelled_upload(&self, import: &ImportJob) {
        let user = import.user_id;
        let Ok(import) = self.ports.imports.get(user, import.id).await else {
            return;
        };
        let Some(id) = import.document_id else {
            return;
        };
        if import.status != JobStatus::Cancelled || import.source != ImportSource::File {
            return;
        }
        if let Ok(document) = self.ports.documents.get(user, id).await
            && document.status != DocumentStatus::Ready
        {
            self.undo(user, Made::Document(id)).await;
        }
    }

    /// Removes an audio import's uploaded recording: it is not kept once the import ends. A
    /// failure leaves an orphan under the user's prefix, removed with the account.
    async fn discard_recording(&self, job: &RunImport) {
        if let Some(key) = job.blob_key.clone() {
            let _ = self.ports.blobs.delete(key).await;
        }
    }
}

/// How an uploaded file kept for its import's run is stored and recorded.
struct Stored {
    source: ImportSource,
    /// The import's title when the file name gives none.
    default_title: &'static str,
    extension: &'static str,
    content_type: &'static str,
    audio_format: Option<AudioFormat>,
}

/// What a fetched page becomes.
enum Page {
    Note(NewNote),
    Document(DocumentId),
}

/// A finished import is a reason to stop; anything else is worth retrying.
fn finished_or_retry(error: DomainError) -> Stop {
    match error {
        DomainError::Conflict { .. } | DomainError::NotFound { .. } => Stop::Finished,
        other => Stop::Retry(other),
    }
}

/// How a package that cannot be imported ends the import: a refusal in the student's words,
/// or a storage failure worth retrying.
fn package_stop(error: DomainError) -> Stop {
    match error {
        DomainError::Unavailable { .. } | DomainError::Internal { .. } => Stop::Retry(error),
        DomainError::NotFound { entity: "course" } => Stop::Fail(
            "the course to file the sets under was deleted; import the package again".to_owned(),
        ),
        DomainError::Validation { message, .. }
        | DomainError::UnsupportedType { message, .. }
        | DomainError::TooLarge { message, .. } => Stop::Fail(message),
        other => Stop::Fail(other.to_string()),
    }
}

/// How a failed fetch of `url` ends the import.
fn web_stop(error: DomainError, url: &str) -> Stop {
    match error {
        DomainError::NotFound { .. } => Stop::Fail(format!("the page was not found: {url}")),
        DomainError::Validation { message, .. } | DomainError::TooLarge { message, .. } => {
            Stop::Fail(message)
        }
        other => Stop::Retry(other),
    }
}

/// The kind of document a fetched page is: from its declared type, or from its bytes when
/// the server declared none (or a generic one).
fn page_format(fetched: &FetchedResource) -> Option<DocumentFormat> {
    let declared = fetched.content_type.as_deref().unwrap_or_default();
    match declared {
        "text/html" | "application/xhtml+xml" => return Some(DocumentFormat::Html),
        "text/markdown" | "text/x-markdown" => return Some(DocumentFormat::Markdown),
        "text/plain" => return Some(DocumentFormat::Text),
        _ => {}
    }
    if let Some(format) = DocumentFormat::from_mime_type(declared) {
        return Some(format);
    }
    let generic = declared.is_empty()
        || declared == "application/octet-stream"
        || declared == "binary/octet-stream"
        || declared.starts_with("text/");
    if generic {
        let name = file_name_of(&fetched.url, DocumentFormat::Text);
        file_type::detect(&fetched.bytes, Some(&name)).ok()
    } else {
        None
    }
}

/// The last segment of `url`'s path as a file name, with `format`'s extension when it has
/// none of its own.
fn file_name_of(url: &str, format: DocumentFormat) -> String {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .splitn(4, '/')
        .nth(3)
        .unwrap_or_default();
    let last = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
    let last = percent_decoded(last);
    if last.is_empty() {
        format!("download.{}", format.extension())
    } else if last.contains('.') {
        last
    } else {
        format!("{last}.{}", format.extension())
    }
}

/// `%XX` escapes decoded where they make UTF-8; the text as it is otherwise.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// A page's title and its text as Markdown: the first section's heading is the title, and
/// every later section keeps its heading as a `##` heading.
fn page_markdown(pages: &[ExtractedPage]) -> (Option<String>, String) {
    let mut title = None;
    let mut parts: Vec<String> = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        let heading = page
            .heading
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty());
        match heading {
            Some(heading) if index == 0 => title = Some(heading.to_owned()),
            Some(heading) => parts.push(format!("## {heading}")),
            None => {}
        }
        let text = page.text.trim();
        if !text.is_empty() {
            parts.push(text.to_owned());
        }
    }
    (title, parts.join("\n\n"))
}

/// A title for a page that has none: its host and path.
fn url_title(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    rest.trim_end_matches('/').chars().take(200).collect()
}

fn name_without_extension(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim().to_owned(),
        _ => base.trim().to_owned(),
    }
}

/// A note of a transcript: `transcription` timed, `content` in paragraphs, the duration.
fn transcript_note(
    job: &RunImport,
    title: &str,
    transcript: &Transcript,
    source: NoteSource,
    url: Option<String>,
) -> Staged<NewNote> {
    let content = transcript::paragraphs(&transcript.segments, &transcript.text);
    if content.trim().is_empty() {
        return Err(Stop::Fail(
            "nothing was said in the recording, or nothing could be made out".to_owned(),
        ));
    }
    let timed = transcript::timed_lines(&transcript.segments);
    let duration = transcript
        .duration_seconds
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(|d| {
            // At most a week (the column's bound); a longer claim is clamped.
            #[allow(clippy::cast_possible_truncation)]
            let seconds = d.round().min(604_800.0) as i64;
            seconds
        });
    note_of(
        job,
        title,
        content,
        (!timed.is_empty()).then_some(timed),
        source,
        url,
        duration,
    )
}

/// The note an import makes, with its offline summary.
fn note_of(
    job: &RunImport,
    title: &str,
    content: String,
    transcription: Option<String>,
    source: NoteSource,
    url: Option<String>,
    duration_seconds: Option<i64>,
) -> Staged<NewNote> {
    let invalid = |error: DomainError| Stop::Fail(error.to_string());
    let title: String = title.trim().chars().take(200).collect();
    let title = Title::parse(if title.is_empty() {
        "Imported note".to_owned()
    } else {
        title
    })
    .field("title")
    .map_err(invalid)?;
    let summary = summary::extractive_summary(&content);
    Ok(NewNote {
        course_id: job.course_id,
        title,
        content: Markdown::parse(content).map_err(|_| {
            Stop::Fail("the text is longer than a note can hold (1,000,000 characters)".into())
        })?,
        transcription: transcription
            .map(|t| Markdown::parse(t).field("transcription"))
            .transpose()
            .map_err(invalid)?,
        summary: summary
            .map(|s| Markdown::parse(s).field("summary"))
            .transpose()
            .map_err(invalid)?,
        source,
        source_url: url
            .map(|u| WebUrl::parse(u).field("sourceUrl"))
            .transpose()
            .map_err(invalid)?,
        duration_seconds: duration_seconds
            .map(|d| DurationSeconds::new(d).field("durationSeconds"))
            .transpose()
            .map_err(invalid)?,
        tags: Tags::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_url_path() {
        assert_eq!(
            file_name_of(
                "https://uni.example/courses/bio/Lecture%203.pdf?x=1",
                DocumentFormat::Pdf
            ),
            "Lecture 3.pdf"
        );
        assert_eq!(
            file_name_of("https://uni.example/download/", DocumentFormat::Pdf),
            "download.pdf"
        );
        assert_eq!(
            file_name_of("https://uni.example/", DocumentFormat::Docx),
            "download.docx"
        );
        assert_eq!(
            file_name_of("https://uni.example/slides", DocumentFormat::Pptx),
            "slides.pptx"
        );
    }

    #[test]
    fn a_page_becomes_a_titled_markdown_note() {
        let pages = vec![
            ExtractedPage {
                number: 1,
                heading: Some("The Cell".into()),
                text: "Cells are the units of life.".into(),
            },
            ExtractedPage {
                number: 2,
                heading: Some("Mitosis".into()),
                text: "Cells divide.".into(),
            },
        ];
        let (title, content) = page_markdown(&pages);
        assert_eq!(title.as_deref(), Some("The Cell"));
        assert_eq!(
            content,
            "Cells are the units of life.\n\n## Mitosis\n\nCells divide."
        );
    }

    #[test]
    fn declared_types_come_first_and_generic_ones_are_sniffed() {
        let fetched = |content_type: Option<&str>, bytes: &[u8]| FetchedResource {
            url: "https://example.org/file".into(),
            content_type: content_type.map(str::to_owned),
            charset: None,
            bytes: bytes.to_vec(),
        };
        assert_eq!(
            page_format(&fetched(Some("text/html"), b"plain")),
            Some(DocumentFormat::Html)
        );
        assert_eq!(
            page_format(&fetched(Some("application/octet-stream"), b"%PDF-1.7\n")),
            Some(DocumentFormat::Pdf)
        );
        assert_eq!(
            page_format(&fetched(None, b"<!doctype html><p>x")),
            Some(DocumentFormat::Html)
        );
        assert_eq!(page_format(&fetched(Some("image/png"), b"\x89PNG")), None);
        assert_eq!(page_format(&fetched(Some("video/mp4"), b"....ftyp")), None);
    }

    #[test]
    fn titles_fall_back_to_the_address_or_the_file_name() {
        assert_eq!(
            url_title("https://example.org/notes/cells/?a=1"),
            "example.org/notes/cells"
        );
        assert_eq!(
            name_without_extension("Week 3 lecture.mp3"),
            "Week 3 lecture"
        );
        assert_eq!(name_without_extension(".mp3"), ".mp3");
    }
}
