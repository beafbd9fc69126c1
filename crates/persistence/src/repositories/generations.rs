//! Generation jobs on PostgreSQL: the student's view of a generation running in the background,
//! what it made, and the tokens models spent for each student per day.
//!
//! A generation ends in one transaction: its row is locked while it is still unfinished, then
//! the result (with the same code as the result's own `create`), the student's notification and
//! the job's new state are written together. A run repeated after a crash finds the job
//! finished and writes nothing.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::{Link, Progress};
use sophie_domain::{
    CourseId, DocumentId, DomainError, DomainResult, GeneratedResult, GenerationFinish,
    GenerationJob, GenerationJobId, GenerationKind, GenerationRepository, JobStatus,
    NewGenerationJob, NewNotification, NoteId, Page, PageRequest, SortOrder, TokenUsage, UserId,
};
use uuid::Uuid;

use super::flashcards::SetInsert;
use super::notifications::insert_notification;
use super::quizzes::QuizInsert;
use super::study_guides::GuideInsert;
use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::json_columns::SettingsJson;
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgGenerationKind, PgJobStatus};
use crate::schema::{generation_jobs, token_usage};
use crate::store::PostgresStore;

const ENTITY: &str = "generation job";
const USAGE: &str = "token usage";

define_sql_function! {
    /// PostgreSQL's `GREATEST` of two integers.
    fn greatest(a: Integer, b: Integer) -> Integer;
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = generation_jobs, check_for_backend(diesel::pg::Pg))]
struct GenerationJobRow {
    id: Uuid,
    kind: PgGenerationKind,
    status: PgJobStatus,
    progress: i32,
    options: SettingsJson,
    error_message: Option<String>,
    model: Option<String>,
    prompt_tokens: i32,
    completion_tokens: i32,
    completed_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    flashcard_set_id: Option<Uuid>,
    quiz_id: Option<Uuid>,
    study_guide_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<GenerationJobRow> for GenerationJob {
    fn from(row: GenerationJobRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            kind: row.kind.into(),
            status: row.status.into(),
            progress: row.progress,
            course_id: row.course_id.map(CourseId::from),
            note_id: row.note_id.map(NoteId::from),
            document_id: row.document_id.map(DocumentId::from),
            settings: row.options.0,
            // At most one is set (generation_jobs_one_result_check).
            result_id: row.flashcard_set_id.or(row.quiz_id).or(row.study_guide_id),
            error_message: row.error_message,
            model: row.model,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = generation_jobs, treat_none_as_default_value = false)]
struct NewGenerationJobRow {
    id: Uuid,
    kind: PgGenerationKind,
    status: PgJobStatus,
    progress: i32,
    options: SettingsJson,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A job's completion: its state, the generator and what it cost, and the result's id in the
/// column of the result's kind (the other two written NULL).
#[derive(AsChangeset)]
#[diesel(table_name = generation_jobs, treat_none_as_null = true)]
struct Completion {
    status: PgJobStatus,
    progress: i32,
    model: String,
    prompt_tokens: i32,
    completion_tokens: i32,
    error_message: Option<String>,
    completed_at: DateTime<Utc>,
    flashcard_set_id: Option<Uuid>,
    quiz_id: Option<Uuid>,
    study_guide_id: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

/// Tokens as the job's `integer` columns hold them.
fn tokens(count: u32) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

/// `status = 'PENDING' OR status = 'PROCESSING'`, as [`unfinished`] builds it.
type Unfinished = diesel::dsl::Or<
    diesel::dsl::Eq<generation_jobs::status, PgJobStatus>,
    diesel::dsl::Eq<generation_jobs::status, PgJobStatus>,
>;

/// The jobs not finished yet: pending or processing.
fn unfinished() -> Unfinished {
    generation_jobs::status
        .eq(PgJobStatus(JobStatus::Pending))
        .or(generation_jobs::status.eq(PgJobStatus(JobStatus::Processing)))
}

/// Locks the user's job `id` while it is unfinished, until the transaction on `conn` ends;
/// its kind, or `None` when it is gone, another user's or finished.
async fn lock_unfinished(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: GenerationJobId,
) -> QueryResult<Option<GenerationKind>> {
    let kind = generation_jobs::table
        .filter(generation_jobs::id.eq(id.as_uuid()))
        .filter(generation_jobs::user_id.eq(user.as_uuid()))
        .filter(unfinished())
        .select(generation_jobs::kind)
        .for_update()
        .one::<PgGenerationKind>(conn)
        .await
        .optional()?;
    Ok(kind.map(GenerationKind::from))
}

/// Stores `result` for `user`, stamped `now`, on `conn` inside a transaction, with the code of
/// the result's own `create`; its id.
async fn insert_result(
    conn: &mut AsyncPgConnection,
    user: UserId,
    result: GeneratedResult,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    Ok(match result {
        GeneratedResult::Flashcards(new) => {
            let made = SetInsert::new(user, new, now)?.run(conn).await?;
            made.set.id.as_uuid()
        }
        GeneratedResult::Quiz(new) => {
            let made = QuizInsert::new(user, new, now)?.run(conn).await?;
            made.quiz.id.as_uuid()
        }
        GeneratedResult::StudyGuide(new) => {
            let made = GuideInsert::new(user, new, now).run(conn).await?;
            made.id.as_uuid()
        }
    })
}

#[async_trait]
impl GenerationRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewGenerationJob) -> DomainResult<GenerationJob> {
        let now = self.clock.now();
        let links = new.source.links();
        let row = NewGenerationJobRow {
            id: GenerationJobId::new().as_uuid(),
            kind: new.kind.into(),
            status: PgJobStatus(JobStatus::Pending),
            progress: 0,
            options: SettingsJson(new.settings),
            user_id: user.as_uuid(),
            course_id: links.course_id.map(Uuid::from),
            note_id: links.note_id.map(Uuid::from),
            document_id: links.document_id.map(Uuid::from),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, links).await?;
                Ok(diesel::insert_into(generation_jobs::table)
                    .values(&row)
                    .returning(GenerationJobRow::as_returning())
                    .one(conn)
                    .await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(row.into())
    }

    async fn get(&self, user: UserId, id: GenerationJobId) -> DomainResult<GenerationJob> {
        self.db
            .read(ENTITY, async |conn| {
                generation_jobs::table
                    .filter(generation_jobs::id.eq(id.as_uuid()))
                    .filter(generation_jobs::user_id.eq(user.as_uuid()))
                    .select(GenerationJobRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(GenerationJob::from)
    }

    async fn delete(&self, user: UserId, id: GenerationJobId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            generation_jobs::table
                .filter(generation_jobs::id.eq(id.as_uuid()))
                .filter(generation_jobs::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<GenerationJob>> {
        let query = || {
            let mut query = generation_jobs::table
                .filter(generation_jobs::user_id.eq(user.as_uuid()))
                .select(GenerationJobRow::as_select())
                .order((
                    generation_jobs::created_at.desc(),
                    generation_jobs::id.desc(),
                ))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "generation_jobs.created_at",
                    "generation_jobs.id",
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
            rows.into_iter().map(GenerationJob::from).collect(),
            page,
            |j| (j.created_at, j.id.as_uuid()),
        ))
    }

    async fn advance(
        &self,
        user: UserId,
        id: GenerationJobId,
        progress: Progress,
    ) -> DomainResult<Option<GenerationJob>> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        // One statement: the row's lock keeps a concurrent finish either before it (then
        // nothing matches) or after it.
        let row = diesel::update(
            generation_jobs::table
                .filter(generation_jobs::id.eq(id.as_uuid()))
                .filter(generation_jobs::user_id.eq(user.as_uuid()))
                .filter(unfinished()),
        )
        .set((
            generation_jobs::status.eq(PgJobStatus(JobStatus::Processing)),
            generation_jobs::progress.eq(greatest(generation_jobs::progress, progress.get_i32())),
            generation_jobs::updated_at.eq(now),
        ))
        .returning(GenerationJobRow::as_returning())
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(row.map(GenerationJob::from))
    }

    async fn finish(
        &self,
        user: UserId,
        id: GenerationJobId,
        finish: GenerationFinish,
    ) -> DomainResult<Option<GenerationJob>> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let Some(kind) = lock_unfinished(conn, user, id).await? else {
                    return Ok(None);
                };
                let made = finish.result.kind();
                if made != kind {
                    return Err(DomainError::internal(format!(
                        "a {kind} generation cannot finish with a {made}"
                    ))
                    .into());
                }
                let result_id = insert_result(conn, user, finish.result, now).await?;
                let link = Link::parse(kind.result_path(result_id))
                    .map_err(|e| DomainError::internal(format!("a result link: {}", e.0)))?;
                let notice = NewNotification {
                    link: Some(link),
                    ..finish.notice
                };
                insert_notification(conn, user, notice, now).await?;
                // The result's id, in the column of its kind.
                let made_of = |column: GenerationKind| (column == kind).then_some(result_id);
                let completion = Completion {
                    status: PgJobStatus(JobStatus::Completed),
                    progress: 100,
                    model: finish.model,
                    prompt_tokens: tokens(finish.usage.prompt_tokens),
                    completion_tokens: tokens(finish.usage.completion_tokens),
                    error_message: None,
                    completed_at: now,
                    flashcard_set_id: made_of(GenerationKind::Flashcards),
                    quiz_id: made_of(GenerationKind::Quiz),
                    study_guide_id: made_of(GenerationKind::StudyGuide),
                    updated_at: now,
                };
                let row = diesel::update(
                    generation_jobs::table
                        .filter(generation_jobs::id.eq(id.as_uuid()))
                        .filter(generation_jobs::user_id.eq(user.as_uuid())),
                )
                .set(&completion)
                .returning(GenerationJobRow::as_returning())
                .one(conn)
                .await?;
                Ok(Some(row))
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(row.map(GenerationJob::from))
    }

    async fn fail(
        &self,
        user: UserId,
        id: GenerationJobId,
        reason: String,
        notice: NewNotification,
    ) -> DomainResult<Option<GenerationJob>> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                if lock_unfinished(conn, user, id).await?.is_none() {
                    return Ok(None);
                }
                insert_notification(conn, user, notice, now).await?;
                let row = diesel::update(
                    generation_jobs::table
                        .filter(generation_jobs::id.eq(id.as_uuid()))
                        .filter(generation_jobs::user_id.eq(user.as_uuid())),
                )
                .set((
                    generation_jobs::status.eq(PgJobStatus(JobStatus::Failed)),
                    generation_jobs::error_message.eq(Some(reason)),
                    generation_jobs::completed_at.eq(Some(now)),
                    generation_jobs::updated_at.eq(now),
                ))
                .returning(GenerationJobRow::as_returning())
                .one(conn)
                .await?;
                Ok(Some(row))
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(row.map(GenerationJob::from))
    }

    async fn record_usage(
        &self,
        user: UserId,
        day: NaiveDate,
        usage: TokenUsage,
    ) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // One statement, whoever else adds to the same day at the same time.
        diesel::insert_into(token_usage::table)
            .values((
                token_usage::user_id.eq(user.as_uuid()),
                token_usage::day.eq(day),
                token_usage::prompt_tokens.eq(i64::from(usage.prompt_tokens)),
                token_usage::completion_tokens.eq(i64::from(usage.completion_tokens)),
            ))
            .on_conflict((token_usage::user_id, token_usage::day))
            .do_update()
            .set((
                token_usage::prompt_tokens
                    .eq(token_usage::prompt_tokens + excluded(token_usage::prompt_tokens)),
                token_usage::completion_tokens
                    .eq(token_usage::completion_tokens + excluded(token_usage::completion_tokens)),
            ))
            .execute(&mut conn)
            .await
            .map_err(|e| from_diesel(USAGE, e))?;
        Ok(())
    }

    async fn usage_on(&self, user: UserId, day: NaiveDate) -> DomainResult<u64> {
        let total: Option<i64> = self
            .db
            .read(USAGE, async |conn| {
                token_usage::table
                    .filter(token_usage::user_id.eq(user.as_uuid()))
                    .filter(token_usage::day.eq(day))
                    .select(token_usage::prompt_tokens + token_usage::completion_tokens)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(total.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }

    async fn stranded(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, GenerationJobId)>> {
        // The partial index `generation_jobs_unfinished_idx` serves it.
        let rows: Vec<(Uuid, Uuid)> = self
            .db
            .read(ENTITY, async |conn| {
                generation_jobs::table
                    .filter(unfinished())
                    .filter(generation_jobs::updated_at.lt(before))
                    .order((generation_jobs::updated_at, generation_jobs::id))
                    .limit(i64::from(limit))
                    .select((generation_jobs::user_id, generation_jobs::id))
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
