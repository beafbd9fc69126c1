//! The durable job queue on PostgreSQL (`background_jobs`), claimed with
//! `FOR UPDATE SKIP LOCKED`.
//!
//! Every operation is one statement (enqueue adds a read when its key is taken, and the lease
//! checks add one on their failure path only), so any number of workers in any number of
//! processes can share the table: a claim locks the row it takes and skips rows other claims
//! hold, so no job is ever handed to two workers.
//!
//! Idle workers are woken by PostgreSQL's notifications: a trigger notifies channel
//! `sophie_jobs` when a job is inserted or becomes pending again, and the queue's
//! [`JobListener`] listens on a connection of its own.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use sophie_domain::{
    BackgroundJob, BackgroundJobId, Clock, DomainError, DomainResult, JobQueue, JobStatus,
    NewBackgroundJob, Rescued, SystemClock,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::from_diesel;
use crate::listener::JobListener;
use crate::pg_enums::PgJobStatus;
use crate::pool::Database;
use crate::schema::background_jobs;

const ENTITY: &str = "background job";

/// What a rescued job records as its last error.
const LEASE_EXPIRED: &str = "the worker's lease expired before the job finished";

/// How often enqueueing retries when the job holding its key finished in between the insert
/// and the read of that job.
const ENQUEUE_TRIES: usize = 3;

/// The columns every statement returns, in [`JobRow`]'s order.
const COLUMNS: &str = "id, kind, payload, status, priority, attempts, max_attempts, run_at, \
                       locked_by, locked_until, last_error, unique_key, created_at, updated_at";

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = background_jobs, check_for_backend(diesel::pg::Pg))]
struct JobRow {
    id: Uuid,
    kind: String,
    payload: serde_json::Value,
    status: PgJobStatus,
    priority: i32,
    attempts: i32,
    max_attempts: i32,
    run_at: DateTime<Utc>,
    locked_by: Option<String>,
    locked_until: Option<DateTime<Utc>>,
    last_error: Option<String>,
    unique_key: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<JobRow> for BackgroundJob {
    fn from(row: JobRow) -> Self {
        Self {
            id: row.id.into(),
            kind: row.kind,
            payload: row.payload,
            status: row.status.into(),
            priority: row.priority,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            run_at: row.run_at,
            locked_by: row.locked_by,
            locked_until: row.locked_until,
            last_error: row.last_error,
            unique_key: row.unique_key,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The [`JobQueue`] on PostgreSQL.
///
/// Rows are stamped with its [`Clock`], which also decides what is runnable (`run_at <=
/// now`) and when leases end, so a fixed clock in tests behaves as with the in-memory queue.
/// With several processes, their clocks should agree (NTP): leases are minutes long, not
/// milliseconds.
#[derive(Clone)]
pub struct PostgresJobQueue {
    db: Database,
    clock: Arc<dyn Clock>,
    /// Shared by the clones; started by the first [`JobQueue::wait_for_work`] or
    /// [`PostgresJobQueue::listen`].
    listener: Arc<JobListener>,
}

impl std::fmt::Debug for PostgresJobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJobQueue")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl PostgresJobQueue {
    /// A queue over `db`, on the system clock.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self::with_clock(db, Arc::new(SystemClock))
    }

    /// A queue over `db`, on `clock`.
    #[must_use]
    pub fn with_clock(db: Database, clock: Arc<dyn Clock>) -> Self {
        let listener = Arc::new(JobListener::new(db.url(), db.connect_timeout()));
        Self {
            db,
            clock,
            listener,
        }
    }

    /// Starts listening for new work (`LISTEN sophie_jobs` on a connection of its own, outside
    /// the pool), if not yet, and resolves once the listener listens. [`JobQueue::wait_for_work`]
    /// starts it too, without waiting; this is for callers that want wake-ups from the first
    /// job on. While the server cannot be reached it keeps trying, so bound the wait with a
    /// timeout when that matters.
    pub async fn listen(&self) {
        self.listener.start();
        self.listener.listening().await;
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    /// The error when `worker` does not hold job `id`: `NotFound` when there is no such job,
    /// otherwise a conflict on `lockedBy`. Only read on that failure path.
    async fn not_held(&self, id: BackgroundJobId) -> DomainError {
        let found = async {
            let mut conn = self.db.conn().await?;
            diesel::select(exists(
                background_jobs::table.filter(background_jobs::id.eq(id.as_uuid())),
            ))
            .one::<bool>(&mut conn)
            .await
            .map_err(|e| from_diesel(ENTITY, e))
        };
        match found.await {
            Ok(true) => DomainError::conflict("lockedBy", "the worker no longer holds this job"),
            Ok(false) => DomainError::not_found(ENTITY),
            Err(error) => error,
        }
    }
}

/// `now + lease`, saturating rather than failing on absurd leases.
fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    now.checked_add_signed(lease)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .trunc_subsecs(6)
}

#[async_trait]
impl JobQueue for PostgresJobQueue {
    async fn enqueue(&self, job: NewBackgroundJob) -> DomainResult<BackgroundJob> {
        if job.max_attempts < 1 {
            return Err(DomainError::validation("maxAttempts", "must be at least 1"));
        }
        let now = self.now();
        let run_at = job.run_at.map_or(now, |at| at.trunc_subsecs(6));
        // A key held by an unfinished job (the partial unique index) inserts nothing; the
        // conflict target names that index by its columns and predicate.
        let insert = format!(
            "INSERT INTO background_jobs \
               (id, kind, payload, status, priority, attempts, max_attempts, run_at, unique_key, \
                created_at, updated_at) \
             VALUES ($1, $2, $3, 'PENDING', $4, 0, $5, $6, $7, $8, $8) \
             ON CONFLICT (unique_key) WHERE status IN ('PENDING', 'PROCESSING') DO NOTHING \
             RETURNING {COLUMNS}"
        );
        let mut conn = self.db.conn().await?;
        for _ in 0..ENQUEUE_TRIES {
            let inserted: Option<JobRow> = diesel::sql_query(&insert)
                .bind::<diesel::sql_types::Uuid, _>(BackgroundJobId::new().as_uuid())
                .bind::<Text, _>(&job.kind)
                .bind::<Jsonb, _>(&job.payload)
                .bind::<Integer, _>(job.priority)
                .bind::<Integer, _>(job.max_attempts)
                .bind::<Timestamptz, _>(run_at)
                .bind::<Nullable<Text>, _>(job.unique_key.as_deref())
                .bind::<Timestamptz, _>(now)
                .one(&mut conn)
                .await
                .optional()
                .map_err(|e| from_diesel(ENTITY, e))?;
            if let Some(row) = inserted {
                return Ok(row.into());
            }
            let Some(key) = job.unique_key.as_deref() else {
                break;
            };
            let holder = background_jobs::table
                .filter(background_jobs::unique_key.eq(key))
                .filter(
                    background_jobs::status
                        .eq(PgJobStatus(JobStatus::Pending))
                        .or(background_jobs::status.eq(PgJobStatus(JobStatus::Processing))),
                )
                .select(JobRow::as_select())
                .limit(1)
                .one(&mut conn)
                .await
                .optional()
                .map_err(|e| from_diesel(ENTITY, e))?;
            if let Some(row) = holder {
                return Ok(row.into());
            }
            // The holder finished in between: the key is free again, insert anew.
        }
        Err(DomainError::conflict(
            "uniqueKey",
            "jobs with this key keep starting and finishing; try again",
        ))
    }

    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
    ) -> DomainResult<Option<BackgroundJob>> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let now = self.now();
        // One statement: the subquery picks and locks the best runnable row, skipping rows
        // other claims hold; the update takes it. `LEAST` keeps `attempts + 1` in range.
        let claim = format!(
            "UPDATE background_jobs \
             SET status = 'PROCESSING', locked_by = $1, locked_until = $2, \
                 attempts = LEAST(attempts, 2147483646) + 1, updated_at = $3 \
             WHERE id = ( \
                 SELECT id FROM background_jobs \
                 WHERE status = 'PENDING' AND run_at <= $3 AND kind = ANY($4) \
                 ORDER BY priority DESC, run_at, created_at, id \
                 LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        );
        let mut conn = self.db.conn().await?;
        let claimed: Option<JobRow> = diesel::sql_query(claim)
            .bind::<Text, _>(worker)
            .bind::<Timestamptz, _>(lease_end(now, lease))
            .bind::<Timestamptz, _>(now)
            .bind::<Array<Text>, _>(kinds)
            .one(&mut conn)
            .await
            .optional()
            .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(claimed.map(BackgroundJob::from))
    }

    async fn claim_batch(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
        limit: usize,
    ) -> DomainResult<Vec<BackgroundJob>> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        // As `claim`, for up to `limit` rows in one statement.
        let claim = format!(
            "UPDATE background_jobs \
             SET status = 'PROCESSING', locked_by = $1, locked_until = $2, \
                 attempts = LEAST(attempts, 2147483646) + 1, updated_at = $3 \
             WHERE id IN ( \
                 SELECT id FROM background_jobs \
                 WHERE status = 'PENDING' AND run_at <= $3 AND kind = ANY($4) \
                 ORDER BY priority DESC, run_at, created_at, id \
                 LIMIT $5 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        );
        let mut conn = self.db.conn().await?;
        let mut claimed: Vec<JobRow> = diesel::sql_query(claim)
            .bind::<Text, _>(worker)
            .bind::<Timestamptz, _>(lease_end(now, lease))
            .bind::<Timestamptz, _>(now)
            .bind::<Array<Text>, _>(kinds)
            .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
            .load(&mut conn)
            .await
            .map_err(|e| from_diesel(ENTITY, e))?;
        // RETURNING keeps no order: hand them out as `claim` would have, one by one.
        claimed.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| (a.run_at, a.created_at, a.id).cmp(&(b.run_at, b.created_at, b.id)))
        });
        Ok(claimed.into_iter().map(BackgroundJob::from).collect())
    }

    async fn heartbeat(
        &self,
        id: BackgroundJobId,
        worker: String,
        lease: Duration,
    ) -> DomainResult<()> {
        let now = self.now();
        let mut conn = self.db.conn().await?;
        let renewed = diesel::update(
            background_jobs::table
                .filter(background_jobs::id.eq(id.as_uuid()))
                .filter(background_jobs::locked_by.eq(&worker))
                .filter(background_jobs::status.eq(PgJobStatus(JobStatus::Processing))),
        )
        .set((
            background_jobs::locked_until.eq(lease_end(now, lease)),
            background_jobs::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        drop(conn);
        if renewed == 0 {
            return Err(self.not_held(id).await);
        }
        Ok(())
    }

    async fn complete(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        let now = self.now();
        let mut conn = self.db.conn().await?;
        let completed = diesel::update(
            background_jobs::table
                .filter(background_jobs::id.eq(id.as_uuid()))
                .filter(background_jobs::locked_by.eq(&worker))
                .filter(background_jobs::status.eq(PgJobStatus(JobStatus::Processing))),
        )
        .set((
            background_jobs::status.eq(PgJobStatus(JobStatus::Completed)),
            background_jobs::locked_by.eq(None::<String>),
            background_jobs::locked_until.eq(None::<DateTime<Utc>>),
            background_jobs::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        drop(conn);
        if completed == 0 {
            return Err(self.not_held(id).await);
        }
        Ok(())
    }

    async fn complete_batch(
        &self,
        ids: Vec<BackgroundJobId>,
        worker: String,
    ) -> DomainResult<Vec<BackgroundJobId>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(QueryableByName)]
        struct Completed {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: Uuid,
        }
        let now = self.now();
        let ids: Vec<Uuid> = ids.into_iter().map(|id| id.as_uuid()).collect();
        let mut conn = self.db.conn().await?;
        let completed: Vec<Completed> = diesel::sql_query(
            "UPDATE background_jobs \
             SET status = 'COMPLETED', locked_by = NULL, locked_until = NULL, updated_at = $3 \
             WHERE id = ANY($1) AND locked_by = $2 AND status = 'PROCESSING' \
             RETURNING id",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
        .bind::<Text, _>(worker)
        .bind::<Timestamptz, _>(now)
        .load(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(completed.into_iter().map(|row| row.id.into()).collect())
    }

    async fn fail(
        &self,
        id: BackgroundJobId,
        worker: String,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    ) -> DomainResult<BackgroundJob> {
        let now = self.now();
        // Back to PENDING at `retry_at` while attempts are left and a retry time is given,
        // otherwise FAILED; the lease ends either way.
        let fail = format!(
            "UPDATE background_jobs \
             SET status = CASE WHEN $4::timestamptz IS NOT NULL AND attempts < max_attempts \
                               THEN 'PENDING'::job_status ELSE 'FAILED'::job_status END, \
                 run_at = CASE WHEN $4::timestamptz IS NOT NULL AND attempts < max_attempts \
                               THEN $4::timestamptz ELSE run_at END, \
                 last_error = $3, locked_by = NULL, locked_until = NULL, updated_at = $5 \
             WHERE id = $1 AND locked_by = $2 AND status = 'PROCESSING' \
             RETURNING {COLUMNS}"
        );
        let mut conn = self.db.conn().await?;
        let failed: Option<JobRow> = diesel::sql_query(fail)
            .bind::<diesel::sql_types::Uuid, _>(id.as_uuid())
            .bind::<Text, _>(worker)
            .bind::<Text, _>(error)
            .bind::<Nullable<Timestamptz>, _>(retry_at.map(|at| at.trunc_subsecs(6)))
            .bind::<Timestamptz, _>(now)
            .one(&mut conn)
            .await
            .optional()
            .map_err(|e| from_diesel(ENTITY, e))?;
        drop(conn);
        match failed {
            Some(row) => Ok(row.into()),
            None => Err(self.not_held(id).await),
        }
    }

    async fn release(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        let now = self.now();
        let mut conn = self.db.conn().await?;
        let released = diesel::sql_query(
            "UPDATE background_jobs \
             SET status = 'PENDING', attempts = GREATEST(attempts - 1, 0), run_at = $3, \
                 locked_by = NULL, locked_until = NULL, updated_at = $3 \
             WHERE id = $1 AND status = 'PROCESSING' AND locked_by = $2",
        )
        .bind::<diesel::sql_types::Uuid, _>(id.as_uuid())
        .bind::<Text, _>(&worker)
        .bind::<Timestamptz, _>(now)
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        drop(conn);
        if released == 1 {
            Ok(())
        } else {
            Err(self.not_held(id).await)
        }
    }

    async fn wait_for_work(&self) {
        // Registered at creation: a notification from now on wakes it, even before this
        // future is polled again.
        let woken = self.listener.wake().notified();
        self.listener.start();
        woken.await;
    }

    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<Rescued> {
        let stamp = self.now();
        let mut conn = self.db.conn().await?;
        // The partial index on `locked_until WHERE status = 'PROCESSING'` finds them.
        let rows: Vec<JobRow> = diesel::sql_query(format!(
            "UPDATE background_jobs \
             SET status = CASE WHEN attempts < max_attempts \
                               THEN 'PENDING'::job_status ELSE 'FAILED'::job_status END, \
                 last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3 \
             WHERE status = 'PROCESSING' AND (locked_until IS NULL OR locked_until < $1) \
             RETURNING {COLUMNS}"
        ))
        .bind::<Timestamptz, _>(now.trunc_subsecs(6))
        .bind::<Text, _>(LEASE_EXPIRED)
        .bind::<Timestamptz, _>(stamp)
        .load(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        let mut rescued = Rescued::default();
        for row in rows {
            let job = BackgroundJob::from(row);
            if job.status == JobStatus::Failed {
                rescued.failed.push(job);
            } else {
                rescued.put_back += 1;
            }
        }
        Ok(rescued)
    }

    async fn fail_unknown_kinds(
        &self,
        known: Vec<String>,
        runnable_before: DateTime<Utc>,
    ) -> DomainResult<u64> {
        let stamp = self.now();
        let mut conn = self.db.conn().await?;
        // `to_json(kind)` quotes the kind as Rust's `{:?}` does for plain text.
        let failed = diesel::sql_query(
            "UPDATE background_jobs \
             SET status = 'FAILED'::job_status, \
                 last_error = 'unknown job kind ' || to_json(kind)::text, updated_at = $3 \
             WHERE status = 'PENDING' AND run_at < $2 AND kind <> ALL($1)",
        )
        .bind::<Array<Text>, _>(known)
        .bind::<Timestamptz, _>(runnable_before.trunc_subsecs(6))
        .bind::<Timestamptz, _>(stamp)
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(u64::try_from(failed).unwrap_or(u64::MAX))
    }

    async fn get(&self, id: BackgroundJobId) -> DomainResult<BackgroundJob> {
        self.db
            .read(ENTITY, async |conn| {
                background_jobs::table
                    .filter(background_jobs::id.eq(id.as_uuid()))
                    .select(JobRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(BackgroundJob::from)
    }
}
