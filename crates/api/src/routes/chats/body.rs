//! The request bodies and the query string of `/api/v1/chat-sessions`, with their conversions
//! into domain commands and filters.

use serde::Deserialize;
use sophie_domain::services::chat::{Exchange, UNTITLED_CHAT};
use sophie_domain::values::{MessageText, Title};
use sophie_domain::{
    ChatMessage, ChatSession, ChatSessionFilter, ChatSessionUpdate, CourseId, DocumentId,
    NewChatSession,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::Fields;

/// A new chat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateChatSession {
    /// Its title, 1 to 200 characters; left out, the chat is `New chat` until its first
    /// question names it.
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    /// The course it is about; must be the student's.
    course_id: Option<Uuid>,
}

impl CreateChatSession {
    pub(super) fn into_domain(self) -> ApiResult<NewChatSession> {
        let mut fields = Fields::new();
        let title = fields.check(
            "title",
            Title::parse(self.title.unwrap_or_else(|| UNTITLED_CHAT.to_owned())),
        );
        let course_id = Some(self.course_id.map(CourseId::from_uuid));
        Ok(all_valid!(fields, (title, course_id) => NewChatSession { title, course_id }))
    }
}

/// Changes to a chat: fields left out stay; `courseId: null` unfiles it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateChatSession {
    /// A new title, 1 to 200 characters.
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    /// Another course of the student's, or `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    course_id: Option<Option<Uuid>>,
}

impl UpdateChatSession {
    pub(super) fn into_domain(self) -> ApiResult<ChatSessionUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let course_id = Some(self.course_id.map(|id| id.map(CourseId::from_uuid)));
        Ok(all_valid!(fields, (title, course_id) => ChatSessionUpdate { title, course_id }))
    }
}

/// A message from the student.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateChatMessage {
    /// The question, 1 to 32,000 characters.
    #[schema(value_type = MessageText, inline)]
    content: String,
    /// Answer from these documents of the student's only (at most 10); by default from the
    /// chat's course, or from all the student's material when the chat has none.
    #[schema(max_items = 10)]
    document_ids: Option<Vec<DocumentId>>,
}

/// The most documents one question may be limited to.
const MAX_DOCUMENTS: usize = 10;

impl CreateChatMessage {
    pub(super) fn into_domain(self) -> ApiResult<(MessageText, Vec<DocumentId>)> {
        let mut fields = Fields::new();
        let content = fields.check("content", MessageText::parse(self.content));
        let mut documents = self.document_ids.unwrap_or_default();
        documents.sort();
        documents.dedup();
        let documents = fields.check(
            "documentIds",
            if documents.len() > MAX_DOCUMENTS {
                Err(sophie_domain::InvalidValue(format!(
                    "at most {MAX_DOCUMENTS} documents"
                )))
            } else {
                Ok(documents)
            },
        );
        Ok(all_valid!(fields, (content, documents) => (content, documents)))
    }
}

/// A question and its answer, as stored.
#[derive(Debug, serde::Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChatExchange {
    /// The chat, titled from its first question when it had no title.
    chat_session: ChatSession,
    /// The student's message.
    question: ChatMessage,
    /// The assistant's answer: it cites its references inline as `[1]`, `[2]`, ... (the
    /// position in `references`), each quoting the student's material verbatim.
    answer: ChatMessage,
}

impl From<Exchange> for ChatExchange {
    fn from(exchange: Exchange) -> Self {
        Self {
            chat_session: exchange.session,
            question: exchange.question,
            answer: exchange.answer,
        }
    }
}

/// Narrows the list of chats.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `ApiQuery` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ChatSessionQuery {
    /// Only chats about this course.
    course_id: Option<Uuid>,
}

impl ChatSessionQuery {
    pub(super) fn to_filter(&self) -> ChatSessionFilter {
        ChatSessionFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
        }
    }
}
