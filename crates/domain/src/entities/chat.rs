use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::search::SourceKind;
use crate::enums::MessageType;
use crate::id::{ChatMessageId, ChatSessionId, CourseId, UserId};
use crate::values::{MessageText, Title};

/// A conversation with the assistant, optionally about one course.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSession {
    /// The session's id.
    pub id: ChatSessionId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it is about.
    pub course_id: Option<CourseId>,
    /// Its title.
    pub title: String,
    /// When it was started.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Where an assistant's answer took something from: a note, a flashcard, or a passage of a
/// document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatReference {
    /// What kind of source it is.
    pub kind: SourceKind,
    /// The id of the note, flashcard or document.
    pub id: Uuid,
    /// The source's title, as shown to the student.
    pub title: String,
    /// The passage used.
    pub snippet: Option<String>,
    /// The page of the document, when known.
    pub page_number: Option<i32>,
    /// The document quoted, for an answer's citation of a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<crate::id::DocumentId>,
    /// The note quoted, for an answer's citation of a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<crate::id::NoteId>,
    /// The document's chunk quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_id: Option<crate::id::DocumentChunkId>,
    /// The words of the source the answer rests on, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// One message of a chat.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// The message's id.
    pub id: ChatMessageId,
    /// The chat it belongs to.
    pub chat_session_id: ChatSessionId,
    /// Its text.
    pub content: String,
    /// Who wrote it.
    pub message_type: MessageType,
    /// The sources an assistant's answer cites; empty for the student's messages.
    pub references: Vec<ChatReference>,
    /// When it was sent.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Starts a [`ChatSession`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewChatSession {
    /// Its title.
    pub title: Title,
    /// The course it is about; must be the user's.
    pub course_id: Option<CourseId>,
}

/// Changes a [`ChatSession`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatSessionUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new course (must be the user's), or `Some(None)` for none.
    pub course_id: Option<Option<CourseId>>,
}

impl ChatSessionUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none() && self.course_id.is_none()
    }
}

/// Adds a [`ChatMessage`] to a chat.
#[derive(Clone, Debug, PartialEq)]
pub struct NewChatMessage {
    /// Its text.
    pub content: MessageText,
    /// Who wrote it.
    pub message_type: MessageType,
    /// The sources it cites.
    pub references: Vec<ChatReference>,
}

/// Narrows a list of chats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatSessionFilter {
    /// Only chats about this course.
    pub course_id: Option<CourseId>,
}
