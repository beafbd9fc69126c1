//! Document records on PostgreSQL (their bytes are in the blob store).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::{Markdown, PageCount};
use sophie_domain::{
    CourseId, Document, DocumentFilter, DocumentId, DocumentRepository, DocumentStatus,
    DocumentUpdate, DomainError, DomainResult, JobStatus, NewDocument, Page, PageRequest,
    SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgDocumentStatus, PgJobStatus};
use crate::schema::{documents, import_jobs};
use crate::store::PostgresStore;

const ENTITY: &str = "document";

#[derive(Queryable, Selectable)]
#[diesel(table_name = documents, check_for_backend(diesel::pg::Pg))]
struct DocumentRow {
    id: Uuid,
    title: String,
    file_name: String,
    mime_type: String,
    file_size: i64,
    storage_key: String,
    checksum_sha256: String,
    status: PgDocumentStatus,
    page_count: Option<i32>,
    error_message: Option<String>,
    summary: Option<String>,
    course_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<DocumentRow> for Document {
    fn from(row: DocumentRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(CourseId::from),
            title: row.title,
            file_name: row.file_name,
            mime_type: row.mime_type,
            file_size: row.file_size,
            storage_key: row.storage_key,
            checksum_sha256: row.checksum_sha256,
            status: row.status.into(),
            page_count: row.page_count,
            error_message: row.error_message,
            summary: row.summary,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = documents, treat_none_as_default_value = false)]
struct NewDocumentRow {
    id: Uuid,
    title: String,
    file_name: String,
    mime_type: String,
    file_size: i64,
    storage_key: String,
    checksum_sha256: String,
    status: PgDocumentStatus,
    course_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = documents)]
struct DocumentChanges {
    title: Option<String>,
    course_id: Option<Option<Uuid>>,
    status: Option<PgDocumentStatus>,
    page_count: Option<Option<i32>>,
    error_message: Option<Option<String>>,
    summary: Option<Option<String>>,
    updated_at: DateTime<Utc>,
}

const fn course_link(course_id: Option<CourseId>) -> SourceLinks {
    SourceLinks {
        course_id,
        note_id: None,
        document_id: None,
    }
}

/// Whether `id` is one of `user`'s documents.
async fn is_users_document(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: DocumentId,
) -> Result<bool, StoreError> {
    Ok(diesel::select(exists(
        documents::table
            .filter(documents::id.eq(id.as_uuid()))
            .filter(documents::user_id.eq(user.as_uuid())),
    ))
    .one(conn)
    .await?)
}

#[async_trait]
impl DocumentRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewDocument) -> DomainResult<Document> {
        let now = self.clock.now();
        let course_id = new.course_id;
        let row = NewDocumentRow {
            id: DocumentId::new().as_uuid(),
            title: new.title.into_inner(),
            file_name: new.file_name.into_inner(),
            mime_type: new.mime_type.into_inner(),
            file_size: new.file_size.get(),
            storage_key: new.storage_key,
            checksum_sha256: new.checksum_sha256,
            status: PgDocumentStatus(DocumentStatus::Pending),
            course_id: course_id.map(Uuid::from),
            user_id: user.as_uuid(),
            created_at: now,
            updated_at: now,
        };
        let insert = diesel::insert_into(documents::table)
            .values(row)
            .returning(DocumentRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if course_id.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, course_link(course_id)).await?;
                Ok(insert.one(conn).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        } else {
            // Nothing to check: one statement, no transaction.
            insert
                .one(&mut conn)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        };
        Ok(Document::from(row))
    }

    async fn get(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        self.db
            .read(ENTITY, async |conn| {
                documents::table
                    .filter(documents::id.eq(id.as_uuid()))
                    .filter(documents::user_id.eq(user.as_uuid()))
                    .select(DocumentRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(Document::from)
    }

    async fn list(
        &self,
        user: UserId,
        filter: DocumentFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Document>> {
        let query = || {
            let mut query = documents::table
                .filter(documents::user_id.eq(user.as_uuid()))
                .select(DocumentRow::as_select())
                .order((documents::created_at.desc(), documents::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(course_id) = filter.course_id {
                query = query.filter(documents::course_id.eq(course_id.as_uuid()));
            }
            if let Some(status) = filter.status {
                query = query.filter(documents::status.eq(PgDocumentStatus(status)));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "documents.created_at",
                    "documents.id",
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
            rows.into_iter().map(Document::from).collect(),
            page,
            |d| (d.created_at, d.id.as_uuid()),
        ))
    }

    async fn update(
        &self,
        user: UserId,
        id: DocumentId,
        update: DocumentUpdate,
    ) -> DomainResult<Document> {
        // Only a new course needs checking; `Some(None)` unfiles.
        let new_course = update.course_id.flatten();
        let changes = DocumentChanges {
            title: update.title.map(|t| t.into_inner()),
            course_id: update.course_id.map(|v| v.map(Uuid::from)),
            status: update.status.map(PgDocumentStatus),
            page_count: update.page_count.map(|v| v.map(PageCount::get_i32)),
            error_message: update.error_message,
            summary: update.summary.map(|v| v.map(Markdown::into_inner)),
            updated_at: self.clock.now(),
        };
        let statement = diesel::update(
            documents::table
                .filter(documents::id.eq(id.as_uuid()))
                .filter(documents::user_id.eq(user.as_uuid())),
        )
        .set(changes)
        .returning(DocumentRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if new_course.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                if let Err(error) = ensure_links_owned(conn, user, course_link(new_course)).await {
                    // A document that is not the user's is the answer before a foreign course
                    // (checked only on this failure path, so a success costs nothing more).
                    if matches!(error, StoreError::Domain(_))
                        && !is_users_document(conn, user, id).await?
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
        Ok(Document::from(row))
    }

    async fn delete(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        let mut conn = self.db.conn().await?;
        // One statement: the search chunks go by ON DELETE CASCADE, and material made from
        // the document is unlinked by ON DELETE SET NULL.
        diesel::delete(
            documents::table
                .filter(documents::id.eq(id.as_uuid()))
                .filter(documents::user_id.eq(user.as_uuid())),
        )
        .returning(DocumentRow::as_returning())
        .one(&mut conn)
        .await
        .map(Document::from)
        .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn stranded(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>> {
        // The partial index `documents_unfinished_idx` serves it.
        let rows: Vec<(Uuid, Uuid)> = self
            .db
            .read(ENTITY, async |conn| {
                documents::table
                    .filter(
                        documents::status
                            .eq(PgDocumentStatus(DocumentStatus::Pending))
                            .or(documents::status.eq(PgDocumentStatus(DocumentStatus::Processing))),
                    )
                    .filter(documents::updated_at.lt(before))
                    // A document an unfinished import links is that import's to process.
                    .filter(diesel::dsl::not(exists(
                        import_jobs::table
                            .filter(import_jobs::document_id.eq(documents::id.nullable()))
                            .filter(
                                import_jobs::status
                                    .eq(PgJobStatus(JobStatus::Pending))
                                    .or(import_jobs::status.eq(PgJobStatus(JobStatus::Processing))),
                            ),
                    )))
                    .order((documents::updated_at, documents::id))
                    .limit(i64::from(limit))
                    .select((documents::user_id, documents::id))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(user, id)| (user.into(), id.into()))
            .collect())
    }
}
