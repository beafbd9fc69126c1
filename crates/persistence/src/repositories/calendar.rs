//! Calendar events on PostgreSQL, listed by start date.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

use sophie_domain::values::{Description, EventSchedule, Progress, Reminders, ShortText, Title};
use sophie_domain::{
    CalendarEvent, CalendarEventId, CalendarEventUpdate, CalendarFilter, CalendarImport,
    CalendarImported, CalendarRepository, CalendarSubscription, CalendarSubscriptionId, CourseId,
    DocumentId, DomainError, DomainResult, EventException, EventExtraction, EventExtractionId,
    EventWithExceptions, ExtractionEnd, NewCalendarEvent, NewEventException, NewEventExtraction,
    Page, PageRequest, ProposalId, SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgEventType, PgPriority};
use crate::schema::{
    calendar_event_exceptions, calendar_events, calendar_feed_versions, calendar_feeds,
    calendar_subscriptions,
};
use crate::store::PostgresStore;

/// The resource a missing event is reported as.
pub(super) const ENTITY: &str = "calendar event";

/// A calendar event as read (every column the entity has).
#[derive(Queryable, Selectable)]
#[diesel(table_name = calendar_events, check_for_backend(Pg))]
pub(super) struct EventRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    start_date: DateTime<Utc>,
    end_date: Option<DateTime<Utc>>,
    event_type: PgEventType,
    location: Option<String>,
    priority: Option<PgPriority>,
    color: String,
    google_event_id: Option<String>,
    google_calendar_id: Option<String>,
    course_id: Option<Uuid>,
    document_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    time_zone: String,
    all_day: bool,
    recurrence: Vec<Option<String>>,
    reminders: Vec<Option<i32>>,
    sequence: i32,
    ical_uid: Option<String>,
    subscription_id: Option<Uuid>,
}

impl From<EventRow> for CalendarEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(CourseId::from),
            document_id: row.document_id.map(DocumentId::from),
            title: row.title,
            description: row.description,
            start_date: row.start_date,
            end_date: row.end_date,
            time_zone: row.time_zone,
            all_day: row.all_day,
            recurrence: row.recurrence.into_iter().flatten().collect(),
            reminders: row
                .reminders
                .into_iter()
                .flatten()
                .filter_map(|m| u32::try_from(m).ok())
                .collect(),
            event_type: row.event_type.into(),
            location: row.location,
            priority: row.priority.map(Into::into),
            color: row.color,
            google_event_id: row.google_event_id,
            google_calendar_id: row.google_calendar_id,
            ical_uid: row.ical_uid,
            subscription_id: row.subscription_id.map(CalendarSubscriptionId::from),
            sequence: u32::try_from(row.sequence).unwrap_or(0),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = calendar_events, treat_none_as_default_value = false)]
struct NewEventRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    start_date: DateTime<Utc>,
    end_date: Option<DateTime<Utc>>,
    event_type: PgEventType,
    location: Option<String>,
    priority: Option<PgPriority>,
    color: String,
    google_event_id: Option<String>,
    google_calendar_id: Option<String>,
    course_id: Option<Uuid>,
    document_id: Option<Uuid>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    time_zone: String,
    all_day: bool,
    recurrence: Vec<Option<String>>,
    reminders: Vec<Option<i32>>,
    ical_uid: Option<String>,
    subscription_id: Option<Uuid>,
}

impl NewEventRow {
    /// The row of `new`, made now for `user` as `id`.
    fn new(id: Uuid, user: UserId, new: NewCalendarEvent, now: DateTime<Utc>) -> Self {
        Self {
            id,
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            start_date: micros(new.schedule.start()),
            end_date: new.schedule.end().map(micros),
            time_zone: new.schedule.zone().name().to_owned(),
            all_day: new.schedule.all_day(),
            recurrence: stored_lines(new.schedule.recurrence()),
            reminders: stored_minutes(&new.reminders),
            event_type: new.event_type.into(),
            location: new.location.map(ShortText::into_inner),
            priority: new.priority.map(PgPriority::from),
            color: new.color.into_inner(),
            google_event_id: new.google_event_id.map(ShortText::into_inner),
            google_calendar_id: new.google_calendar_id.map(ShortText::into_inner),
            course_id: new.course_id.map(Uuid::from),
            document_id: new.document_id.map(Uuid::from),
            user_id: user.as_uuid(),
            created_at: now,
            updated_at: now,
            ical_uid: None,
            subscription_id: None,
        }
    }
}

/// `start_date` and `end_date` are set together (from one `EventSchedule`, with the zone, the
/// all-day flag and the recurrence), so the schema's `end_date >= start_date` holds after any
/// update.
#[derive(AsChangeset)]
#[diesel(table_name = calendar_events)]
struct EventChanges {
    title: Option<String>,
    description: Option<Option<String>>,
    start_date: Option<DateTime<Utc>>,
    end_date: Option<Option<DateTime<Utc>>>,
    event_type: Option<PgEventType>,
    location: Option<Option<String>>,
    priority: Option<Option<PgPriority>>,
    color: Option<String>,
    google_event_id: Option<Option<String>>,
    google_calendar_id: Option<Option<String>>,
    course_id: Option<Option<Uuid>>,
    document_id: Option<Option<Uuid>>,
    time_zone: Option<String>,
    all_day: Option<bool>,
    recurrence: Option<Vec<Option<String>>>,
    reminders: Option<Vec<Option<i32>>>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = calendar_event_exceptions, check_for_backend(Pg))]
#[diesel(treat_none_as_null = true)]
struct ExceptionRow {
    event_id: Uuid,
    original_start: DateTime<Utc>,
    cancelled: bool,
    start_date: DateTime<Utc>,
    end_date: Option<DateTime<Utc>>,
    title: Option<String>,
    location: Option<String>,
    updated_at: DateTime<Utc>,
}

impl ExceptionRow {
    /// The row of `new`, a change of the event `event_id` made now.
    fn new(event_id: Uuid, new: NewEventException, now: DateTime<Utc>) -> Self {
        Self {
            event_id,
            original_start: micros(new.original_start),
            cancelled: new.cancelled,
            start_date: micros(new.start_date),
            end_date: new.end_date.map(micros),
            title: new.title.map(Title::into_inner),
            location: new.location.map(ShortText::into_inner),
            updated_at: now,
        }
    }
}

impl From<ExceptionRow> for EventException {
    fn from(row: ExceptionRow) -> Self {
        Self {
            event_id: row.event_id.into(),
            original_start: row.original_start,
            cancelled: row.cancelled,
            start_date: row.start_date,
            end_date: row.end_date,
            title: row.title,
            location: row.location,
            updated_at: row.updated_at,
        }
    }
}

/// Minutes as stored (they are at most four weeks, well inside `integer`).
fn stored_minutes(reminders: &Reminders) -> Vec<Option<i32>> {
    reminders
        .minutes()
        .iter()
        .map(|m| Some(i32::try_from(*m).unwrap_or(i32::MAX)))
        .collect()
}

/// Recurrence lines as stored.
fn stored_lines(lines: &[String]) -> Vec<Option<String>> {
    lines.iter().cloned().map(Some).collect()
}

/// An instant at PostgreSQL's precision, truncated as the in-memory adapter does (diesel
/// would round instants before 2000 the other way).
pub(super) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// `query` narrowed to the user's events that `CalendarFilter::matches` accepts, by start,
/// earliest first; `(user_id, start_date, id)` is indexed.
fn matching<'a, ST: 'a>(
    query: calendar_events::BoxedQuery<'a, Pg, ST>,
    user: UserId,
    filter: CalendarFilter,
) -> calendar_events::BoxedQuery<'a, Pg, ST> {
    let mut query = query
        .filter(calendar_events::user_id.eq(user.as_uuid()))
        .order((calendar_events::start_date.asc(), calendar_events::id.asc()));
    if let Some(from) = filter.from {
        // Still going on at `from`: its end, or its start when it has none, is not before.
        // `COALESCE(end_date, start_date) >= from`, spelled without a function. A repeating
        // event may recur after `from` whatever its first end.
        let from = micros(from);
        query = query.filter(
            calendar_events::end_date
                .ge(from)
                .or(calendar_events::end_date
                    .is_null()
                    .and(calendar_events::start_date.ge(from)))
                .or(calendar_events::recurrence.ne(Vec::<Option<String>>::new())),
        );
    }
    if let Some(to) = filter.to {
        query = query.filter(calendar_events::start_date.lt(micros(to)));
    }
    if let Some(course_id) = filter.course_id {
        query = query.filter(calendar_events::course_id.eq(course_id.as_uuid()));
    }
    if let Some(event_type) = filter.event_type {
        query = query.filter(calendar_events::event_type.eq(PgEventType(event_type)));
    }
    query
}

/// Whether the event `id` is `user`'s (checked only on a failure path).
async fn is_users_event(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: CalendarEventId,
) -> Result<bool, StoreError> {
    Ok(diesel::select(exists(
        calendar_events::table
            .filter(calendar_events::id.eq(id.as_uuid()))
            .filter(calendar_events::user_id.eq(user.as_uuid())),
    ))
    .one(conn)
    .await?)
}

/// How many rows a statement deleted.
#[derive(QueryableByName)]
struct Deleted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The time a feed version was recorded.
#[derive(QueryableByName)]
struct Modified {
    #[diesel(sql_type = Timestamptz)]
    modified_at: DateTime<Utc>,
}

/// Raises the revision of the user's event `id` (its `SEQUENCE`) and its `updated_at`, locking
/// it for the rest of the transaction; whether it is the user's.
async fn revise(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: CalendarEventId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let revised: Option<Uuid> = diesel::update(
        calendar_events::table
            .filter(calendar_events::id.eq(id.as_uuid()))
            .filter(calendar_events::user_id.eq(user.as_uuid())),
    )
    .set((
        calendar_events::sequence.eq(calendar_events::sequence + 1),
        calendar_events::updated_at.eq(now),
    ))
    .returning(calendar_events::id)
    .one(conn)
    .await
    .optional()?;
    Ok(revised.is_some())
}

#[async_trait]
impl CalendarRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewCalendarEvent) -> DomainResult<CalendarEvent> {
        let now = self.clock.now();
        let links = SourceLinks {
            course_id: new.course_id,
            note_id: None,
            document_id: new.document_id,
        };
        let row = NewEventRow::new(CalendarEventId::new().as_uuid(), user, new, now);
        let insert = diesel::insert_into(calendar_events::table)
            .values(row)
            .returning(EventRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if links.course_id.is_some() || links.document_id.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, links).await?;
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
        Ok(CalendarEvent::from(row))
    }

    async fn get(&self, user: UserId, id: CalendarEventId) -> DomainResult<CalendarEvent> {
        self.db
            .read(ENTITY, async |conn| {
                calendar_events::table
                    .filter(calendar_events::id.eq(id.as_uuid()))
                    .filter(calendar_events::user_id.eq(user.as_uuid()))
                    .select(EventRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(CalendarEvent::from)
    }

    async fn list(
        &self,
        user: UserId,
        filter: CalendarFilter,
        page: PageRequest,
    ) -> DomainResult<Page<CalendarEvent>> {
        let query = || {
            let mut query = matching(
                calendar_events::table
                    .select(EventRow::as_select())
                    .limit(page.fetch_limit())
                    .into_boxed(),
                user,
                filter,
            );
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "calendar_events.start_date",
                    "calendar_events.id",
                    SortOrder::OldestFirst,
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
            rows.into_iter().map(CalendarEvent::from).collect(),
            page,
            |e| (e.start_date, e.id.as_uuid()),
        ))
    }

    async fn update(
        &self,
        user: UserId,
        id: CalendarEventId,
        update: CalendarEventUpdate,
    ) -> DomainResult<CalendarEvent> {
        // Only new links need checking; `Some(None)` unlinks.
        let links = SourceLinks {
            course_id: update.course_id.flatten(),
            note_id: None,
            document_id: update.document_id.flatten(),
        };
        let changes = EventChanges {
            title: update.title.map(|t| t.into_inner()),
            description: update.description.map(|v| v.map(Description::into_inner)),
            start_date: update.schedule.as_ref().map(|s| micros(s.start())),
            end_date: update.schedule.as_ref().map(|s| s.end().map(micros)),
            time_zone: update.schedule.as_ref().map(|s| s.zone().name().to_owned()),
            all_day: update.schedule.as_ref().map(EventSchedule::all_day),
            recurrence: update
                .schedule
                .as_ref()
                .map(|s| stored_lines(s.recurrence())),
            reminders: update.reminders.as_ref().map(stored_minutes),
            event_type: update.event_type.map(PgEventType),
            location: update.location.map(|v| v.map(ShortText::into_inner)),
            priority: update.priority.map(|v| v.map(PgPriority)),
            color: update.color.map(|c| c.into_inner()),
            google_event_id: update.google_event_id.map(|v| v.map(ShortText::into_inner)),
            google_calendar_id: update
                .google_calendar_id
                .map(|v| v.map(ShortText::into_inner)),
            course_id: update.course_id.map(|v| v.map(Uuid::from)),
            document_id: update.document_id.map(|v| v.map(Uuid::from)),
            updated_at: self.clock.now(),
        };
        let statement = diesel::update(
            calendar_events::table
                .filter(calendar_events::id.eq(id.as_uuid()))
                .filter(calendar_events::user_id.eq(user.as_uuid())),
        )
        .set((
            changes,
            calendar_events::sequence.eq(calendar_events::sequence + 1),
        ))
        .returning(EventRow::as_returning());
        let mut conn = self.db.conn().await?;
        let row = if links.course_id.is_some() || links.document_id.is_some() {
            conn.transaction::<_, StoreError, _>(async |conn| {
                if let Err(error) = ensure_links_owned(conn, user, links).await {
                    // An event that is not the user's is the answer before a foreign link.
                    if matches!(error, StoreError::Domain(_))
                        && !is_users_event(conn, user, id).await?
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
        Ok(CalendarEvent::from(row))
    }

    async fn delete(&self, user: UserId, id: CalendarEventId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // One statement: the event goes and, when its student syncs a calendar, its copy there
        // is recorded for the next push to delete (see `CalendarSyncRepository`): under its
        // remote id when it is linked to that calendar, or under the id sophie inserts it with
        // when it is not linked yet (its insert may have reached Google unheard).
        let deleted: Deleted = diesel::sql_query(
            "WITH gone AS ( \
                 DELETE FROM calendar_events WHERE id = $1 AND user_id = $2 \
                 RETURNING id, user_id, google_calendar_id, google_event_id, subscription_id \
             ), recorded AS ( \
                 INSERT INTO calendar_sync_deletions (user_id, calendar_id, remote_id, deleted_at) \
                 SELECT gone.user_id, s.calendar_id, \
                     COALESCE(gone.google_event_id, $4), $3 \
                 FROM gone JOIN calendar_syncs s \
                     ON s.user_id = gone.user_id AND s.calendar_id IS NOT NULL \
                 WHERE (gone.google_event_id IS NOT NULL \
                         AND gone.google_calendar_id = s.calendar_id) \
                    OR (gone.google_event_id IS NULL AND gone.subscription_id IS NULL) \
                 ON CONFLICT DO NOTHING \
             ) \
             SELECT count(*) AS n FROM gone",
        )
        .bind::<diesel::sql_types::Uuid, _>(id.as_uuid())
        .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
        .bind::<Timestamptz, _>(micros(self.clock.now()))
        .bind::<Text, _>(sophie_domain::rules::google_events::remote_id(id))
        .one(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted.n == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn window(
        &self,
        user: UserId,
        filter: CalendarFilter,
    ) -> DomainResult<Vec<EventWithExceptions>> {
        let (events, exceptions) = self
            .db
            .read(ENTITY, async |conn| {
                let query = matching(
                    calendar_events::table
                        .select(EventRow::as_select())
                        .into_boxed(),
                    user,
                    filter,
                );
                let events: Vec<EventRow> = query.load(conn).await?;
                let repeating: Vec<Uuid> = events
                    .iter()
                    .filter(|e| !e.recurrence.is_empty())
                    .map(|e| e.id)
                    .collect();
                // The changes of every repeating event in one query.
                let exceptions: Vec<ExceptionRow> = if repeating.is_empty() {
                    Vec::new()
                } else {
                    calendar_event_exceptions::table
                        .filter(calendar_event_exceptions::event_id.eq_any(repeating))
                        .select(ExceptionRow::as_select())
                        .order((
                            calendar_event_exceptions::event_id,
                            calendar_event_exceptions::original_start,
                        ))
                        .load(conn)
                        .await?
                };
                Ok((events, exceptions))
            })
            .await?;
        let mut by_event: HashMap<Uuid, Vec<EventException>> = HashMap::new();
        for row in exceptions {
            by_event
                .entry(row.event_id)
                .or_default()
                .push(EventException::from(row));
        }
        Ok(events
            .into_iter()
            .map(|row| EventWithExceptions {
                exceptions: by_event.remove(&row.id).unwrap_or_default(),
                event: CalendarEvent::from(row),
            })
            .collect())
    }

    async fn put_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        new: NewEventException,
    ) -> DomainResult<EventException> {
        let now = self.clock.now();
        let row = ExceptionRow::new(id.as_uuid(), new, now);
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                // The event is the user's, and stays while its change is written.
                if !revise(conn, user, id, now).await? {
                    return Err(DomainError::not_found(ENTITY).into());
                }
                Ok(diesel::insert_into(calendar_event_exceptions::table)
                    .values(&row)
                    .on_conflict((
                        calendar_event_exceptions::event_id,
                        calendar_event_exceptions::original_start,
                    ))
                    .do_update()
                    .set(&row)
                    .returning(ExceptionRow::as_returning())
                    .one(conn)
                    .await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(EventException::from(row))
    }

    async fn delete_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
    ) -> DomainResult<()> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            if !revise(conn, user, id, now).await? {
                return Err(DomainError::not_found(ENTITY).into());
            }
            let deleted = diesel::delete(
                calendar_event_exceptions::table
                    .filter(calendar_event_exceptions::event_id.eq(id.as_uuid()))
                    .filter(calendar_event_exceptions::original_start.eq(micros(original_start))),
            )
            .execute(conn)
            .await?;
            if deleted == 0 {
                return Err(DomainError::not_found("occurrence change").into());
            }
            Ok(())
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))?;
        Ok(())
    }

    async fn replace_feed_token(&self, user: UserId, token_hash: String) -> DomainResult<()> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        diesel::insert_into(calendar_feeds::table)
            .values((
                calendar_feeds::user_id.eq(user.as_uuid()),
                calendar_feeds::token_hash.eq(&token_hash),
                calendar_feeds::created_at.eq(now),
            ))
            .on_conflict(calendar_feeds::user_id)
            .do_update()
            .set((
                calendar_feeds::token_hash.eq(&token_hash),
                calendar_feeds::created_at.eq(now),
            ))
            .execute(&mut conn)
            .await
            .map_err(|e| from_diesel("user", e))?;
        Ok(())
    }

    async fn feed_owner(&self, token_hash: String) -> DomainResult<Option<UserId>> {
        let owner: Option<Uuid> = self
            .db
            .read("calendar feed", async |conn| {
                calendar_feeds::table
                    .filter(calendar_feeds::token_hash.eq(&token_hash))
                    .select(calendar_feeds::user_id)
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(owner.map(UserId::from))
    }

    async fn feed_version(
        &self,
        user: UserId,
        scope: Option<CourseId>,
        etag: String,
    ) -> DomainResult<DateTime<Utc>> {
        let scope = scope.map_or(Uuid::nil(), Uuid::from);
        let now = micros(self.clock.now());
        let mut conn = self.db.conn().await?;
        // A new version is recorded (the row made or its tag replaced), a second later than
        // the version it replaces at least: `Last-Modified` has whole seconds, and must move.
        // A version already recorded answers nothing, and is read.
        let recorded: Option<Modified> = diesel::sql_query(
            "INSERT INTO calendar_feed_versions AS v (user_id, scope, etag, modified_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, scope) DO UPDATE SET etag = excluded.etag, \
                 modified_at = GREATEST(excluded.modified_at, \
                     date_trunc('second', v.modified_at) + interval '1 second') \
             WHERE v.etag <> excluded.etag \
             RETURNING modified_at",
        )
        .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
        .bind::<diesel::sql_types::Uuid, _>(scope)
        .bind::<Text, _>(&etag)
        .bind::<Timestamptz, _>(now)
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel("user", e))?;
        let recorded = recorded.map(|row| row.modified_at);
        if let Some(modified_at) = recorded {
            return Ok(modified_at);
        }
        calendar_feed_versions::table
            .filter(calendar_feed_versions::user_id.eq(user.as_uuid()))
            .filter(calendar_feed_versions::scope.eq(scope))
            .select(calendar_feed_versions::modified_at)
            .limit(1)
            .one(&mut conn)
            .await
            .map_err(|e| from_diesel("calendar feed", e))
    }

    async fn import_events(
        &self,
        user: UserId,
        import: CalendarImport,
    ) -> DomainResult<CalendarImported> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            import_batch(conn, user, import, now).await
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))
    }

    async fn subscribe(
        &self,
        user: UserId,
        url: String,
        course_id: Option<CourseId>,
        time_zone: String,
    ) -> DomainResult<CalendarSubscription> {
        let links = SourceLinks {
            course_id,
            note_id: None,
            document_id: None,
        };
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, links).await?;
                Ok(diesel::insert_into(calendar_subscriptions::table)
                    .values((
                        calendar_subscriptions::id.eq(CalendarSubscriptionId::new().as_uuid()),
                        calendar_subscriptions::user_id.eq(user.as_uuid()),
                        calendar_subscriptions::url.eq(&url),
                        calendar_subscriptions::course_id.eq(course_id.map(Uuid::from)),
                        calendar_subscriptions::time_zone.eq(&time_zone),
                    ))
                    .on_conflict((calendar_subscriptions::user_id, calendar_subscriptions::url))
                    .do_update()
                    .set((
                        calendar_subscriptions::course_id.eq(course_id.map(Uuid::from)),
                        calendar_subscriptions::time_zone.eq(&time_zone),
                    ))
                    .returning(SubscriptionRow::as_returning())
                    .one(conn)
                    .await?)
            })
            .await
            .map_err(|e| e.into_domain(SUBSCRIPTION))?;
        Ok(row.into())
    }

    async fn subscription(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
    ) -> DomainResult<CalendarSubscription> {
        self.db
            .read(SUBSCRIPTION, async |conn| {
                calendar_subscriptions::table
                    .filter(calendar_subscriptions::id.eq(id.as_uuid()))
                    .filter(calendar_subscriptions::user_id.eq(user.as_uuid()))
                    .select(SubscriptionRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(CalendarSubscription::from)
    }

    async fn subscriptions(&self, user: UserId) -> DomainResult<Vec<CalendarSubscription>> {
        let rows: Vec<SubscriptionRow> = self
            .db
            .read(SUBSCRIPTION, async |conn| {
                calendar_subscriptions::table
                    .filter(calendar_subscriptions::user_id.eq(user.as_uuid()))
                    .order((
                        calendar_subscriptions::created_at.asc(),
                        calendar_subscriptions::id.asc(),
                    ))
                    .select(SubscriptionRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(CalendarSubscription::from).collect())
    }

    async fn record_refresh(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
        outcome: Result<u32, String>,
    ) -> DomainResult<CalendarSubscription> {
        let now = self.clock.now();
        let target = calendar_subscriptions::table
            .filter(calendar_subscriptions::id.eq(id.as_uuid()))
            .filter(calendar_subscriptions::user_id.eq(user.as_uuid()));
        let mut conn = self.db.conn().await?;
        let row = match outcome {
            Ok(events) => {
                diesel::update(target)
                    .set((
                        calendar_subscriptions::event_count
                            .eq(i32::try_from(events).unwrap_or(i32::MAX)),
                        calendar_subscriptions::last_error.eq(None::<String>),
                        calendar_subscriptions::refreshed_at.eq(now),
                    ))
                    .returning(SubscriptionRow::as_returning())
                    .one(&mut conn)
                    .await
            }
            Err(reason) => {
                diesel::update(target)
                    .set((
                        calendar_subscriptions::last_error.eq(reason),
                        calendar_subscriptions::refreshed_at.eq(now),
                    ))
                    .returning(SubscriptionRow::as_returning())
                    .one(&mut conn)
                    .await
            }
        }
        .map_err(|e| from_diesel(SUBSCRIPTION, e))?;
        Ok(row.into())
    }

    async fn unsubscribe(&self, user: UserId, id: CalendarSubscriptionId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // Its events go with it (`ON DELETE CASCADE`).
        let deleted = diesel::delete(
            calendar_subscriptions::table
                .filter(calendar_subscriptions::id.eq(id.as_uuid()))
                .filter(calendar_subscriptions::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(SUBSCRIPTION, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(SUBSCRIPTION));
        }
        Ok(())
    }

    async fn subscriptions_due(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<CalendarSubscription>> {
        let rows: Vec<SubscriptionRow> = self
            .db
            .read(SUBSCRIPTION, async |conn| {
                calendar_subscriptions::table
                    .filter(
                        calendar_subscriptions::refreshed_at
                            .is_null()
                            .or(calendar_subscriptions::refreshed_at.lt(before)),
                    )
                    .order((
                        calendar_subscriptions::refreshed_at.asc().nulls_first(),
                        calendar_subscriptions::id.asc(),
                    ))
                    .limit(i64::from(limit))
                    .select(SubscriptionRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(CalendarSubscription::from).collect())
    }

    async fn events_by_uid(
        &self,
        user: UserId,
        uids: Vec<String>,
    ) -> DomainResult<Vec<CalendarEvent>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<EventRow> = self
            .db
            .read(ENTITY, async |conn| {
                calendar_events::table
                    .filter(calendar_events::user_id.eq(user.as_uuid()))
                    .filter(calendar_events::ical_uid.eq_any(&uids))
                    .select(EventRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(CalendarEvent::from).collect())
    }

    async fn create_extraction(
        &self,
        user: UserId,
        new: NewEventExtraction,
    ) -> DomainResult<EventExtraction> {
        self.insert_extraction(user, new).await
    }

    async fn extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
    ) -> DomainResult<EventExtraction> {
        self.select_extraction(user, id).await
    }

    async fn advance_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        progress: Progress,
    ) -> DomainResult<Option<EventExtraction>> {
        self.advance_extraction_row(user, id, progress).await
    }

    async fn finish_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        end: ExtractionEnd,
    ) -> DomainResult<Option<EventExtraction>> {
        self.finish_extraction_row(user, id, end).await
    }

    async fn mark_accepted(
        &self,
        user: UserId,
        id: EventExtractionId,
        accepted: Vec<(ProposalId, CalendarEventId)>,
    ) -> DomainResult<EventExtraction> {
        self.mark_accepted_rows(user, id, accepted).await
    }

    async fn delete_extraction(&self, user: UserId, id: EventExtractionId) -> DomainResult<()> {
        self.delete_extraction_row(user, id).await
    }
}

const SUBSCRIPTION: &str = "calendar subscription";

#[derive(Queryable, Selectable)]
#[diesel(table_name = calendar_subscriptions, check_for_backend(Pg))]
struct SubscriptionRow {
    id: Uuid,
    user_id: Uuid,
    url: String,
    course_id: Option<Uuid>,
    time_zone: String,
    event_count: i32,
    refreshed_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SubscriptionRow> for CalendarSubscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            url: row.url,
            course_id: row.course_id.map(CourseId::from),
            time_zone: row.time_zone,
            event_count: u32::try_from(row.event_count).unwrap_or(0),
            refreshed_at: row.refreshed_at,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An imported event's new state, written whole over an earlier import of it.
#[derive(AsChangeset)]
#[diesel(table_name = calendar_events, treat_none_as_null = true)]
struct ImportChanges {
    title: String,
    description: Option<String>,
    start_date: DateTime<Utc>,
    end_date: Option<DateTime<Utc>>,
    time_zone: String,
    all_day: bool,
    recurrence: Vec<Option<String>>,
    reminders: Vec<Option<i32>>,
    event_type: PgEventType,
    location: Option<String>,
    priority: Option<PgPriority>,
    course_id: Option<Uuid>,
    subscription_id: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

/// [`CalendarRepository::import_events`] inside its transaction: one read of the events
/// imported before and of their occurrence changes, one insert of the new events, an update
/// per changed event, one delete and one insert of occurrence changes, one delete of what a
/// subscription no longer holds.
async fn import_batch(
    conn: &mut AsyncPgConnection,
    user: UserId,
    import: CalendarImport,
    now: DateTime<Utc>,
) -> Result<CalendarImported, StoreError> {
    ensure_links_owned(
        conn,
        user,
        SourceLinks {
            course_id: import.course_id,
            note_id: None,
            document_id: None,
        },
    )
    .await?;
    if let Some(id) = import.subscription_id {
        let owned: bool = diesel::select(exists(
            calendar_subscriptions::table
                .filter(calendar_subscriptions::id.eq(id.as_uuid()))
                .filter(calendar_subscriptions::user_id.eq(user.as_uuid())),
        ))
        .one(conn)
        .await?;
        if !owned {
            return Err(DomainError::not_found(SUBSCRIPTION).into());
        }
    }
    let uids: Vec<String> = import
        .events
        .iter()
        .map(|e| e.uid.as_str().to_owned())
        .collect();
    let earlier: Vec<EventRow> = calendar_events::table
        .filter(calendar_events::user_id.eq(user.as_uuid()))
        .filter(calendar_events::ical_uid.eq_any(&uids))
        .select(EventRow::as_select())
        .for_update()
        .load(conn)
        .await?;
    let earlier_ids: Vec<Uuid> = earlier.iter().map(|e| e.id).collect();
    let mut changes: HashMap<Uuid, Vec<EventException>> = HashMap::new();
    if !earlier_ids.is_empty() {
        let rows: Vec<ExceptionRow> = calendar_event_exceptions::table
            .filter(calendar_event_exceptions::event_id.eq_any(&earlier_ids))
            .select(ExceptionRow::as_select())
            .load(conn)
            .await?;
        for row in rows {
            changes.entry(row.event_id).or_default().push(row.into());
        }
    }
    let mut by_uid: HashMap<String, CalendarEvent> = earlier
        .into_iter()
        .map(CalendarEvent::from)
        .filter_map(|e| e.ical_uid.clone().map(|uid| (uid, e)))
        .collect();

    let mut imported = CalendarImported::default();
    // Each event made or changed, by its place in the batch.
    let mut written: Vec<(usize, Uuid)> = Vec::new();
    let mut inserts = Vec::new();
    let mut exception_rows = Vec::new();
    let mut rewritten: Vec<Uuid> = Vec::new();
    let subscription = import.subscription_id.map(Uuid::from);
    for (place, item) in import.events.into_iter().enumerate() {
        let uid = item.uid.as_str().to_owned();
        let previous = by_uid.remove(&uid);
        if let Some(previous) = &previous {
            let exceptions = changes.remove(&previous.id.as_uuid()).unwrap_or_default();
            if item.matches(previous, &exceptions, import.course_id)
                && (subscription.is_none()
                    || previous.subscription_id.map(Uuid::from) == subscription)
            {
                imported.unchanged += 1;
                continue;
            }
        }
        let id = previous
            .as_ref()
            .map_or_else(|| CalendarEventId::new().as_uuid(), |e| e.id.as_uuid());
        exception_rows.extend(
            item.overrides
                .into_iter()
                .map(|change| ExceptionRow::new(id, change, now)),
        );
        let new = item.event;
        written.push((place, id));
        if let Some(previous) = previous {
            imported.updated += 1;
            rewritten.push(id);
            diesel::update(calendar_events::table.filter(calendar_events::id.eq(id)))
                .set((
                    ImportChanges {
                        title: new.title.into_inner(),
                        description: new.description.map(Description::into_inner),
                        start_date: micros(new.schedule.start()),
                        end_date: new.schedule.end().map(micros),
                        time_zone: new.schedule.zone().name().to_owned(),
                        all_day: new.schedule.all_day(),
                        recurrence: stored_lines(new.schedule.recurrence()),
                        reminders: stored_minutes(&new.reminders),
                        event_type: new.event_type.into(),
                        location: new.location.map(ShortText::into_inner),
                        priority: new.priority.map(PgPriority::from),
                        course_id: import.course_id.or(previous.course_id).map(Uuid::from),
                        subscription_id: subscription.or(previous.subscription_id.map(Uuid::from)),
                        updated_at: now,
                    },
                    calendar_events::sequence.eq(calendar_events::sequence + 1),
                ))
                .execute(conn)
                .await?;
        } else {
            imported.created += 1;
            inserts.push(NewEventRow {
                course_id: import.course_id.map(Uuid::from),
                ical_uid: Some(uid),
                subscription_id: subscription,
                ..NewEventRow::new(id, user, new, now)
            });
        }
    }
    // Bounded batches: PostgreSQL takes at most 65,535 parameters a statement.
    for chunk in inserts.chunks(1_000) {
        diesel::insert_into(calendar_events::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    if !rewritten.is_empty() {
        diesel::delete(
            calendar_event_exceptions::table
                .filter(calendar_event_exceptions::event_id.eq_any(&rewritten)),
        )
        .execute(conn)
        .await?;
    }
    for chunk in exception_rows.chunks(5_000) {
        diesel::insert_into(calendar_event_exceptions::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    if let Some(subscription) = subscription {
        imported.removed = u32::try_from(
            diesel::delete(
                calendar_events::table
                    .filter(calendar_events::subscription_id.eq(subscription))
                    .filter(
                        calendar_events::ical_uid
                            .is_null()
                            .or(calendar_events::ical_uid.ne_all(&uids)),
                    ),
            )
            .execute(conn)
            .await?,
        )
        .unwrap_or(u32::MAX);
    }
    let ids: Vec<Uuid> = written.iter().map(|(_, id)| *id).collect();
    let mut rows: HashMap<Uuid, EventRow> = if ids.is_empty() {
        HashMap::new()
    } else {
        calendar_events::table
            .filter(calendar_events::id.eq_any(&ids))
            .select(EventRow::as_select())
            .load::<EventRow>(conn)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    };
    imported.events = written
        .into_iter()
        .filter_map(|(_, id)| rows.remove(&id).map(CalendarEvent::from))
        .collect();
    Ok(imported)
}
