//! The port for spaced repetition: card schedules, the review log, and review settings.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::entities::{
    CardRecord, DueCard, NewReview, ReviewFilter, ReviewLog, ReviewSettings, ReviewSettingsUpdate,
    ReviewTally,
};
use crate::enums::{CardState, ReviewRating};
use crate::error::DomainResult;
use crate::id::{FlashcardId, FlashcardSetId, UserId};
use crate::rules::fsrs::Schedule;

/// Stores each card's [`Schedule`] and the log of its reviews, and each student's
/// [`ReviewSettings`]. A card never reviewed has no stored schedule: it is `NEW`, due from its
/// creation. Deleting a card deletes its schedule and log; editing it keeps them.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ReviewRepository: Send + Sync {
    /// The schedule of the user's card.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card does not exist or is not the user's.
    async fn schedule(&self, user: UserId, card: FlashcardId) -> DomainResult<Schedule>;

    /// Records a review of the user's card, atomically: the card takes `review.after` and the
    /// log gains the entry.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not the user's; `Conflict` when the card's schedule is no
    /// longer `review.before` (another review was recorded meanwhile).
    async fn record(
        &self,
        user: UserId,
        card: FlashcardId,
        review: NewReview,
    ) -> DomainResult<ReviewLog>;

    /// Removes the last review of the user's card and gives the card back the schedule it
    /// had before it, atomically; `None` when the card has no review.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not the user's.
    async fn undo(&self, user: UserId, card: FlashcardId) -> DomainResult<Option<Schedule>>;

    /// The user's cards to study at `now`, within `filter`: first those due (learning and
    /// relearning before review, then by due time, then id), at most `limit`; then, in the
    /// room left, at most `new_limit` cards never reviewed, oldest first.
    async fn due(
        &self,
        user: UserId,
        filter: ReviewFilter,
        now: DateTime<Utc>,
        limit: u32,
        new_limit: u32,
    ) -> DomainResult<Vec<DueCard>>;

    /// How many of the user's cards had their first review recorded at or after `since` (when
    /// it was recorded, not the date the client gave it: a review replayed from the past
    /// still counts today).
    async fn started_since(&self, user: UserId, since: DateTime<Utc>) -> DomainResult<u32>;

    /// The user's reviews at or after `since`, within `filter`, counted by day (UTC), rating
    /// and the state the card was in.
    async fn review_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        since: DateTime<Utc>,
    ) -> DomainResult<Vec<ReviewTally>>;

    /// The user's reviewed cards within `filter` coming due before `before` (overdue ones
    /// included), counted by day (UTC).
    async fn due_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        before: DateTime<Utc>,
    ) -> DomainResult<Vec<(NaiveDate, u64)>>;

    /// The user's cards within `filter`, counted by state (`NEW` for those never reviewed).
    async fn state_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
    ) -> DomainResult<Vec<(CardState, u64)>>;

    /// The schedule and review log of each card of the user's set reviewed at least once, in
    /// no particular order.
    ///
    /// # Errors
    ///
    /// `NotFound` when the set is not the user's.
    async fn set_records(&self, user: UserId, set: FlashcardSetId)
    -> DomainResult<Vec<CardRecord>>;

    /// The review history of each of the user's cards reviewed at least once, oldest review
    /// first: what the parameter optimizer learns from.
    async fn histories(&self, user: UserId) -> DomainResult<Vec<CardHistory>>;

    /// The user's settings (the defaults until changed).
    async fn settings(&self, user: UserId) -> DomainResult<ReviewSettings>;

    /// Changes the user's settings.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user does not exist.
    async fn update_settings(
        &self,
        user: UserId,
        update: ReviewSettingsUpdate,
    ) -> DomainResult<ReviewSettings>;
}

/// One card's reviews, oldest first: each rating with the whole days since the review before
/// (0 for the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardHistory {
    /// The reviews.
    pub reviews: Vec<(ReviewRating, u32)>,
}

impl CardHistory {
    /// The histories of reviews `(card, rating, whole days since the one before)` listed card
    /// by card, each card's oldest first.
    pub fn group<K: PartialEq>(
        rows: impl IntoIterator<Item = (K, ReviewRating, u32)>,
    ) -> Vec<Self> {
        let mut histories: Vec<(K, Self)> = Vec::new();
        for (card, rating, days) in rows {
            match histories.last_mut() {
                Some((last, history)) if *last == card => history.reviews.push((rating, days)),
                _ => histories.push((
                    card,
                    Self {
                        reviews: vec![(rating, days)],
                    },
                )),
            }
        }
        histories.into_iter().map(|(_, history)| history).collect()
    }

    /// How many of its reviews came a day or more after the one before: the reviews the
    /// optimizer learns long-term memory from.
    #[must_use]
    pub fn long_term_reviews(&self) -> usize {
        self.reviews.iter().filter(|(_, days)| *days > 0).count()
    }
}

/// Fits the FSRS-6 parameters to a student's review histories.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ParameterOptimizer: Send + Sync {
    /// The 21 parameters that best predict the recalls in `histories`.
    ///
    /// # Errors
    ///
    /// `Validation` on `reviews` when the histories are too few to learn from; `Internal`
    /// when the optimizer fails.
    async fn fit(&self, histories: Vec<CardHistory>) -> DomainResult<Vec<f64>>;
}
