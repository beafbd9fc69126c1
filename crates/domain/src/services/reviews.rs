//! Studying with spaced repetition: which cards are due, a review applied with the FSRS-6
//! scheduler ([`crate::rules::fsrs`]), an undo, statistics, each student's settings, and
//! ([`ParameterFitting`]) the scheduler's parameters fitted to the student's own reviews.

use std::sync::Arc;

use sha2::Digest as _;

use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::entities::{
    DayDue, DayReviews, DueCard, NewNotification, NewReview, NextInterval, ReviewFilter,
    ReviewOutcome, ReviewSettings, ReviewSettingsUpdate, ReviewStats, StateCounts,
};
use crate::enums::{CardState, NotificationType, ReviewRating};
use crate::error::{DomainError, DomainResult};
use crate::id::{FlashcardId, UserId};
use crate::jobs::{Job as _, OptimizeReviewParameters};
use crate::ports::{
    CardHistory, Clock, JobQueue, NotificationRepository, ParameterOptimizer, ReviewRepository,
};
use crate::rules::fsrs::{self, Schedule, SchedulerSettings};
use crate::values::{Link, MessageText, Title};

/// The most cards one request for due cards answers.
pub const MAX_DUE: u32 = 500;

/// The most days statistics cover.
pub const MAX_STATS_DAYS: u32 = 365;

/// How far ahead of the server's clock a review may be dated (clocks differ a little).
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// The retention a student may choose, inclusive.
pub const RETENTION_RANGE: (f64, f64) = (0.70, 0.99);

/// Applies reviews and answers what to study.
pub struct ReviewService {
    reviews: Arc<dyn ReviewRepository>,
    clock: Arc<dyn Clock>,
}

impl ReviewService {
    /// The service over `reviews`, with `clock` for "now".
    #[must_use]
    pub fn new(reviews: Arc<dyn ReviewRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { reviews, clock }
    }

    /// The scheduler's settings for a student's settings.
    #[must_use]
    pub fn scheduler(settings: &ReviewSettings) -> SchedulerSettings {
        let mut scheduler = SchedulerSettings {
            desired_retention: settings.desired_retention,
            fuzz: settings.fuzz,
            ..SchedulerSettings::default()
        };
        if let Some(parameters) = &settings.parameters
            && let Ok(parameters) = <[f64; 21]>::try_from(parameters.as_slice())
        {
            scheduler.parameters = parameters;
        }
        scheduler
    }

    /// Rates the user's card: applies the rating at `reviewed_at` (now when `None`), logs it,
    /// and answers the new schedule with the intervals each rating would give next time.
    ///
    /// A review may be dated in the past (a client that was offline, history replayed), but
    /// not before the card's last review.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not the user's; `Validation` on `reviewedAt` in the future;
    /// `Conflict` on `reviewedAt` before the card's last review, or when another review of
    /// the card was recorded meanwhile.
    pub async fn review(
        &self,
        user: UserId,
        card: FlashcardId,
        rating: ReviewRating,
        reviewed_at: Option<DateTime<Utc>>,
        duration_ms: Option<u32>,
    ) -> DomainResult<ReviewOutcome> {
        let now = self.clock.now();
        let at = reviewed_at.unwrap_or(now).trunc_subsecs(6);
        if at > now + CLOCK_SKEW {
            return Err(DomainError::validation(
                "reviewedAt",
                "lies in the future; a review is dated when it happened",
            ));
        }
        let before = self.reviews.schedule(user, card).await?;
        if let Some(last) = before.last_review
            && at < last
        {
            return Err(DomainError::conflict(
                "reviewedAt",
                format!(
                    "is before the card's last review ({}); reviews are applied in order",
                    last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            ));
        }
        let settings = Self::scheduler(&self.reviews.settings(user).await?);
        let after = fsrs::review(&settings, &before, rating, at, fuzz_factor());
        let elapsed = before
            .last_review
            .map_or(0, |last| fsrs::elapsed_days(last, at));
        let review = self
            .reviews
            .record(
                user,
                card,
                NewReview {
                    rating,
                    reviewed_at: at,
                    elapsed_days: i32::try_from(elapsed).unwrap_or(i32::MAX),
                    duration_ms,
                    before,
                    after: after.clone(),
                },
            )
            .await?;
        let next = next_intervals(&settings, &after);
        Ok(ReviewOutcome {
            schedule: after,
            review,
            next,
        })
    }

    /// Undoes the last review of the user's card; answers the schedule it has again.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not the user's; `Conflict` when it has no review to undo.
    pub async fn undo(&self, user: UserId, card: FlashcardId) -> DomainResult<Schedule> {
        self.reviews
            .undo(user, card)
            .await?
            .ok_or_else(|| DomainError::conflict("flashcard", "the card has no review to undo"))
    }

    /// The user's cards to study now within `filter`: those due (learning first, then by
    /// due time), then new cards up to what is left of today's new-card limit (days in
    /// UTC), `limit` in all.
    ///
    /// # Errors
    ///
    /// `Validation` on `limit` outside 1 to [`MAX_DUE`].
    pub async fn due(
        &self,
        user: UserId,
        filter: ReviewFilter,
        limit: u32,
    ) -> DomainResult<Vec<DueCard>> {
        if !(1..=MAX_DUE).contains(&limit) {
            return Err(DomainError::validation(
                "limit",
                format!("must be 1 to {MAX_DUE}"),
            ));
        }
        let now = self.clock.now();
        let settings = self.reviews.settings(user).await?;
        let started = self.reviews.started_since(user, start_of_day(now)).await?;
        let new_limit = settings.new_cards_per_day.saturating_sub(started);
        self.reviews.due(user, filter, now, limit, new_limit).await
    }

    /// The user's reviews over the last `days` days (today included) within `filter`, the
    /// cards coming due over the next `days`, and the cards by state.
    ///
    /// # Errors
    ///
    /// `Validation` on `days` outside 1 to [`MAX_STATS_DAYS`].
    pub async fn stats(
        &self,
        user: UserId,
        filter: ReviewFilter,
        days: u32,
    ) -> DomainResult<ReviewStats> {
        if !(1..=MAX_STATS_DAYS).contains(&days) {
            return Err(DomainError::validation(
                "days",
                format!("must be 1 to {MAX_STATS_DAYS}"),
            ));
        }
        let today = start_of_day(self.clock.now());
        let span = i64::from(days);
        let since = today - Duration::days(span - 1);
        let tally = self.reviews.review_tally(user, filter, since).await?;
        let mut per_day: Vec<DayReviews> = (0..span)
            .map(|offset| DayReviews {
                date: (since + Duration::days(offset)).date_naive(),
                ..DayReviews::default()
            })
            .collect();
        let (mut recalled, mut in_review) = (0_u64, 0_u64);
        for entry in tally {
            if entry.state_before == CardState::Review {
                in_review += entry.count;
                if entry.rating != ReviewRating::Again {
                    recalled += entry.count;
                }
            }
            let Some(day) = per_day.iter_mut().find(|d| d.date == entry.day) else {
                continue;
            };
            day.reviews += entry.count;
            match entry.rating {
                ReviewRating::Again => day.again += entry.count,
                ReviewRating::Hard => day.hard += entry.count,
                ReviewRating::Good => day.good += entry.count,
                ReviewRating::Easy => day.easy += entry.count,
            }
        }
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let retention = (in_review > 0).then(|| recalled as f64 / in_review as f64);
        let ahead_end = today + Duration::days(span);
        let due = self.reviews.due_tally(user, filter, ahead_end).await?;
        let mut due_ahead: Vec<DayDue> = (0..span)
            .map(|offset| DayDue {
                date: (today + Duration::days(offset)).date_naive(),
                cards: 0,
            })
            .collect();
        for (date, cards) in due {
            let index = due_ahead.iter().position(|d| d.date == date).unwrap_or(0);
            if let Some(day) = due_ahead.get_mut(index) {
                day.cards += cards;
            }
        }
        let mut states = StateCounts::default();
        for (state, count) in self.reviews.state_tally(user, filter).await? {
            match state {
                CardState::New => states.new += count,
                CardState::Learning => states.learning += count,
                CardState::Review => states.review += count,
                CardState::Relearning => states.relearning += count,
            }
        }
        Ok(ReviewStats {
            days: per_day,
            retention,
            due_ahead,
            states,
        })
    }

    /// The user's settings.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    pub async fn settings(&self, user: UserId) -> DomainResult<ReviewSettings> {
        self.reviews.settings(user).await
    }

    /// Changes the user's settings.
    ///
    /// # Errors
    ///
    /// `Validation` on `desiredRetention` outside 0.70 to 0.99, `newCardsPerDay` above
    /// [`ReviewSettings::MAX_NEW_CARDS_PER_DAY`], or `parameters` that are not 21 numbers
    /// the scheduler accepts.
    pub async fn update_settings(
        &self,
        user: UserId,
        update: ReviewSettingsUpdate,
    ) -> DomainResult<ReviewSettings> {
        if let Some(retention) = update.desired_retention
            && !(RETENTION_RANGE.0..=RETENTION_RANGE.1).contains(&retention)
        {
            return Err(DomainError::validation(
                "desiredRetention",
                "must be 0.70 to 0.99",
            ));
        }
        if let Some(count) = update.new_cards_per_day
            && count > ReviewSettings::MAX_NEW_CARDS_PER_DAY
        {
            return Err(DomainError::validation(
                "newCardsPerDay",
                format!("must be 0 to {}", ReviewSettings::MAX_NEW_CARDS_PER_DAY),
            ));
        }
        if let Some(Some(parameters)) = &update.parameters {
            let Ok(parameters) = <[f64; 21]>::try_from(parameters.as_slice()) else {
                return Err(DomainError::validation(
                    "parameters",
                    "must be the 21 FSRS-6 parameters",
                ));
            };
            SchedulerSettings {
                parameters,
                ..SchedulerSettings::default()
            }
            .validate()
            .map_err(|e| DomainError::validation("parameters", e.0))?;
        }
        self.reviews.update_settings(user, update).await
    }
}

/// What each rating would give the card at its next due time, without fuzz.
fn next_intervals(settings: &SchedulerSettings, card: &Schedule) -> Vec<NextInterval> {
    let plain = SchedulerSettings {
        fuzz: false,
        ..settings.clone()
    };
    fsrs::preview(&plain, card, card.due, 0.0)
        .into_iter()
        .map(|(rating, schedule)| NextInterval {
            rating,
            due: schedule.due,
            interval_seconds: (schedule.due - card.due).num_seconds(),
        })
        .collect()
}

/// Midnight (UTC) of the day of `at`.
fn start_of_day(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(at, |midnight| midnight.and_utc())
}

/// A number in `[0, 1)` for the interval's fuzz, from the system's randomness.
fn fuzz_factor() -> f64 {
    let mut bytes = [0_u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    // The top 53 bits, as a fraction.
    #[allow(clippy::cast_precision_loss, reason = "53 bits are exact in an f64")]
    let fraction = (u64::from_le_bytes(bytes) >> 11) as f64 / (1_u64 << 53) as f64;
    fraction
}

/// The fewest reviews made a day or more after the one before that the optimizer is asked to
/// learn from: below it, the `fsrs` optimizer has too little to learn (it gives back the
/// default parameters below 8).
pub const MIN_OPTIMIZER_REVIEWS: usize = 8;

/// The ports [`ParameterFitting`] works through.
#[derive(Clone)]
pub struct FittingPorts {
    /// Review histories and settings.
    pub reviews: Arc<dyn ReviewRepository>,
    /// Where the fitting is queued.
    pub queue: Arc<dyn JobQueue>,
    /// The optimizer.
    pub optimizer: Arc<dyn ParameterOptimizer>,
    /// Tells the student when the parameters are fitted.
    pub notifications: Arc<dyn NotificationRepository>,
}

/// Fits a student's scheduler to their own reviews, in the background.
pub struct ParameterFitting {
    ports: FittingPorts,
}

impl ParameterFitting {
    /// The service over `ports`.
    #[must_use]
    pub const fn new(ports: FittingPorts) -> Self {
        Self { ports }
    }

    /// Queues a fitting of the user's parameters; answers how many reviews it will learn
    /// from. A fitting already queued for the user is not queued twice.
    ///
    /// # Errors
    ///
    /// `Validation` on `reviews` below [`MIN_OPTIMIZER_REVIEWS`]; `Unavailable` when the
    /// queue cannot take the job.
    pub async fn start(&self, user: UserId) -> DomainResult<u32> {
        let histories = self.ports.reviews.histories(user).await?;
        let reviews: usize = histories.iter().map(CardHistory::long_term_reviews).sum();
        if reviews < MIN_OPTIMIZER_REVIEWS {
            return Err(DomainError::validation(
                "reviews",
                format!(
                    "the optimizer learns from reviews made a day or more after the one \
                     before: it needs at least {MIN_OPTIMIZER_REVIEWS}, and there are {reviews}"
                ),
            ));
        }
        let job = OptimizeReviewParameters { user_id: user }.to_new_job()?;
        self.ports.queue.enqueue(job).await?;
        Ok(u32::try_from(reviews).unwrap_or(u32::MAX))
    }

    /// Fits the parameters to the user's reviews, keeps them in the user's settings (used by
    /// every review from then on) and tells the student. Run twice, it fits and keeps the same.
    ///
    /// # Errors
    ///
    /// `Validation` when the reviews are too few or the optimizer's parameters are out of the
    /// scheduler's bounds; the optimizer's and the storage's errors.
    pub async fn run(&self, user: UserId) -> DomainResult<Vec<f64>> {
        let histories = self.ports.reviews.histories(user).await?;
        let reviews: usize = histories.iter().map(CardHistory::long_term_reviews).sum();
        let parameters = self.ports.optimizer.fit(histories).await?;
        let fitted = <[f64; 21]>::try_from(parameters.as_slice()).map_err(|_| {
            DomainError::internal(format!(
                "the optimizer gave {} parameters instead of 21",
                parameters.len()
            ))
        })?;
        SchedulerSettings {
            parameters: fitted,
            ..SchedulerSettings::default()
        }
        .validate()
        .map_err(|e| DomainError::validation("parameters", e.0))?;
        self.ports
            .reviews
            .update_settings(
                user,
                ReviewSettingsUpdate {
                    parameters: Some(Some(parameters.clone())),
                    ..ReviewSettingsUpdate::default()
                },
            )
            .await?;
        let notice = NewNotification {
            notification_type: NotificationType::System,
            title: Title::parse("Your review schedule is fitted to you")
                .map_err(|e| DomainError::internal(e.0))?,
            message: MessageText::parse(format!(
                "Your scheduler's parameters were fitted to {reviews} of your reviews; the \
                 cards you study are scheduled with them from now on."
            ))
            .map_err(|e| DomainError::internal(e.0))?,
            link: Some(
                Link::parse("/api/v1/me/review-settings")
                    .map_err(|e| DomainError::internal(e.0))?,
            ),
        };
        // A run repeated after a crash fits the same parameters and notifies once.
        let digest = sha2::Sha256::digest(
            parameters
                .iter()
                .flat_map(|p| p.to_le_bytes())
                .collect::<Vec<u8>>(),
        );
        let key = format!("reviews.optimized:{}", hex(&digest));
        self.ports
            .notifications
            .create_once(user, key, notice)
            .await?;
        Ok(parameters)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
