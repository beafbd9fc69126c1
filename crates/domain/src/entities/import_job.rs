use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ImportedDecks;
use crate::enums::{ImportSource, JobStatus};
use crate::id::{DocumentId, ImportJobId, NoteId, UserId};
use crate::values::{Progress, Title, WebUrl};

/// The student's view of an import running in the background: a lecture recording, a
/// YouTube video, a file or a web page becoming a note (or a document), or a flashcard
/// package becoming sets.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportJob {
    /// The job's id.
    pub id: ImportJobId,
    /// Its owner.
    pub user_id: UserId,
    /// The note it produced; at most one job per note.
    pub note_id: Option<NoteId>,
    /// The document it produced; at most one job per document.
    pub document_id: Option<DocumentId>,
    /// What is imported.
    pub source: ImportSource,
    /// The URL imported from.
    pub source_url: Option<String>,
    /// A title for what is imported.
    pub title: Option<String>,
    /// Its state.
    pub status: JobStatus,
    /// Its progress, 0 to 100.
    pub progress: i32,
    /// Why it failed.
    pub error_message: Option<String>,
    /// What a completed `DECK` import came to; `None` for the other sources.
    pub result: Option<ImportedDecks>,
    /// When it finished.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was started.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Starts an [`ImportJob`], pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewImportJob {
    /// What is imported.
    pub source: ImportSource,
    /// The URL to import from.
    pub source_url: Option<WebUrl>,
    /// A title for what is imported.
    pub title: Option<Title>,
    /// An uploaded document to import from; must be the user's and not claimed by another job.
    pub document_id: Option<DocumentId>,
}

/// Records an [`ImportJob`]'s progress, as the worker goes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportJobUpdate {
    /// A new state.
    pub status: Option<JobStatus>,
    /// New progress.
    pub progress: Option<Progress>,
    /// A new title, or `Some(None)` to clear it.
    pub title: Option<Option<Title>>,
    /// Why it failed, or `Some(None)` to clear it.
    pub error_message: Option<Option<String>>,
    /// When it finished, or `Some(None)` to clear it.
    pub completed_at: Option<Option<DateTime<Utc>>>,
    /// The note it produced (must be the user's and not claimed by another job).
    pub note_id: Option<Option<NoteId>>,
    /// The document it produced (must be the user's and not claimed by another job).
    pub document_id: Option<Option<DocumentId>>,
    /// What a `DECK` import came to.
    pub result: Option<ImportedDecks>,
}

impl ImportJobUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.progress.is_none()
            && self.title.is_none()
            && self.error_message.is_none()
            && self.completed_at.is_none()
            && self.note_id.is_none()
            && self.document_id.is_none()
            && self.result.is_none()
    }
}

/// Narrows a list of import jobs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportJobFilter {
    /// Only jobs in this state.
    pub status: Option<JobStatus>,
}
