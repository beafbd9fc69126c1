//! Typed background jobs: what the services enqueue and the worker runs.
//!
//! A job type is a serde payload with a [`Job::KIND`]; [`Job::to_new_job`] turns it into the
//! queue's row, and [`decode`] turns a claimed row back into it. The worker keeps a table from
//! kind to handler, so an unknown kind or a payload that does not decode fails that job with
//! the reason, and nothing else.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::entities::{BackgroundJob, NewBackgroundJob};
use crate::error::{DomainError, DomainResult};
use crate::id::{
    CalendarEventId, CourseId, DocumentId, GenerationJobId, ImportJobId, NoteId, UserId,
};
use crate::ports::AudioFormat;

/// A kind of background work with a typed payload.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The queue's name for this kind of job (`document.process`).
    const KIND: &'static str;
    /// How many starts a job of this kind gets before it fails for good.
    const MAX_ATTEMPTS: i32 = 5;
    /// Higher runs first.
    const PRIORITY: i32 = 0;

    /// While a job with this key is unfinished, enqueueing another returns it instead.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// Whether a run that failed with `error` may succeed if tried again: by default, when
    /// something the job needs was unavailable or broke inside (a timeout, a dropped
    /// connection), not when the input itself is wrong.
    fn is_retryable(error: &DomainError) -> bool {
        matches!(
            error,
            DomainError::Unavailable { .. } | DomainError::Internal { .. }
        )
    }

    /// The queue row that runs this job now.
    ///
    /// # Errors
    ///
    /// `Internal` when the payload cannot be written as JSON.
    fn to_new_job(&self) -> DomainResult<NewBackgroundJob> {
        let payload = serde_json::to_value(self).map_err(|error| {
            DomainError::internal(format!("cannot encode a {} job: {error}", Self::KIND))
        })?;
        Ok(NewBackgroundJob {
            priority: Self::PRIORITY,
            max_attempts: Self::MAX_ATTEMPTS,
            unique_key: self.unique_key(),
            ..NewBackgroundJob::new(Self::KIND, payload)
        })
    }
}

/// Why a claimed job could not be read as the job its kind names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The row is of another kind.
    #[error("the job is of kind `{found}`, not `{expected}`")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The row's kind.
        found: String,
    },
    /// The payload does not match the kind's payload type.
    #[error("the payload of this `{kind}` job does not decode: {reason}")]
    BadPayload {
        /// The kind.
        kind: &'static str,
        /// What serde said.
        reason: String,
    },
}

/// Reads a claimed row as the job `J`.
///
/// # Errors
///
/// [`DecodeError`] when the row is of another kind or its payload does not decode.
pub fn decode<J: Job>(row: &BackgroundJob) -> Result<J, DecodeError> {
    if row.kind != J::KIND {
        return Err(DecodeError::WrongKind {
            expected: J::KIND,
            found: row.kind.clone(),
        });
    }
    J::deserialize(&row.payload).map_err(|error| DecodeError::BadPayload {
        kind: J::KIND,
        reason: error.to_string(),
    })
}

/// Extracts, chunks, embeds and indexes an uploaded document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessDocument {
    /// The document's owner.
    pub user_id: UserId,
    /// The document.
    pub document_id: DocumentId,
}

impl Job for ProcessDocument {
    const KIND: &'static str = "document.process";

    fn unique_key(&self) -> Option<String> {
        Some(format!("document.process:{}", self.document_id))
    }
}

/// Enqueues processing for documents left `PENDING` or `PROCESSING` with no job to finish
/// them (the enqueue failed after the upload, or the last attempt's worker died).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequeueStrandedDocuments {}

impl Job for RequeueStrandedDocuments {
    const KIND: &'static str = "documents.requeue_stranded";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

/// Embeds a document's chunks again with the current embedding model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReembedDocument {
    /// The document's owner.
    pub user_id: UserId,
    /// The document.
    pub document_id: DocumentId,
}

impl Job for ReembedDocument {
    const KIND: &'static str = "document.reembed";
    /// Below uploads: a student waiting for a new document goes first.
    const PRIORITY: i32 = -1;

    fn unique_key(&self) -> Option<String> {
        Some(format!("document.reembed:{}", self.document_id))
    }
}

/// Finds documents whose chunks another embedding model made, and enqueues
/// [`ReembedDocument`] for each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReembedStale {}

impl Job for ReembedStale {
    const KIND: &'static str = "documents.reembed_stale";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

/// Runs an import: fetches, extracts or transcribes, and makes the note or document.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunImport {
    /// The import's owner.
    pub user_id: UserId,
    /// The import.
    pub import_job_id: ImportJobId,
    /// The course the note is filed under.
    pub course_id: Option<CourseId>,
    /// An uploaded recording's blob key, for an audio import.
    pub blob_key: Option<String>,
    /// An uploaded recording's format, for an audio import.
    pub audio_format: Option<AudioFormat>,
}

impl Job for RunImport {
    const KIND: &'static str = "import.run";

    fn unique_key(&self) -> Option<String> {
        Some(format!("import.run:{}", self.import_job_id))
    }
}

/// Cuts a note into chunks and embeds them again with the current model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReindexNote {
    /// The note's owner.
    pub user_id: UserId,
    /// The note.
    pub note_id: NoteId,
}

impl Job for ReindexNote {
    const KIND: &'static str = "note.reindex";
    /// Below imports: a student waiting for a new import goes first.
    const PRIORITY: i32 = -1;

    fn unique_key(&self) -> Option<String> {
        Some(format!("note.reindex:{}", self.note_id))
    }
}

/// Sends the reminders of a calendar event that are due at `at`, and schedules its next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemindEvent {
    /// The event's owner.
    pub user_id: UserId,
    /// The event.
    pub event_id: CalendarEventId,
    /// When its reminder is due (the job's `run_at`).
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Job for RemindEvent {
    const KIND: &'static str = "calendar.remind";
    /// Above imports: a reminder is due at its minute.
    const PRIORITY: i32 = 1;

    /// One job per event and instant: an event changed twice before its reminder has one.
    fn unique_key(&self) -> Option<String> {
        Some(format!(
            "calendar.remind:{}:{}",
            self.event_id,
            self.at.timestamp()
        ))
    }
}

/// Fetches a calendar subscription again and brings its events in step with the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshCalendar {
    /// The subscription's owner.
    pub user_id: UserId,
    /// The subscription.
    pub subscription_id: crate::id::CalendarSubscriptionId,
}

impl Job for RefreshCalendar {
    const KIND: &'static str = "calendar.refresh";
    /// Below a student's own imports and documents.
    const PRIORITY: i32 = -1;

    /// One pending fetch per subscription.
    fn unique_key(&self) -> Option<String> {
        Some(format!("calendar.refresh:{}", self.subscription_id))
    }
}

/// Reads a document or a note for dated items, ending its
/// [`EventExtraction`](crate::EventExtraction) with proposals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractEvents {
    /// The extraction's owner.
    pub user_id: UserId,
    /// The extraction.
    pub extraction_id: crate::id::EventExtractionId,
}

impl Job for ExtractEvents {
    const KIND: &'static str = "calendar.extract_events";

    fn unique_key(&self) -> Option<String> {
        Some(format!("calendar.extract_events:{}", self.extraction_id))
    }
}

/// Sends the calendar subscriptions due to be fetched again, one job each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RefreshDueCalendars {}

impl Job for RefreshDueCalendars {
    const KIND: &'static str = "calendar.refresh_due";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

/// Removes expired sessions and verification tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PurgeExpiredCredentials {}

impl Job for PurgeExpiredCredentials {
    const KIND: &'static str = "credentials.purge_expired";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::JobStatus;
    use chrono::Utc;

    fn row(kind: &str, payload: serde_json::Value) -> BackgroundJob {
        let now = Utc::now();
        BackgroundJob {
            id: crate::id::BackgroundJobId::new(),
            kind: kind.to_owned(),
            payload,
            status: JobStatus::Processing,
            priority: 0,
            attempts: 1,
            max_attempts: 5,
            run_at: now,
            locked_by: None,
            locked_until: None,
            last_error: None,
            unique_key: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_job_round_trips_through_its_row() {
        let job = ProcessDocument {
            user_id: UserId::new(),
            document_id: DocumentId::new(),
        };
        let new = job.to_new_job().unwrap();
        assert_eq!(new.kind, "document.process");
        assert_eq!(
            new.unique_key,
            Some(format!("document.process:{}", job.document_id))
        );
        assert_eq!(
            decode::<ProcessDocument>(&row(&new.kind, new.payload)),
            Ok(job)
        );
    }

    #[test]
    fn a_row_of_another_kind_or_shape_does_not_decode() {
        let wrong = decode::<ProcessDocument>(&row("other", serde_json::json!({})));
        assert!(matches!(wrong, Err(DecodeError::WrongKind { .. })));
        let bad = decode::<ProcessDocument>(&row(
            ProcessDocument::KIND,
            serde_json::json!({"userId": 7}),
        ));
        let Err(DecodeError::BadPayload { reason, .. }) = bad else {
            panic!("expected a bad payload, got {bad:?}");
        };
        assert!(reason.contains("invalid type"), "{reason}");
    }

    #[test]
    fn unavailable_is_retryable_and_bad_input_is_not() {
        assert!(ProcessDocument::is_retryable(&DomainError::Unavailable {
            service: "embeddings",
            message: "timed out".into(),
        }));
        assert!(!ProcessDocument::is_retryable(&DomainError::not_found(
            "document"
        )));
    }
}

/// Runs a generation: gathers the material, drafts, checks and stores the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunGeneration {
    /// The generation's owner.
    pub user_id: UserId,
    /// The generation.
    pub generation_job_id: GenerationJobId,
}

impl Job for RunGeneration {
    const KIND: &'static str = "generation.run";

    fn unique_key(&self) -> Option<String> {
        Some(format!("generation.run:{}", self.generation_job_id))
    }
}

/// Enqueues a [`RunGeneration`] again for generations left `PENDING` or `PROCESSING` with no
/// run to finish them (the process died between recording the generation and enqueueing its
/// run, or while giving up its last attempt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequeueStrandedGenerations {}

impl Job for RequeueStrandedGenerations {
    const KIND: &'static str = "generations.requeue_stranded";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

/// Fits the FSRS-6 parameters to a student's own reviews and keeps them in their settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OptimizeReviewParameters {
    /// The student.
    pub user_id: UserId,
}

impl Job for OptimizeReviewParameters {
    const KIND: &'static str = "reviews.optimize";
    const MAX_ATTEMPTS: i32 = 3;

    fn unique_key(&self) -> Option<String> {
        Some(format!("reviews.optimize:{}", self.user_id))
    }
}

/// Brings a student's calendar in step with their Google calendar: pulls the changes made
/// there, then pushes sophie's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncCalendar {
    /// The student.
    pub user_id: UserId,
}

impl SyncCalendar {
    /// The key that coalesces runs: while one is waiting or running, changes add no other.
    #[must_use]
    pub fn key(user: UserId) -> String {
        format!("{}:{user}", Self::KIND)
    }
}

impl Job for SyncCalendar {
    const KIND: &'static str = "calendar.sync";
    const MAX_ATTEMPTS: i32 = 8;
    /// Below a student's own imports and documents.
    const PRIORITY: i32 = -1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::key(self.user_id))
    }

    /// Also when Google asks to slow down (`429`, `403 rateLimitExceeded`): the worker's
    /// backoff grows with each attempt. A missing permission or a calendar gone is not.
    fn is_retryable(error: &DomainError) -> bool {
        matches!(
            error,
            DomainError::Unavailable { .. }
                | DomainError::Internal { .. }
                | DomainError::RateLimited { .. }
        )
    }
}

/// Sends the calendar syncs due for their periodic run, one [`SyncCalendar`] each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncDueCalendars {}

impl Job for SyncDueCalendars {
    const KIND: &'static str = "calendar.sync_due";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}
