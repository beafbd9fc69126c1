use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::DocumentStatus;
use crate::id::{CourseId, DocumentId, UserId};
use crate::values::{FileSize, Markdown, PageCount, ShortText, Title};

/// An uploaded file (a PDF, slides, a syllabus). Its bytes live in the blob store under
/// `storage_key`; its text, once processed, in the search index.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// The document's id.
    pub id: DocumentId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it is filed under.
    pub course_id: Option<CourseId>,
    /// Its title.
    pub title: String,
    /// The name of the uploaded file.
    pub file_name: String,
    /// The file's media type.
    pub mime_type: String,
    /// The file's size in bytes.
    pub file_size: i64,
    /// Where the bytes are in the blob store; unique.
    pub storage_key: String,
    /// The SHA-256 of the bytes, hex.
    pub checksum_sha256: String,
    /// How far processing has got.
    pub status: DocumentStatus,
    /// The number of pages, once known.
    pub page_count: Option<i32>,
    /// Why processing failed.
    pub error_message: Option<String>,
    /// A summary of its text, once asked for.
    pub summary: Option<String>,
    /// When it was uploaded.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`Document`] record for bytes already stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDocument {
    /// The course to file it under; must be the user's.
    pub course_id: Option<CourseId>,
    /// Its title.
    pub title: Title,
    /// The uploaded file's name.
    pub file_name: ShortText,
    /// Its media type.
    pub mime_type: ShortText,
    /// Its size in bytes.
    pub file_size: FileSize,
    /// Where the bytes are; unique.
    pub storage_key: String,
    /// The SHA-256 of the bytes, hex.
    pub checksum_sha256: String,
}

/// Changes a [`Document`]: renaming and filing by its owner, processing state by the worker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new course (must be the user's), or `Some(None)` to unfile.
    pub course_id: Option<Option<CourseId>>,
    /// A new processing state.
    pub status: Option<DocumentStatus>,
    /// The page count, or `Some(None)` to clear it.
    pub page_count: Option<Option<PageCount>>,
    /// Why processing failed, or `Some(None)` to clear it.
    pub error_message: Option<Option<String>>,
    /// A new summary, or `Some(None)` to clear it.
    pub summary: Option<Option<Markdown>>,
}

impl DocumentUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.course_id.is_none()
            && self.status.is_none()
            && self.page_count.is_none()
            && self.error_message.is_none()
            && self.summary.is_none()
    }
}

/// Narrows a list of documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    /// Only documents filed under this course.
    pub course_id: Option<CourseId>,
    /// Only documents in this state.
    pub status: Option<DocumentStatus>,
}
