//! Calendar events on PostgreSQL, listed by start date.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::{Description, ShortText};
use sophie_domain::{
    CalendarEvent, CalendarEventId, CalendarEventUpdate, CalendarFilter, CalendarRepository,
    CourseId, DocumentId, DomainError, DomainResult, NewCalendarEvent, Page, PageRequest,
    SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgEventType, PgPriority};
use crate::schema::calendar_events;
use crate::store::PostgresStore;

const ENTITY: &str = "calendar event";

#[derive(Queryable, Selectable)]
#[diesel(table_name = calendar_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
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
            event_type: row.event_type.into(),
            location: row.location,
            priority: row.priority.map(Into::into),
            color: row.color,
            google_event_id: row.google_event_id,
            google_calendar_id: row.google_calendar_id,
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
}

/// `start_date` and `end_date` are set together (from one `EventSchedule`), so the schema's
/// `end_date >= start_date` holds after any update.
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
    updated_at: DateTime<Utc>,
}

/// An instant at PostgreSQL's precision, truncated as the in-memory adapter does (diesel
/// would round instants before 2000 the other way).
fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
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

#[async_trait]
impl CalendarRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewCalendarEvent) -> DomainResult<CalendarEvent> {
        let now = self.clock.now();
        let links = SourceLinks {
            course_id: new.course_id,
            note_id: None,
            document_id: new.document_id,
        };
        let row = NewEventRow {
            id: CalendarEventId::new().as_uuid(),
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            start_date: micros(new.schedule.start()),
            end_date: new.schedule.end().map(micros),
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
        };
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
        // The rows `CalendarFilter::matches` accepts; `(user_id, start_date, id)` is indexed.
        let query = || {
            let mut query = calendar_events::table
                .filter(calendar_events::user_id.eq(user.as_uuid()))
                .select(EventRow::as_select())
                .order((calendar_events::start_date.asc(), calendar_events::id.asc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(from) = filter.from {
                // Still going on at `from`: its end, or its start when it has none, is not before.
                // `COALESCE(end_date, start_date) >= from`, spelled without a function.
                let from = micros(from);
                query = query.filter(
                    calendar_events::end_date
                        .ge(from)
                        .or(calendar_events::end_date
                            .is_null()
                            .and(calendar_events::start_date.ge(from))),
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
            start_date: update.schedule.map(|s| micros(s.start())),
            end_date: update.schedule.map(|s| s.end().map(micros)),
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
        .set(changes)
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
        let deleted = diesel::delete(
            calendar_events::table
                .filter(calendar_events::id.eq(id.as_uuid()))
                .filter(calendar_events::user_id.eq(user.as_uuid())),
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
