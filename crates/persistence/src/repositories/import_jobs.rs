//! Import jobs on PostgreSQL: the student's view of background imports.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::{Progress, Title, WebUrl};
use sophie_domain::{
    DocumentId, DomainError, DomainResult, ImportJob, ImportJobFilter, ImportJobId,
    ImportJobRepository, ImportJobUpdate, ImportedDecks, JobStatus, NewImportJob, NoteId, Page,
    PageRequest, SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgImportSource, PgJobStatus};
use crate::schema::import_jobs;
use crate::store::PostgresStore;

const ENTITY: &str = "import job";

#[derive(Queryable, Selectable)]
#[diesel(table_name = import_jobs, check_for_backend(diesel::pg::Pg))]
struct ImportJobRow {
    id: Uuid,
    source: PgImportSource,
    source_url: Option<String>,
    title: Option<String>,
    status: PgJobStatus,
    progress: i32,
    error_message: Option<String>,
    completed_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    result: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ImportJobRow> for ImportJob {
    fn from(row: ImportJobRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            note_id: row.note_id.map(NoteId::from),
            document_id: row.document_id.map(DocumentId::from),
            source: row.source.into(),
            source_url: row.source_url,
            title: row.title,
            status: row.status.into(),
            progress: row.progress,
            error_message: row.error_message,
            result: result_from_json(row.id, row.result),
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = import_jobs, treat_none_as_default_value = false)]
struct NewImportJobRow {
    id: Uuid,
    source: PgImportSource,
    source_url: Option<String>,
    title: Option<String>,
    status: PgJobStatus,
    progress: i32,
    user_id: Uuid,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = import_jobs)]
struct ImportJobChanges {
    status: Option<PgJobStatus>,
    progress: Option<i32>,
    title: Option<Option<String>>,
    error_message: Option<Option<String>>,
    completed_at: Option<Option<DateTime<Utc>>>,
    note_id: Option<Option<Uuid>>,
    document_id: Option<Option<Uuid>>,
    result: Option<serde_json::Value>,
    updated_at: DateTime<Utc>,
}

/// Reads the `result` column back. A value that does not read as a result (written by
/// another program) is logged and read as none, so one odd row does not hide the import.
fn result_from_json(id: Uuid, value: Option<serde_json::Value>) -> Option<ImportedDecks> {
    match serde_json::from_value(value?) {
        Ok(result) => Some(result),
        Err(error) => {
            tracing::warn!(import_id = %id, %error, "unreadable import result; read as none");
            None
        }
    }
}

/// [`StoreError::into_domain`], with the schema's one-job-per-note and one-job-per-document
/// rules told in the domain's words.
fn import_error(error: StoreError) -> DomainError {
    with_target_messages(error.into_domain(ENTITY))
}

fn with_target_messages(error: DomainError) -> DomainError {
    match error {
        DomainError::Conflict {
            field: Some(field), ..
        } if field == "noteId" => {
            DomainError::conflict("noteId", "another import already produced this note")
        }
        DomainError::Conflict {
            field: Some(field), ..
        } if field == "documentId" => {
            DomainError::conflict("documentId", "another import already has this document")
        }
        other => other,
    }
}

/// Whether the import `id` is `user`'s.
async fn is_users_job(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: ImportJobId,
) -> Result<bool, StoreError> {
    Ok(diesel::select(exists(
        import_jobs::table
            .filter(import_jobs::id.eq(id.as_uuid()))
            .filter(import_jobs::user_id.eq(user.as_uuid())),
    ))
    .one(conn)
    .await?)
}

impl PostgresStore {
    /// Updates the user's import on `conn`, checking new links are the user's (run it in a
    /// transaction when there are any).
    async fn update_in(
        &self,
        conn: &mut AsyncPgConnection,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> Result<ImportJobRow, StoreError> {
        // Only new links need checking; `Some(None)` unlinks.
        let links = SourceLinks {
            course_id: None,
            note_id: update.note_id.flatten(),
            document_id: update.document_id.flatten(),
        };
        let changes = ImportJobChanges {
            status: update.status.map(PgJobStatus),
            progress: update.progress.map(|p| p.get_i32()),
            title: update.title.map(|v| v.map(Title::into_inner)),
            error_message: update.error_message,
            completed_at: update.completed_at.map(|v| v.map(|at| at.trunc_subsecs(6))),
            note_id: update.note_id.map(|v| v.map(Uuid::from)),
            document_id: update.document_id.map(|v| v.map(Uuid::from)),
            result: update
                .result
                .map(|result| {
                    serde_json::to_value(result).map_err(|e| {
                        DomainError::internal_from("cannot encode an import's result", e)
                    })
                })
                .transpose()?,
            updated_at: self.clock.now(),
        };
        if (links.note_id.is_some() || links.document_id.is_some())
            && let Err(error) = ensure_links_owned(conn, user, links).await
        {
            // A job that is not the user's is the answer before a foreign link.
            if matches!(error, StoreError::Domain(_)) && !is_users_job(conn, user, id).await? {
                return Err(DomainError::not_found(ENTITY).into());
            }
            return Err(error);
        }
        Ok(diesel::update(
            import_jobs::table
                .filter(import_jobs::id.eq(id.as_uuid()))
                .filter(import_jobs::user_id.eq(user.as_uuid())),
        )
        .set(changes)
        .returning(ImportJobRow::as_returning())
        .one(conn)
        .await?)
    }
}

#[async_trait]
impl ImportJobRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewImportJob) -> DomainResult<ImportJob> {
        let now = self.clock.now();
        let document_id = new.document_id;
        let row = NewImportJobRow {
            id: ImportJobId::new().as_uuid(),
            source: new.source.into(),
            source_url: new.source_url.map(WebUrl::into_inner),
            title: new.title.map(Title::into_inner),
            status: PgJobStatus(JobStatus::Pending),
            progress: 0,
            user_id: user.as_uuid(),
            document_id: document_id.map(Uuid::from),
            created_at: now,
            updated_at: now,
        };
        let insert = diesel::insert_into(import_jobs::table)
            .values(row)
            .returning(ImportJobRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if document_id.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(
                    conn,
                    user,
                    SourceLinks {
                        course_id: None,
                        note_id: None,
                        document_id,
                    },
                )
                .await?;
                Ok(insert.one(conn).await?)
            })
            .await
        } else {
            insert.one(&mut conn).await.map_err(StoreError::from)
        }
        .map_err(import_error)?;
        Ok(ImportJob::from(row))
    }

    async fn get(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        self.db
            .read(ENTITY, async |conn| {
                import_jobs::table
                    .filter(import_jobs::id.eq(id.as_uuid()))
                    .filter(import_jobs::user_id.eq(user.as_uuid()))
                    .select(ImportJobRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(ImportJob::from)
    }

    async fn list(
        &self,
        user: UserId,
        filter: ImportJobFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ImportJob>> {
        let query = || {
            let mut query = import_jobs::table
                .filter(import_jobs::user_id.eq(user.as_uuid()))
                .select(ImportJobRow::as_select())
                .order((import_jobs::created_at.desc(), import_jobs::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(status) = filter.status {
                query = query.filter(import_jobs::status.eq(PgJobStatus(status)));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "import_jobs.created_at",
                    "import_jobs.id",
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
            rows.into_iter().map(ImportJob::from).collect(),
            page,
            |j| (j.created_at, j.id.as_uuid()),
        ))
    }

    async fn update(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        let mut conn = self.db.conn().await?;
        let links = update.note_id.flatten().is_some() || update.document_id.flatten().is_some();
        let row = if links {
            conn.transaction::<_, StoreError, _>(async |conn| {
                self.update_in(conn, user, id, update).await
            })
            .await
        } else {
            self.update_in(&mut conn, user, id, update).await
        }
        .map_err(|e| with_target_messages(e.into_domain(ENTITY)))?;
        Ok(ImportJob::from(row))
    }

    async fn advance(
        &self,
        user: UserId,
        id: ImportJobId,
        mut update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        // The row is locked, checked unfinished and its progress read, then updated, in one
        // transaction: a cancellation waits for it or wins before it.
        let mut conn = self.db.conn().await?;
        let row: Option<ImportJobRow> = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let current = import_jobs::table
                    .filter(import_jobs::id.eq(id.as_uuid()))
                    .filter(import_jobs::user_id.eq(user.as_uuid()))
                    .select((import_jobs::status, import_jobs::progress))
                    .for_update()
                    .one::<(PgJobStatus, i32)>(conn)
                    .await
                    .optional()?;
                let Some((PgJobStatus(status), progress)) = current else {
                    return Ok(None);
                };
                if status.is_finished() {
                    return Err(
                        DomainError::conflict("status", "the import has already finished").into(),
                    );
                }
                if let Some(new) = update.progress
                    && new.get_i32() < progress
                {
                    update.progress = Progress::new(i64::from(progress)).ok();
                }
                Ok(Some(self.update_in(conn, user, id, update).await?))
            })
            .await
            .map_err(|e| with_target_messages(e.into_domain(ENTITY)))?;
        row.map(ImportJob::from)
            .ok_or_else(|| DomainError::not_found(ENTITY))
    }

    async fn cancel(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        let cancelled = diesel::update(
            import_jobs::table
                .filter(import_jobs::id.eq(id.as_uuid()))
                .filter(import_jobs::user_id.eq(user.as_uuid()))
                // Not finished yet: PENDING or PROCESSING.
                .filter(
                    import_jobs::status
                        .eq(PgJobStatus(JobStatus::Pending))
                        .or(import_jobs::status.eq(PgJobStatus(JobStatus::Processing))),
                ),
        )
        .set((
            import_jobs::status.eq(PgJobStatus(JobStatus::Cancelled)),
            import_jobs::completed_at.eq(Some(now)),
            import_jobs::updated_at.eq(now),
        ))
        .returning(ImportJobRow::as_returning())
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel(ENTITY, e))?;
        if let Some(row) = cancelled {
            return Ok(ImportJob::from(row));
        }
        // Nothing changed: tell a finished job from one that is not the user's.
        if is_users_job(&mut conn, user, id)
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        {
            Err(DomainError::conflict(
                "status",
                "the import has already finished",
            ))
        } else {
            Err(DomainError::not_found(ENTITY))
        }
    }

    async fn delete(&self, user: UserId, id: ImportJobId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            import_jobs::table
                .filter(import_jobs::id.eq(id.as_uuid()))
                .filter(import_jobs::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }
}
