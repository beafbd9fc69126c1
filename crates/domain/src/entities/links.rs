use serde::{Deserialize, Serialize};

use crate::id::{CourseId, DocumentId, NoteId};

/// The material a piece of content belongs to or was made from. Every id must be the acting
/// user's own (see [`crate::rules::ownership`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceLinks {
    /// The course it is filed under.
    pub course_id: Option<CourseId>,
    /// The note it was made from.
    pub note_id: Option<NoteId>,
    /// The document it was made from.
    pub document_id: Option<DocumentId>,
}

impl SourceLinks {
    /// Whether it links to nothing.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.course_id.is_none() && self.note_id.is_none() && self.document_id.is_none()
    }
}

/// Changes to [`SourceLinks`]: `None` keeps a link, `Some(None)` removes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceLinksUpdate {
    /// The new course, or `Some(None)` to unfile.
    pub course_id: Option<Option<CourseId>>,
    /// The new source note, or `Some(None)` to unlink.
    pub note_id: Option<Option<NoteId>>,
    /// The new source document, or `Some(None)` to unlink.
    pub document_id: Option<Option<DocumentId>>,
}

impl SourceLinksUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.course_id.is_none() && self.note_id.is_none() && self.document_id.is_none()
    }

    /// The links as they are after applying this update to `current`.
    #[must_use]
    pub fn applied_to(&self, current: SourceLinks) -> SourceLinks {
        SourceLinks {
            course_id: self.course_id.unwrap_or(current.course_id),
            note_id: self.note_id.unwrap_or(current.note_id),
            document_id: self.document_id.unwrap_or(current.document_id),
        }
    }

    /// Only the links this update sets to a value: those that must be checked for ownership.
    #[must_use]
    pub fn new_targets(&self) -> SourceLinks {
        SourceLinks {
            course_id: self.course_id.flatten(),
            note_id: self.note_id.flatten(),
            document_id: self.document_id.flatten(),
        }
    }
}
