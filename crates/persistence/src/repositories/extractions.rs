//! Extractions of events from syllabi on PostgreSQL: one row each, its proposals a `jsonb`
//! array written when it ends, then only marked as accepted.
//!
//! The [`CalendarRepository`](sophie_domain::CalendarRepository) adapter delegates here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use sophie_domain::values::Progress;
use sophie_domain::{
    CalendarEventId, DomainError, DomainResult, EventExtraction, EventExtractionId, ExtractionEnd,
    ExtractionSource, JobStatus, NewEventExtraction, ProposalId, SourceLinks, UserId,
};
use uuid::Uuid;

use super::generations::greatest;
use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::json_columns::ProposalsJson;
use crate::links::ensure_links_owned;
use crate::pg_enums::PgJobStatus;
use crate::schema::event_extractions;
use crate::store::PostgresStore;

const ENTITY: &str = "event extraction";

#[derive(Queryable, Selectable)]
#[diesel(table_name = event_extractions, check_for_backend(diesel::pg::Pg))]
struct ExtractionRow {
    id: Uuid,
    status: PgJobStatus,
    progress: i32,
    time_zone: String,
    locale: String,
    proposals: ProposalsJson,
    error_message: Option<String>,
    model: Option<String>,
    completed_at: Option<DateTime<Utc>>,
    user_id: Uuid,
    document_id: Option<Uuid>,
    note_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ExtractionRow> for EventExtraction {
    fn from(row: ExtractionRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            document_id: row.document_id.map(Into::into),
            note_id: row.note_id.map(Into::into),
            status: row.status.0,
            progress: row.progress,
            time_zone: row.time_zone,
            locale: row.locale,
            proposals: row.proposals.0,
            error_message: row.error_message,
            model: row.model,
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = event_extractions, treat_none_as_default_value = false)]
struct NewExtractionRow {
    id: Uuid,
    status: PgJobStatus,
    progress: i32,
    time_zone: String,
    locale: String,
    proposals: ProposalsJson,
    user_id: Uuid,
    document_id: Option<Uuid>,
    note_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// `status = 'PENDING' OR status = 'PROCESSING'`.
type Unfinished = diesel::dsl::Or<
    diesel::dsl::Eq<event_extractions::status, PgJobStatus>,
    diesel::dsl::Eq<event_extractions::status, PgJobStatus>,
>;

/// The extractions not finished yet.
fn unfinished() -> Unfinished {
    event_extractions::status
        .eq(PgJobStatus(JobStatus::Pending))
        .or(event_extractions::status.eq(PgJobStatus(JobStatus::Processing)))
}

/// The user's row `id`.
type Mine = diesel::dsl::Filter<
    diesel::dsl::Filter<event_extractions::table, diesel::dsl::Eq<event_extractions::id, Uuid>>,
    diesel::dsl::Eq<event_extractions::user_id, Uuid>,
>;

fn mine(user: UserId, id: EventExtractionId) -> Mine {
    event_extractions::table
        .filter(event_extractions::id.eq(id.as_uuid()))
        .filter(event_extractions::user_id.eq(user.as_uuid()))
}

impl PostgresStore {
    pub(super) async fn insert_extraction(
        &self,
        user: UserId,
        new: NewEventExtraction,
    ) -> DomainResult<EventExtraction> {
        let now = self.clock.now();
        let (document_id, note_id) = match new.source {
            ExtractionSource::Document(id) => (Some(id), None),
            ExtractionSource::Note(id) => (None, Some(id)),
        };
        let links = SourceLinks {
            course_id: None,
            note_id,
            document_id,
        };
        let row = NewExtractionRow {
            id: EventExtractionId::new().as_uuid(),
            status: PgJobStatus(JobStatus::Pending),
            progress: 0,
            time_zone: new.time_zone.name().to_owned(),
            locale: new.locale.into_inner(),
            proposals: ProposalsJson(Vec::new()),
            user_id: user.as_uuid(),
            document_id: document_id.map(Uuid::from),
            note_id: note_id.map(Uuid::from),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, links).await?;
                Ok(diesel::insert_into(event_extractions::table)
                    .values(&row)
                    .returning(ExtractionRow::as_returning())
                    .one(conn)
                    .await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(row.into())
    }

    pub(super) async fn select_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
    ) -> DomainResult<EventExtraction> {
        self.db
            .read(ENTITY, async |conn| {
                mine(user, id)
                    .select(ExtractionRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(EventExtraction::from)
    }

    pub(super) async fn advance_extraction_row(
        &self,
        user: UserId,
        id: EventExtractionId,
        progress: Progress,
    ) -> DomainResult<Option<EventExtraction>> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        let row = diesel::update(mine(user, id).filter(unfinished()))
            .set((
                event_extractions::status.eq(PgJobStatus(JobStatus::Processing)),
                event_extractions::progress
                    .eq(greatest(event_extractions::progress, progress.get_i32())),
                event_extractions::updated_at.eq(now),
            ))
            .returning(ExtractionRow::as_returning())
            .one(&mut conn)
            .await
            .optional()
            .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(row.map(EventExtraction::from))
    }

    pub(super) async fn finish_extraction_row(
        &self,
        user: UserId,
        id: EventExtractionId,
        end: ExtractionEnd,
    ) -> DomainResult<Option<EventExtraction>> {
        let now = self.clock.now();
        let (status, progress, proposals, model, error) = match end {
            ExtractionEnd::Completed { proposals, model } => {
                (JobStatus::Completed, 100, proposals, Some(model), None)
            }
            ExtractionEnd::Failed(reason) => (JobStatus::Failed, 0, Vec::new(), None, Some(reason)),
        };
        let mut conn = self.db.conn().await?;
        // One statement: a concurrent end finds the row finished and changes nothing.
        let row = diesel::update(mine(user, id).filter(unfinished()))
            .set((
                event_extractions::status.eq(PgJobStatus(status)),
                event_extractions::progress.eq(greatest(event_extractions::progress, progress)),
                event_extractions::proposals.eq(ProposalsJson(proposals)),
                event_extractions::model.eq(model),
                event_extractions::error_message.eq(error),
                event_extractions::completed_at.eq(Some(now)),
                event_extractions::updated_at.eq(now),
            ))
            .returning(ExtractionRow::as_returning())
            .one(&mut conn)
            .await
            .optional()
            .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(row.map(EventExtraction::from))
    }

    pub(super) async fn mark_accepted_rows(
        &self,
        user: UserId,
        id: EventExtractionId,
        accepted: Vec<(ProposalId, CalendarEventId)>,
    ) -> DomainResult<EventExtraction> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let Some(ProposalsJson(mut proposals)) = mine(user, id)
                    .select(event_extractions::proposals)
                    .for_update()
                    .one::<ProposalsJson>(conn)
                    .await
                    .optional()?
                else {
                    return Ok(None);
                };
                for proposal in &mut proposals {
                    if let Some((_, event)) = accepted.iter().find(|(p, _)| *p == proposal.id) {
                        proposal.event_id = Some(*event);
                    }
                }
                Ok(Some(
                    diesel::update(mine(user, id))
                        .set((
                            event_extractions::proposals.eq(ProposalsJson(proposals)),
                            event_extractions::updated_at.eq(now),
                        ))
                        .returning(ExtractionRow::as_returning())
                        .one(conn)
                        .await?,
                ))
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        row.map(EventExtraction::from)
            .ok_or_else(|| DomainError::not_found(ENTITY))
    }

    pub(super) async fn delete_extraction_row(
        &self,
        user: UserId,
        id: EventExtractionId,
    ) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(mine(user, id))
            .execute(&mut conn)
            .await
            .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }
}
