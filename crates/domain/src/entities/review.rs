//! Spaced repetition: each card's schedule, the log of its reviews, and each student's
//! settings for the scheduler.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Flashcard;
use crate::enums::{CardState, ReviewRating};
use crate::id::{CourseId, FlashcardId, FlashcardSetId, ReviewId};
use crate::rules::fsrs::Schedule;

/// One review of a flashcard, as logged. The log is append-only: an undo removes the last
/// entry, nothing else changes one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewLog {
    /// The review's id.
    pub id: ReviewId,
    /// The card reviewed.
    pub flashcard_id: FlashcardId,
    /// How well the student recalled it.
    pub rating: ReviewRating,
    /// The card's state before the review.
    pub state_before: CardState,
    /// When the review happened (the student's clock, for a review made offline).
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub reviewed_at: DateTime<Utc>,
    /// Whole days since the review before (0 for the first).
    pub elapsed_days: i32,
    /// How long the student took to answer, when the client says.
    pub duration_ms: Option<u32>,
}

/// A review to record: the rating, and the card's schedule before and after it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReview {
    /// How well the student recalled the card.
    pub rating: ReviewRating,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// Whole days since the review before (0 for the first).
    pub elapsed_days: i32,
    /// How long the student took to answer.
    pub duration_ms: Option<u32>,
    /// The schedule the review started from: recorded only if the card still has it.
    pub before: Schedule,
    /// The schedule the review gives.
    pub after: Schedule,
}

/// A reviewed card's schedule with its review log, oldest review first.
#[derive(Clone, Debug, PartialEq)]
pub struct CardRecord {
    /// The card.
    pub card: FlashcardId,
    /// Its schedule.
    pub schedule: Schedule,
    /// Its reviews, oldest first.
    pub reviews: Vec<ReviewLog>,
}

/// A card to study, with its schedule.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueCard {
    /// The card (its set in `flashcardSetId`).
    #[serde(flatten)]
    pub card: Flashcard,
    /// Its schedule.
    pub schedule: Schedule,
}

/// Which of the student's cards to study or count: all, a course's, or a set's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    /// Only the cards of sets filed under this course.
    pub course_id: Option<CourseId>,
    /// Only the cards of this set.
    pub set_id: Option<FlashcardSetId>,
}

/// A student's settings for the scheduler.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewSettings {
    /// The share of cards the student wants to recall when they come due, 0.70 to 0.99.
    pub desired_retention: f64,
    /// How many new cards a day to introduce, at most.
    pub new_cards_per_day: u32,
    /// Whether review intervals are spread by a little chance, so cards learned together do
    /// not stay together.
    pub fuzz: bool,
    /// The 21 FSRS parameters fitted to the student's own reviews; `None`: the defaults.
    pub parameters: Option<Vec<f64>>,
}

impl ReviewSettings {
    /// The desired retention when the student has not chosen one.
    pub const DEFAULT_RETENTION: f64 = 0.9;
    /// The new cards a day when the student has not chosen.
    pub const DEFAULT_NEW_CARDS_PER_DAY: u32 = 20;
    /// The most new cards a day a student may ask for.
    pub const MAX_NEW_CARDS_PER_DAY: u32 = 9_999;
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            desired_retention: Self::DEFAULT_RETENTION,
            new_cards_per_day: Self::DEFAULT_NEW_CARDS_PER_DAY,
            fuzz: true,
            parameters: None,
        }
    }
}

/// A change to a student's settings; `None` leaves a setting as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReviewSettingsUpdate {
    /// A new desired retention (validated by the caller: 0.70 to 0.99).
    pub desired_retention: Option<f64>,
    /// A new number of new cards a day.
    pub new_cards_per_day: Option<u32>,
    /// Fuzz on or off.
    pub fuzz: Option<bool>,
    /// New parameters (`Some(None)`: back to the defaults).
    pub parameters: Option<Option<Vec<f64>>>,
}

/// How many reviews of one day had one rating from one state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewTally {
    /// The day (UTC).
    pub day: NaiveDate,
    /// The rating.
    pub rating: ReviewRating,
    /// The state the cards were in.
    pub state_before: CardState,
    /// How many.
    pub count: u64,
}

/// What a review gave: the card's new schedule, the log entry, and what each rating would
/// give at the next review (for the answer buttons a client shows).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewOutcome {
    /// The card's schedule after the review.
    pub schedule: Schedule,
    /// The review as logged.
    pub review: ReviewLog,
    /// For each rating, AGAIN to EASY, when the card would be due after it is rated so at
    /// its next due time (without fuzz).
    pub next: Vec<NextInterval>,
}

/// When a card would come due after a rating.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextInterval {
    /// The rating.
    pub rating: ReviewRating,
    /// When the card would be due.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub due: DateTime<Utc>,
    /// How long from the review to then, in seconds.
    pub interval_seconds: i64,
}

/// A student's reviews and what lies ahead.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewStats {
    /// Each day of the period (UTC, oldest first) with its reviews by rating.
    pub days: Vec<DayReviews>,
    /// The share of reviews of cards in review that were not AGAIN, over the period; `None`
    /// without such reviews.
    pub retention: Option<f64>,
    /// Each day ahead (UTC, today first; overdue cards count for today) with the reviewed
    /// cards coming due.
    pub due_ahead: Vec<DayDue>,
    /// The cards by state.
    pub states: StateCounts,
}

/// The reviews of one day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayReviews {
    /// The day (UTC).
    pub date: NaiveDate,
    /// All reviews.
    pub reviews: u64,
    /// Rated AGAIN.
    pub again: u64,
    /// Rated HARD.
    pub hard: u64,
    /// Rated GOOD.
    pub good: u64,
    /// Rated EASY.
    pub easy: u64,
}

/// The cards coming due on one day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayDue {
    /// The day (UTC).
    pub date: NaiveDate,
    /// How many cards.
    pub cards: u64,
}

/// The cards by state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateCounts {
    /// Never reviewed.
    pub new: u64,
    /// In their first learning steps.
    pub learning: u64,
    /// In review.
    pub review: u64,
    /// Forgotten, in relearning steps.
    pub relearning: u64,
}
