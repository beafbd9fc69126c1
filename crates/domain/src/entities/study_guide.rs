use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::links::{SourceLinks, SourceLinksUpdate};
use crate::id::{CourseId, DocumentId, NoteId, StudyGuideId, UserId};
use crate::values::{Markdown, Title};

/// A study guide: Markdown made from notes or documents, editable by the student.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StudyGuide {
    /// The guide's id.
    pub id: StudyGuideId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it is filed under.
    pub course_id: Option<CourseId>,
    /// The note it was made from.
    pub note_id: Option<NoteId>,
    /// The document it was made from.
    pub document_id: Option<DocumentId>,
    /// Its title.
    pub title: String,
    /// Its Markdown body.
    pub content: String,
    /// What it rests on, when it was generated: quotes of the student's material, each naming the
    /// section it supports.
    #[serde(default)]
    pub sources: Vec<super::SourceQuote>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl StudyGuide {
    /// The links to the material it belongs to.
    #[must_use]
    pub const fn links(&self) -> SourceLinks {
        SourceLinks {
            course_id: self.course_id,
            note_id: self.note_id,
            document_id: self.document_id,
        }
    }
}

/// Creates a [`StudyGuide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewStudyGuide {
    /// Its title.
    pub title: Title,
    /// Its Markdown body.
    pub content: Markdown,
    /// The material it belongs to; each id must be the user's.
    pub links: SourceLinks,
    /// What it rests on (generated items; empty for hand-written ones).
    pub sources: Vec<super::SourceQuote>,
}

/// Changes a [`StudyGuide`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudyGuideUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new body.
    pub content: Option<Markdown>,
    /// New links; each new id must be the user's.
    pub links: SourceLinksUpdate,
}

impl StudyGuideUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none() && self.content.is_none() && self.links.is_empty()
    }
}

/// Narrows a list of study guides. Filters combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudyGuideFilter {
    /// Only guides filed under this course.
    pub course_id: Option<CourseId>,
    /// Only guides made from this note.
    pub note_id: Option<NoteId>,
    /// Only guides made from this document.
    pub document_id: Option<DocumentId>,
}
