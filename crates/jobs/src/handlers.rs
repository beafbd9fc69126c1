//! The handlers of sophie's jobs: each decodes its typed job and calls one service method, so
//! the worker and the HTTP layer share every flow.

use std::sync::Arc;
use std::time::Duration;

use sophie_domain::DomainError;
use sophie_domain::DomainResult;
use sophie_domain::jobs::{
    ExtractEvents, OptimizeReviewParameters, ProcessDocument, PurgeExpiredCredentials,
    ReembedDocument, ReembedStale, RefreshCalendar, RefreshDueCalendars, ReindexNote, RemindEvent,
    RequeueStrandedDocuments, RequeueStrandedGenerations, RunGeneration, RunImport, SyncCalendar,
    SyncDueCalendars,
};
use sophie_domain::services::accounts::CredentialJanitor;
use sophie_domain::services::calendar_import::CalendarImportService;
use sophie_domain::services::calendar_sync::{CalendarSyncService, Kept};
use sophie_domain::services::documents::DocumentService;
use sophie_domain::services::event_extraction::{EventExtractionService, ExtractionOutcome};
use sophie_domain::services::generation::{GenerationOutcome, GenerationService};
use sophie_domain::services::imports::{ImportOutcome, ImportService};
use sophie_domain::services::ingestion::{IngestionService, Processed};
use sophie_domain::services::notes::NoteIndexService;
use sophie_domain::services::reminders::ReminderService;
use sophie_domain::services::reviews::ParameterFitting;

use crate::worker::{Handler, JobRun, Registry};

/// How often the worker looks for documents and generations a crash left without a job.
pub const REQUEUE_STRANDED_EVERY: Duration = Duration::from_secs(5 * 60);

/// How often the worker looks for chunks another embedding model made.
pub const REEMBED_STALE_EVERY: Duration = Duration::from_secs(10 * 60);

/// How often expired sessions and verification tokens are removed.
pub const PURGE_EXPIRED_EVERY: Duration = Duration::from_secs(60 * 60);

/// How often the worker looks for calendar subscriptions due to be fetched again (each is
/// fetched when its own interval, six hours by default, has passed).
pub const REFRESH_CALENDARS_EVERY: Duration = Duration::from_secs(15 * 60);

/// How often the worker looks for calendar syncs due for their periodic run (each runs when
/// its own interval, `CALENDAR_SYNC_INTERVAL_SECS`, has passed).
pub const SYNC_CALENDARS_EVERY: Duration = Duration::from_secs(60);

/// The services the handlers call.
#[derive(Clone)]
pub struct JobServices {
    /// Document processing.
    pub ingestion: Arc<IngestionService>,
    /// Documents (for the periodic requeue).
    pub documents: Arc<DocumentService>,
    /// Expired credentials.
    pub janitor: Arc<CredentialJanitor>,
    /// Imports of pages, videos, recordings and files.
    pub imports: Arc<ImportService>,
    /// Notes indexed for search.
    pub note_index: Arc<NoteIndexService>,
    /// Flashcard sets, quizzes and study guides made from the student's material.
    pub generation: Arc<GenerationService>,
    /// The scheduler fitted to a student's reviews.
    pub parameter_fitting: Arc<ParameterFitting>,
    /// The reminders of calendar events.
    pub reminders: Arc<ReminderService>,
    /// Calendar subscriptions fetched again.
    pub calendar_imports: Arc<CalendarImportService>,
    /// Events extracted from syllabi.
    pub extractions: Arc<EventExtractionService>,
    /// The sync of students' calendars with Google, when a provider is configured.
    pub calendar_sync: Option<Arc<CalendarSyncService>>,
}

/// A registry with every kind of job sophie runs, and its periodic jobs.
#[must_use]
pub fn registry(services: &JobServices) -> Registry {
    let mut registry = Registry::new();
    registry.register::<ProcessDocument, _>(ProcessDocumentHandler(services.ingestion.clone()));
    registry.register::<RunImport, _>(RunImportHandler(services.imports.clone()));
    registry.register::<RunGeneration, _>(RunGenerationHandler(services.generation.clone()));
    registry.register::<ExtractEvents, _>(ExtractEventsHandler(services.extractions.clone()));
    let note_index = services.note_index.clone();
    registry.register_fn::<ReindexNote, _, _>(move |job, _| {
        let note_index = note_index.clone();
        async move {
            note_index
                .reindex(job.user_id, job.note_id)
                .await
                .map(|_| ())
        }
    });
    let fitting = services.parameter_fitting.clone();
    registry.register_fn::<OptimizeReviewParameters, _, _>(move |job, _| {
        let fitting = fitting.clone();
        async move {
            let parameters = fitting.run(job.user_id).await?;
            tracing::info!(user = %job.user_id, parameters = ?parameters, "review parameters fitted");
            Ok(())
        }
    });
    let reminders = services.reminders.clone();
    registry.register_fn::<RemindEvent, _, _>(move |job, _| {
        let reminders = reminders.clone();
        async move {
            let sent = reminders.remind(job).await?;
            if sent > 0 {
                tracing::info!(event = %job.event_id, sent, "event reminders sent");
            }
            Ok(())
        }
    });
    let calendar_imports = services.calendar_imports.clone();
    registry.register_fn::<RefreshCalendar, _, _>(move |job, _| {
        let calendar_imports = calendar_imports.clone();
        async move {
            match calendar_imports
                .refresh(job.user_id, job.subscription_id)
                .await
            {
                Ok(subscription) => {
                    match &subscription.last_error {
                        None => tracing::info!(
                            subscription = %job.subscription_id,
                            events = subscription.event_count,
                            "calendar subscription fetched"
                        ),
                        Some(reason) => tracing::info!(
                            subscription = %job.subscription_id,
                            %reason,
                            "calendar subscription no longer reads"
                        ),
                    }
                    Ok(())
                }
                // Unsubscribed since the job was sent: nothing to do.
                Err(DomainError::NotFound { .. }) => Ok(()),
                Err(error) => Err(error),
            }
        }
    });
    let calendar_imports = services.calendar_imports.clone();
    registry.register_fn::<RefreshDueCalendars, _, _>(move |_, _| {
        let calendar_imports = calendar_imports.clone();
        async move {
            let sent = calendar_imports.refresh_due().await?;
            if sent > 0 {
                tracing::info!(sent, "calendar subscriptions sent to be fetched again");
            }
            Ok(())
        }
    });
    let documents = services.documents.clone();
    registry.register_fn::<RequeueStrandedDocuments, _, _>(move |_, _| {
        let documents = documents.clone();
        async move {
            let requeued = documents.requeue_stranded().await?;
            if requeued > 0 {
                tracing::warn!(requeued, "requeued documents left without a processing job");
            }
            Ok(())
        }
    });
    let generation = services.generation.clone();
    registry.register_fn::<RequeueStrandedGenerations, _, _>(move |_, _| {
        let generation = generation.clone();
        async move {
            let requeued = generation.requeue_stranded().await?;
            if requeued > 0 {
                tracing::warn!(requeued, "requeued generations left without a run");
            }
            Ok(())
        }
    });
    let janitor = services.janitor.clone();
    registry.register_fn::<PurgeExpiredCredentials, _, _>(move |_, _| {
        let janitor = janitor.clone();
        async move {
            let (sessions, verifications) = janitor.purge_expired().await?;
            tracing::info!(sessions, verifications, "removed expired credentials");
            Ok(())
        }
    });
    let ingestion = services.ingestion.clone();
    let note_index = services.note_index.clone();
    registry.register_fn::<ReembedStale, _, _>(move |_, _| {
        let ingestion = ingestion.clone();
        let note_index = note_index.clone();
        async move {
            let queued = ingestion.enqueue_stale_reembeds().await?;
            if queued > 0 {
                tracing::info!(queued, model = %ingestion.embedding_model(), "re-embedding documents");
            }
            let queued = note_index.enqueue_stale().await?;
            if queued > 0 {
                tracing::info!(queued, model = %ingestion.embedding_model(), "re-indexing notes");
            }
            Ok(())
        }
    });
    let ingestion = services.ingestion.clone();
    registry.register_fn::<ReembedDocument, _, _>(move |job, _| {
        let ingestion = ingestion.clone();
        async move {
            ingestion
                .reembed(job.user_id, job.document_id)
                .await
                .map(|_| ())
        }
    });
    registry.every(REQUEUE_STRANDED_EVERY, RequeueStrandedDocuments {});
    registry.every(REQUEUE_STRANDED_EVERY, RequeueStrandedGenerations {});
    registry.every(REEMBED_STALE_EVERY, ReembedStale {});
    registry.every(PURGE_EXPIRED_EVERY, PurgeExpiredCredentials {});
    registry.every(REFRESH_CALENDARS_EVERY, RefreshDueCalendars {});
    if let Some(sync) = &services.calendar_sync {
        register_calendar_sync(&mut registry, sync);
    }
    registry
}

fn register_calendar_sync(registry: &mut Registry, sync: &Arc<CalendarSyncService>) {
    let service = sync.clone();
    registry.register_fn::<SyncCalendar, _, _>(move |job, _| {
        let service = service.clone();
        async move {
            let report = service.run(job.user_id).await?;
            for conflict in &report.conflicts {
                let kept = match conflict.kept {
                    Kept::Sophie => "sophie",
                    Kept::Google => "google",
                };
                tracing::info!(
                    user = %job.user_id,
                    event = %conflict.event_id,
                    remote = %conflict.remote_id,
                    sophie_updated = %conflict.sophie_updated,
                    google_updated = ?conflict.google_updated,
                    kept,
                    "calendar sync: an event changed on both sides; the later change kept"
                );
            }
            for (remote, why) in &report.skipped {
                tracing::debug!(user = %job.user_id, %remote, %why, "calendar sync: a Google event passed over");
            }
            for (event, why) in &report.refused {
                tracing::warn!(user = %job.user_id, %event, %why, "calendar sync: Google refused an event");
            }
            tracing::info!(
                user = %job.user_id,
                pulled_new = report.pulled_new,
                pulled_changed = report.pulled_changed,
                pulled_deleted = report.pulled_deleted,
                pushed_new = report.pushed_new,
                pushed_changed = report.pushed_changed,
                pushed_deleted = report.pushed_deleted,
                full_resync = report.full_resync,
                conflicts = report.conflicts.len(),
                skipped = report.skipped.len(),
                "calendar synced"
            );
            Ok(())
        }
    });
    let service = sync.clone();
    registry.register_fn::<SyncDueCalendars, _, _>(move |_, _| {
        let service = service.clone();
        async move {
            let sent = service.send_due().await?;
            if sent > 0 {
                tracing::info!(sent, "calendar syncs sent for their periodic run");
            }
            Ok(())
        }
    });
    registry.every(SYNC_CALENDARS_EVERY, SyncDueCalendars {});
}

/// Runs `document.process`: extraction, chunks, embeddings, index, notification.
pub struct ProcessDocumentHandler(pub Arc<IngestionService>);

impl Handler<ProcessDocument> for ProcessDocumentHandler {
    async fn run(&self, job: ProcessDocument, run: JobRun) -> DomainResult<()> {
        let outcome = self
            .0
            .process(job.user_id, job.document_id, &run.id.to_string())
            .await?;
        match outcome {
            Processed::Ready { pages, chunks } => {
                tracing::info!(document = %job.document_id, pages, chunks, "document ready");
            }
            Processed::Failed(reason) => {
                tracing::info!(document = %job.document_id, %reason, "document failed");
            }
            Processed::Skipped => {
                tracing::debug!(document = %job.document_id, "nothing to do");
            }
        }
        Ok(())
    }

    async fn exhausted(&self, job: ProcessDocument, run: JobRun, error: &DomainError) {
        if let Err(failure) = self
            .0
            .give_up(job.user_id, job.document_id, &run.id.to_string(), error)
            .await
        {
            tracing::error!(document = %job.document_id, %failure, "could not mark the document failed");
        }
    }
}

/// Runs `import.run`: fetch, extract or transcribe, make the note or document, index, notify.
pub struct RunImportHandler(pub Arc<ImportService>);

impl Handler<RunImport> for RunImportHandler {
    async fn run(&self, job: RunImport, run: JobRun) -> DomainResult<()> {
        let outcome = self.0.run(&job, &run.id.to_string()).await?;
        let import = job.import_job_id;
        match outcome {
            ImportOutcome::Note(note) => tracing::info!(%import, %note, "imported a note"),
            ImportOutcome::Document(document) => {
                tracing::info!(%import, %document, "imported a document");
            }
            ImportOutcome::Cards(cards) => tracing::info!(%import, cards, "imported flashcards"),
            ImportOutcome::Failed(reason) => tracing::info!(%import, %reason, "import failed"),
            ImportOutcome::Skipped => tracing::debug!(%import, "nothing to do"),
        }
        Ok(())
    }

    async fn exhausted(&self, job: RunImport, _run: JobRun, error: &DomainError) {
        if let Err(failure) = self.0.give_up(&job, error).await {
            tracing::error!(import = %job.import_job_id, %failure, "could not mark the import failed");
        }
    }
}

/// Runs `generation.run`: gather, draft, check, store, notify.
pub struct RunGenerationHandler(pub Arc<GenerationService>);

impl Handler<RunGeneration> for RunGenerationHandler {
    async fn run(&self, job: RunGeneration, _run: JobRun) -> DomainResult<()> {
        let generation = job.generation_job_id;
        match self.0.run(&job).await? {
            GenerationOutcome::Completed { items, dropped } => {
                tracing::info!(%generation, items, dropped, "generated");
            }
            GenerationOutcome::Failed(reason) => {
                tracing::info!(%generation, %reason, "generation failed");
            }
            GenerationOutcome::Skipped => tracing::debug!(%generation, "nothing to do"),
        }
        Ok(())
    }

    async fn exhausted(&self, job: RunGeneration, _run: JobRun, error: &DomainError) {
        if let Err(failure) = self.0.give_up(&job, error).await {
            tracing::error!(generation = %job.generation_job_id, %failure, "could not mark the generation failed");
        }
    }
}

/// Runs `calendar.extract_events`: read, find, check, propose.
pub struct ExtractEventsHandler(pub Arc<EventExtractionService>);

impl Handler<ExtractEvents> for ExtractEventsHandler {
    async fn run(&self, job: ExtractEvents, _run: JobRun) -> DomainResult<()> {
        let extraction = job.extraction_id;
        match self.0.run(&job).await? {
            ExtractionOutcome::Completed { proposals, dropped } => {
                tracing::info!(%extraction, proposals, dropped, "events extracted");
            }
            ExtractionOutcome::Failed(reason) => {
                tracing::info!(%extraction, %reason, "event extraction failed");
            }
            ExtractionOutcome::Skipped => tracing::debug!(%extraction, "nothing to do"),
        }
        Ok(())
    }

    async fn exhausted(&self, job: ExtractEvents, _run: JobRun, error: &DomainError) {
        if let Err(failure) = self.0.give_up(&job, error).await {
            tracing::error!(extraction = %job.extraction_id, %failure, "could not mark the extraction failed");
        }
    }
}
