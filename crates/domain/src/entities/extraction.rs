use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{EventType, JobStatus};
use crate::id::{CalendarEventId, DocumentId, EventExtractionId, NoteId, ProposalId, UserId};
use crate::values::{Locale, TimeZone};

/// What an extraction reads: a document or a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractionSource {
    /// A processed (`READY`) document, read page by page.
    Document(DocumentId),
    /// A note, read as one page.
    Note(NoteId),
}

/// Where in its source a proposal was found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalSource {
    /// The page, counted from 1, when the source has pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number: Option<u32>,
    /// The line it was found in, as it stands in the source.
    pub quote: String,
}

/// A dated item found in a syllabus, proposed as a calendar event until the student accepts
/// it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventProposal {
    /// The proposal's id, named when accepting it.
    pub id: ProposalId,
    /// What it is called (`Homework 3 due`).
    pub title: String,
    /// Its kind; breaks and holidays are `OTHER`.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it starts; midnight in `timeZone` for an all-day item.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub start: DateTime<Utc>,
    /// When it ends, if the source says; for an all-day item, the midnight after its last day.
    #[serde(default, serialize_with = "crate::timestamp::serialize_option")]
    pub end: Option<DateTime<Utc>>,
    /// Whether it takes whole days (the source gives no time of day).
    pub all_day: bool,
    /// The IANA zone its times were read in.
    pub time_zone: String,
    /// Where it happens, if the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Where it was found.
    pub source: ProposalSource,
    /// The calendar event it became (or an event an earlier extraction made of the same
    /// item): accepting it again makes nothing new.
    #[serde(default)]
    pub event_id: Option<CalendarEventId>,
}

/// An extraction of dated items from a document or a note, run in the background: the
/// student polls it, then accepts all or some of its proposals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventExtraction {
    /// Its id.
    pub id: EventExtractionId,
    /// Its owner.
    pub user_id: UserId,
    /// The document read, when it is a document.
    pub document_id: Option<DocumentId>,
    /// The note read, when it is a note.
    pub note_id: Option<NoteId>,
    /// Its state: `PENDING`, `PROCESSING`, then `COMPLETED` or `FAILED`.
    pub status: JobStatus,
    /// Its progress, 0 to 100.
    pub progress: i32,
    /// The IANA zone the source's times are read in.
    pub time_zone: String,
    /// The locale that orders day and month in numeric dates the source leaves ambiguous.
    pub locale: String,
    /// What was found, in the order of the source (empty until `COMPLETED`).
    pub proposals: Vec<EventProposal>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// The extractor that read it (`offline`, or the model's name).
    pub model: Option<String>,
    /// When it ended.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was asked for.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl EventExtraction {
    /// What it reads.
    #[must_use]
    pub const fn source(&self) -> Option<ExtractionSource> {
        match (self.document_id, self.note_id) {
            (Some(id), _) => Some(ExtractionSource::Document(id)),
            (None, Some(id)) => Some(ExtractionSource::Note(id)),
            (None, None) => None,
        }
    }
}

/// Asks for an [`EventExtraction`], pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEventExtraction {
    /// What to read; must be the user's.
    pub source: ExtractionSource,
    /// The zone of the source's times.
    pub time_zone: TimeZone,
    /// The order of day and month where the source leaves it open.
    pub locale: Locale,
}

/// How an extraction ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtractionEnd {
    /// `COMPLETED` with these proposals, by this extractor.
    Completed {
        /// What was found.
        proposals: Vec<EventProposal>,
        /// The extractor's name.
        model: String,
    },
    /// `FAILED`, for this reason.
    Failed(String),
}
