//! Each student's two-way sync with a Google calendar on PostgreSQL: one `calendar_syncs`
//! row per student, the remote ids of synced events deleted in sophie
//! (`calendar_sync_deletions`, written by [`CalendarRepository::delete`]), and each event's
//! revision when it was last in step (`calendar_events.google_synced_sequence`).
//!
//! [`CalendarRepository::delete`]: sophie_domain::CalendarRepository::delete

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::case_when;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Nullable, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::{
    AccountId, CalendarEvent, CalendarEventId, CalendarSync, CalendarSyncRepository, DomainError,
    DomainResult, SyncBacklog, SyncProgress, SyncState, UserId,
};
use uuid::Uuid;

use super::calendar::{ENTITY as EVENT, EventRow, micros};
use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::schema::{calendar_events, calendar_sync_deletions, calendar_syncs};
use crate::store::PostgresStore;

/// The resource a missing sync is reported as.
const ENTITY: &str = "calendarSync";

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = calendar_syncs, check_for_backend(Pg))]
struct SyncRow {
    user_id: Uuid,
    account_id: Uuid,
    calendar_id: Option<String>,
    sync_token: Option<String>,
    state: String,
    last_error: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_synced_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SyncRow> for CalendarSync {
    type Error = DomainError;

    fn try_from(row: SyncRow) -> DomainResult<Self> {
        let state: SyncState = row.state.parse().map_err(|_| {
            DomainError::internal(format!("unknown calendar sync state {:?}", row.state))
        })?;
        Ok(Self {
            user_id: row.user_id.into(),
            account_id: row.account_id.into(),
            calendar_id: row.calendar_id,
            sync_token: row.sync_token,
            state,
            last_error: row.last_error,
            last_attempt_at: row.last_attempt_at,
            last_synced_at: row.last_synced_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What [`CalendarSyncRepository::record`] changes: the `Some` fields, and `updated_at`.
#[derive(AsChangeset)]
#[diesel(table_name = calendar_syncs)]
struct SyncChanges {
    state: Option<&'static str>,
    last_error: Option<Option<String>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_synced_at: Option<DateTime<Utc>>,
    sync_token: Option<Option<String>>,
    updated_at: DateTime<Utc>,
}

/// Drops what the user's sync recorded in its calendar: the recorded deletions, and every
/// event's remote ids and synced revision (only the events that have some), stamped `now`.
async fn start_over(
    conn: &mut AsyncPgConnection,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::delete(
        calendar_sync_deletions::table.filter(calendar_sync_deletions::user_id.eq(user.as_uuid())),
    )
    .execute(conn)
    .await?;
    diesel::update(
        calendar_events::table
            .filter(calendar_events::user_id.eq(user.as_uuid()))
            .filter(
                calendar_events::google_event_id
                    .is_not_null()
                    .or(calendar_events::google_calendar_id.is_not_null())
                    .or(calendar_events::google_synced_sequence.is_not_null()),
            ),
    )
    .set((
        calendar_events::google_event_id.eq(None::<String>),
        calendar_events::google_calendar_id.eq(None::<String>),
        calendar_events::google_synced_sequence.eq(None::<i32>),
        calendar_events::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// A revision as stored (`sequence` is an `integer`, never negative).
fn stored_sequence(sequence: u32) -> i32 {
    i32::try_from(sequence).unwrap_or(i32::MAX)
}

#[async_trait]
impl CalendarSyncRepository for PostgresStore {
    async fn connect(&self, user: UserId, account: AccountId) -> DomainResult<CalendarSync> {
        let now = micros(self.clock.now());
        let mut conn = self.db.conn().await?;
        // One statement: the row is written only from the user's own account, so no row
        // means the account is not theirs. A sync already there keeps everything but the
        // account it acts through.
        let row: Option<SyncRow> = diesel::sql_query(
            "INSERT INTO calendar_syncs (user_id, account_id, created_at, updated_at) \
             SELECT a.user_id, a.id, $3, $3 FROM accounts a WHERE a.id = $2 AND a.user_id = $1 \
             ON CONFLICT (user_id) DO UPDATE \
                 SET account_id = excluded.account_id, updated_at = excluded.updated_at \
             RETURNING user_id, account_id, calendar_id, sync_token, state, last_error, \
                 last_attempt_at, last_synced_at, created_at, updated_at",
        )
        .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
        .bind::<diesel::sql_types::Uuid, _>(account.as_uuid())
        .bind::<Timestamptz, _>(now)
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel("account", e))?;
        row.ok_or_else(|| DomainError::not_found("account"))?
            .try_into()
    }

    async fn get(&self, user: UserId) -> DomainResult<Option<CalendarSync>> {
        let row: Option<SyncRow> = self
            .db
            .read(ENTITY, async |conn| {
                calendar_syncs::table
                    .filter(calendar_syncs::user_id.eq(user.as_uuid()))
                    .select(SyncRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        row.map(CalendarSync::try_from).transpose()
    }

    async fn choose_calendar(
        &self,
        user: UserId,
        calendar_id: String,
    ) -> DomainResult<CalendarSync> {
        let now = micros(self.clock.now());
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                // Another calendar than the current one: start over.
                let moved: Option<SyncRow> = diesel::update(
                    calendar_syncs::table
                        .filter(calendar_syncs::user_id.eq(user.as_uuid()))
                        .filter(calendar_syncs::calendar_id.is_distinct_from(&calendar_id)),
                )
                .set((
                    calendar_syncs::calendar_id.eq(&calendar_id),
                    calendar_syncs::sync_token.eq(None::<String>),
                    calendar_syncs::last_error.eq(None::<String>),
                    calendar_syncs::updated_at.eq(now),
                ))
                .returning(SyncRow::as_returning())
                .one(conn)
                .await
                .optional()?;
                if let Some(moved) = moved {
                    start_over(conn, user, now).await?;
                    return Ok(moved);
                }
                // The same calendar, or no sync at all.
                calendar_syncs::table
                    .filter(calendar_syncs::user_id.eq(user.as_uuid()))
                    .select(SyncRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()?
                    .ok_or_else(|| DomainError::not_found(ENTITY).into())
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        row.try_into()
    }

    async fn disconnect(&self, user: UserId) -> DomainResult<()> {
        let now = micros(self.clock.now());
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            let deleted = diesel::delete(
                calendar_syncs::table.filter(calendar_syncs::user_id.eq(user.as_uuid())),
            )
            .execute(conn)
            .await?;
            if deleted == 0 {
                return Err(DomainError::not_found(ENTITY).into());
            }
            start_over(conn, user, now).await
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))
    }

    async fn record(&self, user: UserId, progress: SyncProgress) -> DomainResult<CalendarSync> {
        let changes = SyncChanges {
            state: progress.state.map(SyncState::as_str),
            last_error: progress.last_error,
            last_attempt_at: progress.last_attempt_at.map(micros),
            last_synced_at: progress.last_synced_at.map(micros),
            sync_token: progress.sync_token,
            updated_at: micros(self.clock.now()),
        };
        let mut conn = self.db.conn().await?;
        let row = diesel::update(
            calendar_syncs::table.filter(calendar_syncs::user_id.eq(user.as_uuid())),
        )
        .set(changes)
        .returning(SyncRow::as_returning())
        .one(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        row.try_into()
    }

    async fn due(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<UserId>> {
        let users: Vec<Uuid> = self
            .db
            .read(ENTITY, async |conn| {
                calendar_syncs::table
                    .filter(calendar_syncs::calendar_id.is_not_null())
                    .filter(calendar_syncs::state.ne(SyncState::NeedsReconnection.as_str()))
                    .filter(
                        calendar_syncs::last_attempt_at
                            .is_null()
                            .or(calendar_syncs::last_attempt_at.lt(before)),
                    )
                    .order((
                        calendar_syncs::last_attempt_at.asc().nulls_first(),
                        calendar_syncs::user_id.asc(),
                    ))
                    .limit(i64::from(limit))
                    .select(calendar_syncs::user_id)
                    .load(conn)
                    .await
            })
            .await?;
        Ok(users.into_iter().map(UserId::from).collect())
    }

    async fn backlog(
        &self,
        user: UserId,
        calendar_id: String,
        limit: u32,
    ) -> DomainResult<SyncBacklog> {
        let (events, deleted) = self
            .db
            .read(EVENT, async |conn| {
                // Not in step: never pushed, changed since, or pushed to another calendar.
                let events: Vec<EventRow> = calendar_events::table
                    .filter(calendar_events::user_id.eq(user.as_uuid()))
                    .filter(calendar_events::subscription_id.is_null())
                    .filter(
                        calendar_events::google_synced_sequence
                            .is_null()
                            .or(calendar_events::google_synced_sequence
                                .ne(calendar_events::sequence.nullable()))
                            .or(calendar_events::google_calendar_id.is_distinct_from(&calendar_id)),
                    )
                    .order((calendar_events::updated_at.asc(), calendar_events::id.asc()))
                    .limit(i64::from(limit))
                    .select(EventRow::as_select())
                    .load(conn)
                    .await?;
                let deleted: Vec<String> = calendar_sync_deletions::table
                    .filter(calendar_sync_deletions::user_id.eq(user.as_uuid()))
                    .filter(calendar_sync_deletions::calendar_id.eq(&calendar_id))
                    .order((
                        calendar_sync_deletions::deleted_at.asc(),
                        calendar_sync_deletions::remote_id.asc(),
                    ))
                    .select(calendar_sync_deletions::remote_id)
                    .load(conn)
                    .await?;
                Ok((events, deleted))
            })
            .await?;
        Ok(SyncBacklog {
            events: events.into_iter().map(CalendarEvent::from).collect(),
            deleted,
        })
    }

    async fn mark_synced(
        &self,
        user: UserId,
        id: CalendarEventId,
        calendar_id: String,
        remote_id: String,
        sequence: u32,
    ) -> DomainResult<()> {
        let sequence = stored_sequence(sequence);
        let now = micros(self.clock.now());
        let mut conn = self.db.conn().await?;
        // In step only at the revision pushed: a change made meanwhile (its sequence raised)
        // keeps it out of step. The sequence itself is left as it is.
        let updated = diesel::update(
            calendar_events::table
                .filter(calendar_events::id.eq(id.as_uuid()))
                .filter(calendar_events::user_id.eq(user.as_uuid())),
        )
        .set((
            calendar_events::google_calendar_id.eq(&calendar_id),
            calendar_events::google_event_id.eq(&remote_id),
            calendar_events::google_synced_sequence.eq(case_when::<_, _, Nullable<Int4>>(
                calendar_events::sequence.eq(sequence),
                Some(sequence),
            )
            .otherwise(calendar_events::google_synced_sequence)),
            calendar_events::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(EVENT, e))?;
        if updated == 0 {
            return Err(DomainError::not_found(EVENT));
        }
        Ok(())
    }

    async fn forget_deleted(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
    ) -> DomainResult<()> {
        if remote_ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.db.conn().await?;
        diesel::delete(
            calendar_sync_deletions::table
                .filter(calendar_sync_deletions::user_id.eq(user.as_uuid()))
                .filter(calendar_sync_deletions::calendar_id.eq(&calendar_id))
                .filter(calendar_sync_deletions::remote_id.eq_any(&remote_ids)),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(())
    }

    async fn linked(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
        ids: Vec<CalendarEventId>,
    ) -> DomainResult<Vec<CalendarEvent>> {
        if remote_ids.is_empty() && ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = ids.into_iter().map(Uuid::from).collect();
        let rows: Vec<EventRow> = self
            .db
            .read(EVENT, async |conn| {
                calendar_events::table
                    .filter(calendar_events::user_id.eq(user.as_uuid()))
                    .filter(
                        calendar_events::google_calendar_id
                            .eq(&calendar_id)
                            .and(calendar_events::google_event_id.eq_any(&remote_ids))
                            .or(calendar_events::id.eq_any(&ids)),
                    )
                    .order((calendar_events::start_date.asc(), calendar_events::id.asc()))
                    .select(EventRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(CalendarEvent::from).collect())
    }

    async fn delete_pulled(&self, user: UserId, ids: Vec<CalendarEventId>) -> DomainResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = ids.into_iter().map(Uuid::from).collect();
        let mut conn = self.db.conn().await?;
        // Not `CalendarRepository::delete`: deleted at Google already, nothing to push.
        let deleted = diesel::delete(
            calendar_events::table
                .filter(calendar_events::user_id.eq(user.as_uuid()))
                .filter(calendar_events::id.eq_any(&ids)),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(EVENT, e))?;
        Ok(u64::try_from(deleted).unwrap_or(0))
    }
}
