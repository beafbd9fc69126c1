use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::NoteSource;
use crate::id::{CourseId, NoteId, UserId};
use crate::values::{DurationSeconds, Markdown, Tags, Title, WebUrl};

/// A note: Markdown the student wrote, or the text of an imported lecture.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// The note's id.
    pub id: NoteId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it is filed under.
    pub course_id: Option<CourseId>,
    /// Its title.
    pub title: String,
    /// Its Markdown body; may be empty.
    pub content: String,
    /// The transcription it was made from (audio and video imports).
    pub transcription: Option<String>,
    /// A summary.
    pub summary: Option<String>,
    /// Where its content came from.
    pub source: NoteSource,
    /// The URL it was imported from.
    pub source_url: Option<String>,
    /// The length of the recording, in seconds.
    pub duration_seconds: Option<i32>,
    /// Its tags.
    pub tags: Vec<String>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`Note`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNote {
    /// The course to file it under; must be the user's.
    pub course_id: Option<CourseId>,
    /// Its title.
    pub title: Title,
    /// Its Markdown body.
    pub content: Markdown,
    /// A transcription.
    pub transcription: Option<Markdown>,
    /// A summary.
    pub summary: Option<Markdown>,
    /// Where it came from; `MANUAL` for typed notes.
    pub source: NoteSource,
    /// The URL it was imported from.
    pub source_url: Option<WebUrl>,
    /// The length of the recording.
    pub duration_seconds: Option<DurationSeconds>,
    /// Its tags.
    pub tags: Tags,
}

impl NewNote {
    /// A typed note with a title and a body, and nothing else.
    #[must_use]
    pub fn manual(title: Title, content: Markdown) -> Self {
        Self {
            course_id: None,
            title,
            content,
            transcription: None,
            summary: None,
            source: NoteSource::Manual,
            source_url: None,
            duration_seconds: None,
            tags: Tags::default(),
        }
    }
}

/// Changes a [`Note`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteUpdate {
    /// A new course (must be the user's), or `Some(None)` to unfile.
    pub course_id: Option<Option<CourseId>>,
    /// A new title.
    pub title: Option<Title>,
    /// A new body.
    pub content: Option<Markdown>,
    /// A new transcription, or `Some(None)` to clear it.
    pub transcription: Option<Option<Markdown>>,
    /// A new summary, or `Some(None)` to clear it.
    pub summary: Option<Option<Markdown>>,
    /// New tags (replacing the old ones).
    pub tags: Option<Tags>,
}

impl NoteUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.course_id.is_none()
            && self.title.is_none()
            && self.content.is_none()
            && self.transcription.is_none()
            && self.summary.is_none()
            && self.tags.is_none()
    }
}

/// Narrows a list of notes. Filters combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoteFilter {
    /// Only notes filed under this course.
    pub course_id: Option<CourseId>,
    /// Only notes carrying this tag (exact match).
    pub tag: Option<String>,
    /// Only notes from this source.
    pub source: Option<NoteSource>,
}
