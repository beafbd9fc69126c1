//! Card schedules, the review log and review settings on PostgreSQL.
//!
//! A review is recorded in one transaction: the card's schedule row is locked and compared
//! with the schedule the review started from, then replaced, and the log gains its entry. An
//! undo removes the newest entry and writes back the schedule it holds, in one transaction too.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Timestamptz};
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::rules::fsrs::Schedule;
use sophie_domain::{
    CardHistory, CardRecord, CardState, DomainError, DomainResult, DueCard, Flashcard, FlashcardId,
    FlashcardSetId, NewReview, ReviewFilter, ReviewLog, ReviewRepository, ReviewSettings,
    ReviewSettingsUpdate, ReviewTally, UserId,
};
use uuid::Uuid;

use super::flashcards::FlashcardRow;
use crate::confirmed::ConfirmedDsl as _;
use crate::error::StoreError;
use crate::pg_enums::{PgCardState, PgReviewRating};
use crate::schema::{
    flashcard_reviews, flashcard_schedules, flashcard_sets, flashcards, review_settings,
};
use crate::store::PostgresStore;

const ENTITY: &str = "flashcard";
const SETTINGS: &str = "review settings";

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = flashcard_schedules, check_for_backend(diesel::pg::Pg))]
#[diesel(treat_none_as_null = true)]
pub(super) struct ScheduleRow {
    state: PgCardState,
    step: Option<i32>,
    stability: Option<f64>,
    difficulty: Option<f64>,
    due: DateTime<Utc>,
    last_review: Option<DateTime<Utc>>,
    reps: i32,
    lapses: i32,
}

impl From<ScheduleRow> for Schedule {
    fn from(row: ScheduleRow) -> Self {
        Self {
            state: row.state.0,
            step: row.step.and_then(|s| u32::try_from(s).ok()),
            stability: row.stability,
            difficulty: row.difficulty,
            due: row.due,
            last_review: row.last_review,
            reps: u32::try_from(row.reps).unwrap_or(0),
            lapses: u32::try_from(row.lapses).unwrap_or(0),
        }
    }
}

impl From<&Schedule> for ScheduleRow {
    fn from(schedule: &Schedule) -> Self {
        Self {
            state: PgCardState(schedule.state),
            step: schedule.step.map(count),
            stability: schedule.stability,
            difficulty: schedule.difficulty,
            due: schedule.due,
            last_review: schedule.last_review,
            reps: count(schedule.reps),
            lapses: count(schedule.lapses),
        }
    }
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl ReviewInsert {
    /// `review` of `user`'s card `card`.
    pub(super) fn new(user: UserId, card: Uuid, review: &NewReview) -> Self {
        let before = &review.before;
        Self {
            flashcard_id: card,
            user_id: user.as_uuid(),
            rating: PgReviewRating(review.rating),
            state_before: PgCardState(before.state),
            reviewed_at: review.reviewed_at,
            elapsed_days: review.elapsed_days,
            duration_ms: review.duration_ms.map(count),
            step_before: before.step.map(count),
            stability_before: before.stability,
            difficulty_before: before.difficulty,
            due_before: before.due,
            last_review_before: before.last_review,
            reps_before: count(before.reps),
            lapses_before: count(before.lapses),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = flashcard_reviews, check_for_backend(diesel::pg::Pg))]
struct ReviewRow {
    id: Uuid,
    flashcard_id: Uuid,
    rating: PgReviewRating,
    state_before: PgCardState,
    reviewed_at: DateTime<Utc>,
    elapsed_days: i32,
    duration_ms: Option<i32>,
    step_before: Option<i32>,
    stability_before: Option<f64>,
    difficulty_before: Option<f64>,
    due_before: DateTime<Utc>,
    last_review_before: Option<DateTime<Utc>>,
    reps_before: i32,
    lapses_before: i32,
}

impl ReviewRow {
    fn before(&self) -> Schedule {
        ScheduleRow {
            state: self.state_before,
            step: self.step_before,
            stability: self.stability_before,
            difficulty: self.difficulty_before,
            due: self.due_before,
            last_review: self.last_review_before,
            reps: self.reps_before,
            lapses: self.lapses_before,
        }
        .into()
    }

    fn log(&self) -> ReviewLog {
        ReviewLog {
            id: self.id.into(),
            flashcard_id: self.flashcard_id.into(),
            rating: self.rating.0,
            state_before: self.state_before.0,
            reviewed_at: self.reviewed_at,
            elapsed_days: self.elapsed_days,
            duration_ms: self.duration_ms.and_then(|d| u32::try_from(d).ok()),
        }
    }
}

/// A card's schedule, to insert.
#[derive(Insertable)]
#[diesel(table_name = flashcard_schedules)]
pub(super) struct ScheduleInsert {
    flashcard_id: Uuid,
    user_id: Uuid,
    #[diesel(embed)]
    schedule: ScheduleRow,
}

impl ScheduleInsert {
    /// `schedule` as the schedule of `user`'s card `card`.
    pub(super) fn new(user: UserId, card: Uuid, schedule: &Schedule) -> Self {
        Self {
            flashcard_id: card,
            user_id: user.as_uuid(),
            schedule: schedule.into(),
        }
    }
}

/// A review log entry, to insert.
#[derive(Insertable)]
#[diesel(table_name = flashcard_reviews)]
pub(super) struct ReviewInsert {
    flashcard_id: Uuid,
    user_id: Uuid,
    rating: PgReviewRating,
    state_before: PgCardState,
    reviewed_at: DateTime<Utc>,
    elapsed_days: i32,
    duration_ms: Option<i32>,
    step_before: Option<i32>,
    stability_before: Option<f64>,
    difficulty_before: Option<f64>,
    due_before: DateTime<Utc>,
    last_review_before: Option<DateTime<Utc>>,
    reps_before: i32,
    lapses_before: i32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = review_settings, check_for_backend(diesel::pg::Pg))]
struct SettingsRow {
    desired_retention: f64,
    new_cards_per_day: i32,
    fuzz: bool,
    parameters: Option<Vec<Option<f64>>>,
}

impl From<SettingsRow> for ReviewSettings {
    fn from(row: SettingsRow) -> Self {
        Self {
            desired_retention: row.desired_retention,
            new_cards_per_day: u32::try_from(row.new_cards_per_day).unwrap_or(0),
            fuzz: row.fuzz,
            parameters: row
                .parameters
                .map(|values| values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        }
    }
}

#[derive(QueryableByName)]
struct ReviewCount {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = crate::schema::sql_types::ReviewRating)]
    rating: PgReviewRating,
    #[diesel(sql_type = crate::schema::sql_types::CardState)]
    state_before: PgCardState,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct DayCount {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = crate::schema::sql_types::CardState)]
    state: PgCardState,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// The filter's conditions on the card's set `s`, binding `$2` (course) and `$3` (set).
const FILTER: &str = "($2::uuid IS NULL OR s.course_id = $2) AND ($3::uuid IS NULL OR s.id = $3)";

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The card's creation time and stored schedule, when the card is the user's. With `lock`,
/// the card's row is locked first (`FOR NO KEY UPDATE`, which the foreign keys of new
/// schedule and review rows do not wait for): a review or an undo of the same card waits,
/// then reads what the first wrote, even when the card had no schedule row to lock.
async fn card_state(
    conn: &mut AsyncPgConnection,
    user: UserId,
    card: FlashcardId,
    lock: bool,
) -> Result<Option<(DateTime<Utc>, Option<ScheduleRow>)>, diesel::result::Error> {
    let owned_sets = flashcard_sets::table
        .filter(flashcard_sets::user_id.eq(user.as_uuid()))
        .select(flashcard_sets::id);
    let query = flashcards::table
        .filter(flashcards::id.eq(card.as_uuid()))
        .filter(flashcards::flashcard_set_id.eq_any(owned_sets))
        .select(flashcards::created_at)
        .limit(1);
    let created: Vec<DateTime<Utc>> = if lock {
        query.for_no_key_update().load(conn).await?
    } else {
        query.load(conn).await?
    };
    let Some(created) = created.into_iter().next() else {
        return Ok(None);
    };
    let schedule = flashcard_schedules::table
        .filter(flashcard_schedules::flashcard_id.eq(card.as_uuid()))
        .select(ScheduleRow::as_select())
        .limit(1)
        .load(conn)
        .await?
        .into_iter()
        .next();
    Ok(Some((created, schedule)))
}

fn schedule_of(created_at: DateTime<Utc>, row: Option<ScheduleRow>) -> Schedule {
    row.map_or_else(|| Schedule::new(created_at), Schedule::from)
}

/// Writes `schedule` as the card's.
async fn put_schedule(
    conn: &mut AsyncPgConnection,
    user: UserId,
    card: FlashcardId,
    schedule: &Schedule,
) -> Result<(), diesel::result::Error> {
    let row = ScheduleRow::from(schedule);
    diesel::insert_into(flashcard_schedules::table)
        .values((
            flashcard_schedules::flashcard_id.eq(card.as_uuid()),
            flashcard_schedules::user_id.eq(user.as_uuid()),
            &row,
        ))
        .on_conflict(flashcard_schedules::flashcard_id)
        .do_update()
        .set(&row)
        .execute(conn)
        .await
        .map(|_| ())
}

#[async_trait]
impl ReviewRepository for PostgresStore {
    async fn schedule(&self, user: UserId, card: FlashcardId) -> DomainResult<Schedule> {
        let found = self
            .db
            .read(ENTITY, async |conn| {
                card_state(conn, user, card, false).await
            })
            .await?;
        let (created_at, row) = found.ok_or(DomainError::not_found(ENTITY))?;
        Ok(schedule_of(created_at, row))
    }

    async fn record(
        &self,
        user: UserId,
        card: FlashcardId,
        review: NewReview,
    ) -> DomainResult<ReviewLog> {
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let (created_at, current) = card_state(conn, user, card, true)
                    .await?
                    .ok_or(DomainError::not_found(ENTITY))?;
                if schedule_of(created_at, current) != review.before {
                    return Err(changed_meanwhile().into());
                }
                put_schedule(conn, user, card, &review.after).await?;
                let row = diesel::insert_into(flashcard_reviews::table)
                    .values(ReviewInsert::new(user, card.as_uuid(), &review))
                    .returning(ReviewRow::as_returning())
                    .one(conn)
                    .await?;
                Ok(row)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok(row.log())
    }

    async fn undo(&self, user: UserId, card: FlashcardId) -> DomainResult<Option<Schedule>> {
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            card_state(conn, user, card, true)
                .await?
                .ok_or(DomainError::not_found(ENTITY))?;
            let last: Option<ReviewRow> = flashcard_reviews::table
                .filter(flashcard_reviews::flashcard_id.eq(card.as_uuid()))
                .order((
                    flashcard_reviews::reviewed_at.desc(),
                    flashcard_reviews::created_at.desc(),
                    flashcard_reviews::id.desc(),
                ))
                .select(ReviewRow::as_select())
                .limit(1)
                .for_update()
                .load(conn)
                .await?
                .into_iter()
                .next();
            let Some(last) = last else {
                return Ok(None);
            };
            diesel::delete(flashcard_reviews::table.filter(flashcard_reviews::id.eq(last.id)))
                .execute(conn)
                .await?;
            let before = last.before();
            if before.state == CardState::New {
                diesel::delete(
                    flashcard_schedules::table
                        .filter(flashcard_schedules::flashcard_id.eq(card.as_uuid())),
                )
                .execute(conn)
                .await?;
            } else {
                put_schedule(conn, user, card, &before).await?;
            }
            Ok(Some(before))
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))
    }

    async fn due(
        &self,
        user: UserId,
        filter: ReviewFilter,
        now: DateTime<Utc>,
        limit: u32,
        new_limit: u32,
    ) -> DomainResult<Vec<DueCard>> {
        let course = filter.course_id.map(|id| id.as_uuid());
        let set = filter.set_id.map(|id| id.as_uuid());
        let learning = [
            PgCardState(CardState::Learning),
            PgCardState(CardState::Relearning),
        ];
        let (due, fresh) = self
            .db
            .read(ENTITY, async |conn| {
                let mut query = flashcard_schedules::table
                    .inner_join(flashcards::table.inner_join(flashcard_sets::table))
                    .filter(flashcard_schedules::user_id.eq(user.as_uuid()))
                    .filter(flashcard_schedules::due.le(now))
                    .into_boxed();
                if let Some(course) = course {
                    query = query.filter(flashcard_sets::course_id.eq(course));
                }
                if let Some(set) = set {
                    query = query.filter(flashcard_sets::id.eq(set));
                }
                let due: Vec<(FlashcardRow, ScheduleRow)> = query
                    .order((
                        flashcard_schedules::state.eq_any(learning).desc(),
                        flashcard_schedules::due,
                        flashcard_schedules::flashcard_id,
                    ))
                    .limit(i64::from(limit))
                    .select((FlashcardRow::as_select(), ScheduleRow::as_select()))
                    .load(conn)
                    .await?;
                let room = u32::try_from(due.len())
                    .map_or(0, |taken| limit.saturating_sub(taken))
                    .min(new_limit);
                if room == 0 {
                    return Ok((due, Vec::new()));
                }
                let mut fresh = flashcards::table
                    .inner_join(flashcard_sets::table)
                    .left_join(flashcard_schedules::table)
                    .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                    .filter(flashcard_schedules::flashcard_id.nullable().is_null())
                    .into_boxed();
                if let Some(course) = course {
                    fresh = fresh.filter(flashcard_sets::course_id.eq(course));
                }
                if let Some(set) = set {
                    fresh = fresh.filter(flashcard_sets::id.eq(set));
                }
                let fresh: Vec<FlashcardRow> = fresh
                    .order((flashcards::created_at, flashcards::id))
                    .limit(i64::from(room))
                    .select(FlashcardRow::as_select())
                    .load(conn)
                    .await?;
                Ok((due, fresh))
            })
            .await?;
        let mut cards: Vec<DueCard> = due
            .into_iter()
            .map(|(card, schedule)| DueCard {
                card: Flashcard::from(card),
                schedule: schedule.into(),
            })
            .collect();
        cards.extend(fresh.into_iter().map(|card| {
            let card = Flashcard::from(card);
            DueCard {
                schedule: Schedule::new(card.created_at),
                card,
            }
        }));
        Ok(cards)
    }

    async fn started_since(&self, user: UserId, since: DateTime<Utc>) -> DomainResult<u32> {
        let started: i64 = self
            .db
            .read(ENTITY, async |conn| {
                flashcard_reviews::table
                    .filter(flashcard_reviews::user_id.eq(user.as_uuid()))
                    .filter(flashcard_reviews::created_at.ge(since))
                    .filter(flashcard_reviews::state_before.eq(PgCardState(CardState::New)))
                    .count()
                    .load(conn)
                    .await
                    .map(|rows: Vec<i64>| rows.into_iter().next().unwrap_or(0))
            })
            .await?;
        Ok(u32::try_from(started).unwrap_or(u32::MAX))
    }

    async fn review_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        since: DateTime<Utc>,
    ) -> DomainResult<Vec<ReviewTally>> {
        let sql = format!(
            "SELECT (r.reviewed_at AT TIME ZONE 'UTC')::date AS day, r.rating, r.state_before, \
                    count(*) AS count \
             FROM flashcard_reviews r \
             JOIN flashcards c ON c.id = r.flashcard_id \
             JOIN flashcard_sets s ON s.id = c.flashcard_set_id \
             WHERE r.user_id = $1 AND {FILTER} AND r.reviewed_at >= $4 \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        );
        let rows: Vec<ReviewCount> = self
            .db
            .read(ENTITY, async |conn| {
                filtered(&sql, user, filter)
                    .bind::<Timestamptz, _>(since)
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ReviewTally {
                day: row.day,
                rating: row.rating.0,
                state_before: row.state_before.0,
                count: unsigned(row.count),
            })
            .collect())
    }

    async fn due_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        before: DateTime<Utc>,
    ) -> DomainResult<Vec<(NaiveDate, u64)>> {
        let sql = format!(
            "SELECT (d.due AT TIME ZONE 'UTC')::date AS day, count(*) AS count \
             FROM flashcard_schedules d \
             JOIN flashcards c ON c.id = d.flashcard_id \
             JOIN flashcard_sets s ON s.id = c.flashcard_set_id \
             WHERE d.user_id = $1 AND {FILTER} AND d.due < $4 \
             GROUP BY 1 ORDER BY 1"
        );
        let rows: Vec<DayCount> = self
            .db
            .read(ENTITY, async |conn| {
                filtered(&sql, user, filter)
                    .bind::<Timestamptz, _>(before)
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.day, unsigned(row.count)))
            .collect())
    }

    async fn state_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
    ) -> DomainResult<Vec<(CardState, u64)>> {
        let sql = format!(
            "SELECT coalesce(d.state, 'NEW') AS state, count(*) AS count \
             FROM flashcards c \
             JOIN flashcard_sets s ON s.id = c.flashcard_set_id \
             LEFT JOIN flashcard_schedules d ON d.flashcard_id = c.id \
             WHERE s.user_id = $1 AND {FILTER} \
             GROUP BY 1 ORDER BY 1"
        );
        let rows: Vec<StateCount> = self
            .db
            .read(ENTITY, async |conn| {
                filtered(&sql, user, filter).load(conn).await
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.state.0, unsigned(row.count)))
            .collect())
    }

    async fn set_records(
        &self,
        user: UserId,
        set: FlashcardSetId,
    ) -> DomainResult<Vec<CardRecord>> {
        let (owned, schedules, reviews) = self
            .db
            .read(ENTITY, async |conn| {
                // Three statements, one round trip; the rows come back only for the user's set.
                let owned = flashcard_sets::table
                    .filter(flashcard_sets::id.eq(set.as_uuid()))
                    .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                    .select(flashcard_sets::id)
                    .load::<Uuid>(&mut &*conn);
                let schedules = flashcard_schedules::table
                    .inner_join(flashcards::table.inner_join(flashcard_sets::table))
                    .filter(flashcards::flashcard_set_id.eq(set.as_uuid()))
                    .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                    .select((flashcard_schedules::flashcard_id, ScheduleRow::as_select()))
                    .load::<(Uuid, ScheduleRow)>(&mut &*conn);
                let reviews = flashcard_reviews::table
                    .inner_join(flashcards::table.inner_join(flashcard_sets::table))
                    .filter(flashcards::flashcard_set_id.eq(set.as_uuid()))
                    .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                    .order((
                        flashcard_reviews::flashcard_id,
                        flashcard_reviews::reviewed_at,
                        flashcard_reviews::created_at,
                        flashcard_reviews::id,
                    ))
                    .select(ReviewRow::as_select())
                    .load::<ReviewRow>(&mut &*conn);
                let (owned, schedules, reviews) = tokio::join!(owned, schedules, reviews);
                Ok((owned?, schedules?, reviews?))
            })
            .await?;
        if owned.is_empty() {
            return Err(DomainError::not_found("flashcard set"));
        }
        let mut logs: std::collections::HashMap<Uuid, Vec<ReviewLog>> =
            std::collections::HashMap::new();
        for row in &reviews {
            logs.entry(row.flashcard_id).or_default().push(row.log());
        }
        Ok(schedules
            .into_iter()
            .map(|(card, schedule)| CardRecord {
                card: card.into(),
                schedule: schedule.into(),
                reviews: logs.remove(&card).unwrap_or_default(),
            })
            .collect())
    }

    async fn histories(&self, user: UserId) -> DomainResult<Vec<CardHistory>> {
        let rows: Vec<(Uuid, PgReviewRating, i32)> = self
            .db
            .read(ENTITY, async |conn| {
                flashcard_reviews::table
                    .filter(flashcard_reviews::user_id.eq(user.as_uuid()))
                    .order((
                        flashcard_reviews::flashcard_id,
                        flashcard_reviews::reviewed_at,
                        flashcard_reviews::created_at,
                        flashcard_reviews::id,
                    ))
                    .select((
                        flashcard_reviews::flashcard_id,
                        flashcard_reviews::rating,
                        flashcard_reviews::elapsed_days,
                    ))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(CardHistory::group(rows.into_iter().map(
            |(card, rating, days)| (card, rating.0, u32::try_from(days).unwrap_or(0)),
        )))
    }

    async fn settings(&self, user: UserId) -> DomainResult<ReviewSettings> {
        let row: Option<SettingsRow> = self
            .db
            .read(SETTINGS, async |conn| {
                review_settings::table
                    .filter(review_settings::user_id.eq(user.as_uuid()))
                    .select(SettingsRow::as_select())
                    .limit(1)
                    .load(conn)
                    .await
                    .map(|rows| rows.into_iter().next())
            })
            .await?;
        Ok(row.map(ReviewSettings::from).unwrap_or_default())
    }

    async fn update_settings(
        &self,
        user: UserId,
        update: ReviewSettingsUpdate,
    ) -> DomainResult<ReviewSettings> {
        let mut conn = self.db.conn().await?;
        let row = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let current: Option<SettingsRow> = review_settings::table
                    .filter(review_settings::user_id.eq(user.as_uuid()))
                    .select(SettingsRow::as_select())
                    .for_update()
                    .load(conn)
                    .await?
                    .into_iter()
                    .next();
                let mut settings = current.map(ReviewSettings::from).unwrap_or_default();
                if let Some(retention) = update.desired_retention {
                    settings.desired_retention = retention;
                }
                if let Some(count) = update.new_cards_per_day {
                    settings.new_cards_per_day = count;
                }
                if let Some(fuzz) = update.fuzz {
                    settings.fuzz = fuzz;
                }
                if let Some(parameters) = update.parameters {
                    settings.parameters = parameters;
                }
                let row = SettingsRow {
                    desired_retention: settings.desired_retention,
                    new_cards_per_day: count(settings.new_cards_per_day),
                    fuzz: settings.fuzz,
                    parameters: settings
                        .parameters
                        .map(|values| values.into_iter().map(Some).collect()),
                };
                let row = diesel::insert_into(review_settings::table)
                    .values((review_settings::user_id.eq(user.as_uuid()), &row))
                    .on_conflict(review_settings::user_id)
                    .do_update()
                    .set((
                        review_settings::desired_retention
                            .eq(excluded(review_settings::desired_retention)),
                        review_settings::new_cards_per_day
                            .eq(excluded(review_settings::new_cards_per_day)),
                        review_settings::fuzz.eq(excluded(review_settings::fuzz)),
                        review_settings::parameters.eq(excluded(review_settings::parameters)),
                    ))
                    .returning(SettingsRow::as_returning())
                    .one(conn)
                    .await?;
                Ok(row)
            })
            .await
            .map_err(|e| e.into_domain(SETTINGS))?;
        Ok(row.into())
    }
}

/// `sql` with the user bound to `$1` and the filter's course and set to `$2` and `$3`
/// ([`FILTER`]).
fn filtered(
    sql: &str,
    user: UserId,
    filter: ReviewFilter,
) -> diesel::query_builder::BoxedSqlQuery<'static, diesel::pg::Pg, diesel::query_builder::SqlQuery>
{
    diesel::sql_query(sql.to_owned())
        .into_boxed()
        .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(filter.course_id.map(|id| id.as_uuid()))
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(filter.set_id.map(|id| id.as_uuid()))
}

fn changed_meanwhile() -> DomainError {
    DomainError::conflict(
        "flashcard",
        "the card was reviewed meanwhile; load its schedule again",
    )
}
