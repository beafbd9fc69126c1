//! Chats on PostgreSQL: sessions, and their messages reached through the session's owner.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::{
    ChatMessage, ChatMessageId, ChatReference, ChatRepository, ChatSession, ChatSessionFilter,
    ChatSessionId, ChatSessionUpdate, CourseId, DomainError, DomainResult, NewChatMessage,
    NewChatSession, Page, PageRequest, SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::PgMessageType;
use crate::schema::sql_types::MessageType as SqlMessageType;
use crate::schema::{chat_messages, chat_sessions};
use crate::store::PostgresStore;

const ENTITY: &str = "chat session";

#[derive(Queryable, Selectable)]
#[diesel(table_name = chat_sessions, check_for_backend(diesel::pg::Pg))]
struct SessionRow {
    id: Uuid,
    title: String,
    course_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SessionRow> for ChatSession {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(CourseId::from),
            title: row.title,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = chat_sessions, treat_none_as_default_value = false)]
struct NewSessionRow {
    id: Uuid,
    title: String,
    course_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = chat_sessions)]
struct SessionChanges {
    title: Option<String>,
    course_id: Option<Option<Uuid>>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = chat_messages, check_for_backend(diesel::pg::Pg))]
struct MessageRow {
    id: Uuid,
    content: String,
    message_type: PgMessageType,
    references: Option<serde_json::Value>,
    chat_session_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> Self {
        Self {
            references: references_from_json(row.id, row.references),
            id: row.id.into(),
            chat_session_id: row.chat_session_id.into(),
            content: row.content,
            message_type: row.message_type.into(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The stored form of a message's references: a JSON array, or NULL when there are none.
fn references_to_json(references: &[ChatReference]) -> DomainResult<Option<serde_json::Value>> {
    if references.is_empty() {
        return Ok(None);
    }
    serde_json::to_value(references)
        .map(Some)
        .map_err(|e| DomainError::internal_from("cannot encode a chat message's references", e))
}

/// Reads the `references` column back: NULL is none. A value sophie did not write (seed data
/// holding the array as a JSON string is accepted too) that does not read as references is
/// logged and read as none, so one odd row does not make the whole chat unreadable.
fn references_from_json(id: Uuid, value: Option<serde_json::Value>) -> Vec<ChatReference> {
    let value = match value {
        None | Some(serde_json::Value::Null) => return Vec::new(),
        Some(serde_json::Value::String(text)) => serde_json::from_str(&text),
        Some(value) => serde_json::from_value(value),
    };
    value.unwrap_or_else(|error| {
        tracing::warn!(message_id = %id, %error, "unreadable chat message references; read as none");
        Vec::new()
    })
}

const fn course_link(course_id: Option<CourseId>) -> SourceLinks {
    SourceLinks {
        course_id,
        note_id: None,
        document_id: None,
    }
}

/// Whether the chat `id` is `user`'s (checked only on a failure path).
async fn is_users_session(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: ChatSessionId,
) -> QueryResult<bool> {
    diesel::select(exists(
        chat_sessions::table
            .filter(chat_sessions::id.eq(id.as_uuid()))
            .filter(chat_sessions::user_id.eq(user.as_uuid())),
    ))
    .one(conn)
    .await
}

#[async_trait]
impl ChatRepository for PostgresStore {
    async fn create_session(&self, user: UserId, new: NewChatSession) -> DomainResult<ChatSession> {
        let now = self.clock.now();
        let course_id = new.course_id;
        let row = NewSessionRow {
            id: ChatSessionId::new().as_uuid(),
            title: new.title.into_inner(),
            course_id: course_id.map(Uuid::from),
            user_id: user.as_uuid(),
            created_at: now,
            updated_at: now,
        };
        let insert = diesel::insert_into(chat_sessions::table)
            .values(row)
            .returning(SessionRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if course_id.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, course_link(course_id)).await?;
                Ok(insert.one(conn).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        } else {
            insert
                .one(&mut conn)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        };
        Ok(ChatSession::from(row))
    }

    async fn get_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<ChatSession> {
        self.db
            .read(ENTITY, async |conn| {
                chat_sessions::table
                    .filter(chat_sessions::id.eq(id.as_uuid()))
                    .filter(chat_sessions::user_id.eq(user.as_uuid()))
                    .select(SessionRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(ChatSession::from)
    }

    async fn list_sessions(
        &self,
        user: UserId,
        filter: ChatSessionFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ChatSession>> {
        let query = || {
            let mut query = chat_sessions::table
                .filter(chat_sessions::user_id.eq(user.as_uuid()))
                .select(SessionRow::as_select())
                .order((chat_sessions::created_at.desc(), chat_sessions::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(course_id) = filter.course_id {
                query = query.filter(chat_sessions::course_id.eq(course_id.as_uuid()));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "chat_sessions.created_at",
                    "chat_sessions.id",
                    SortOrder::NewestFirst,
                    cursor,
                ));
            }
            query
        };
        let rows = self
            .db
            .read(ENTITY, async |conn| query().load(conn).await)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(ChatSession::from).collect(),
            page,
            |s| (s.created_at, s.id.as_uuid()),
        ))
    }

    async fn update_session(
        &self,
        user: UserId,
        id: ChatSessionId,
        update: ChatSessionUpdate,
    ) -> DomainResult<ChatSession> {
        // Only a new course needs checking; `Some(None)` unfiles.
        let new_course = update.course_id.flatten();
        let changes = SessionChanges {
            title: update.title.map(|t| t.into_inner()),
            course_id: update.course_id.map(|v| v.map(Uuid::from)),
            updated_at: self.clock.now(),
        };
        let statement = diesel::update(
            chat_sessions::table
                .filter(chat_sessions::id.eq(id.as_uuid()))
                .filter(chat_sessions::user_id.eq(user.as_uuid())),
        )
        .set(changes)
        .returning(SessionRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if new_course.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                if let Err(error) = ensure_links_owned(conn, user, course_link(new_course)).await {
                    // A chat that is not the user's is the answer before a foreign course.
                    if matches!(error, StoreError::Domain(_))
                        && !is_users_session(conn, user, id).await?
                    {
                        return Err(DomainError::not_found(ENTITY).into());
                    }
                    return Err(error);
                }
                Ok(statement.one(conn).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        } else {
            statement
                .one(&mut conn)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        };
        Ok(ChatSession::from(row))
    }

    async fn delete_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // The messages go with it: ON DELETE CASCADE.
        let deleted = diesel::delete(
            chat_sessions::table
                .filter(chat_sessions::id.eq(id.as_uuid()))
                .filter(chat_sessions::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn add_message(
        &self,
        user: UserId,
        session: ChatSessionId,
        new: NewChatMessage,
    ) -> DomainResult<ChatMessage> {
        let now = self.clock.now();
        let references = references_to_json(&new.references)?;
        // One statement: `INSERT INTO chat_messages (...) SELECT $id, ..., chat_sessions.id,
        // ... FROM chat_sessions WHERE id = $session AND user_id = $user`. No row is inserted
        // (and `NotFound` answers) unless the chat is the user's.
        let source = chat_sessions::table
            .filter(chat_sessions::id.eq(session.as_uuid()))
            .filter(chat_sessions::user_id.eq(user.as_uuid()))
            .select((
                ChatMessageId::new()
                    .as_uuid()
                    .into_sql::<diesel::sql_types::Uuid>(),
                new.content.into_inner().into_sql::<Text>(),
                PgMessageType(new.message_type).into_sql::<SqlMessageType>(),
                references.into_sql::<Nullable<Jsonb>>(),
                chat_sessions::id,
                now.into_sql::<Timestamptz>(),
                now.into_sql::<Timestamptz>(),
            ));
        let mut conn = self.db.conn().await?;
        diesel::insert_into(chat_messages::table)
            .values(source)
            .into_columns((
                chat_messages::id,
                chat_messages::content,
                chat_messages::message_type,
                chat_messages::references,
                chat_messages::chat_session_id,
                chat_messages::created_at,
                chat_messages::updated_at,
            ))
            .returning(MessageRow::as_returning())
            .one(&mut conn)
            .await
            .map(ChatMessage::from)
            .map_err(|e| match e {
                // The chat was deleted between the select and the foreign-key check.
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                    _,
                ) => DomainError::not_found(ENTITY),
                other => from_diesel(ENTITY, other),
            })
    }

    async fn recent_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        let rows: Vec<MessageRow> = self
            .db
            .read(ENTITY, async |conn| {
                if !is_users_session(conn, user, session).await? {
                    return Err(diesel::result::Error::NotFound);
                }
                chat_messages::table
                    .filter(chat_messages::chat_session_id.eq(session.as_uuid()))
                    .select(MessageRow::as_select())
                    .order((chat_messages::created_at.desc(), chat_messages::id.desc()))
                    .limit(i64::from(limit))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().rev().map(ChatMessage::from).collect())
    }

    async fn list_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        page: PageRequest,
    ) -> DomainResult<Page<ChatMessage>> {
        let query = || {
            let mut query = chat_messages::table
                .filter(chat_messages::chat_session_id.eq(session.as_uuid()))
                .select(MessageRow::as_select())
                .order((chat_messages::created_at.asc(), chat_messages::id.asc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "chat_messages.created_at",
                    "chat_messages.id",
                    SortOrder::OldestFirst,
                    cursor,
                ));
            }
            query
        };
        // The chat is checked first, so that an empty page of a chat that is not the user's
        // answers `NotFound`; chats never change owner, so the answer holds for the read that
        // follows.
        let rows = self
            .db
            .read(ENTITY, async |conn| {
                if !is_users_session(conn, user, session).await? {
                    return Err(diesel::result::Error::NotFound);
                }
                query().load(conn).await
            })
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(ChatMessage::from).collect(),
            page,
            |m| (m.created_at, m.id.as_uuid()),
        ))
    }
}
