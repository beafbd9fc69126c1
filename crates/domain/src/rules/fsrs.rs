//! The FSRS-6 spaced-repetition scheduler, step for step as py-fsrs 6.3.1 schedules a card
//! (`Scheduler.review_card`), in f64. `tests/fsrs.rs` replays schedules made by py-fsrs.
//!
//! Pure: the caller gives the time and, for fuzzing, the random number py-fsrs would draw.

use std::f64::consts::E;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{CardState, ReviewRating};
use crate::values::InvalidValue;

/// The default FSRS-6 parameters `w[0]..w[20]` (py-fsrs `DEFAULT_PARAMETERS`).
pub const DEFAULT_PARAMETERS: [f64; 21] = [
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796, 1.4835,
    0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
];

const STABILITY_MIN: f64 = 0.001;
/// py-fsrs's bounds on each parameter (`LOWER_BOUNDS_PARAMETERS`, `UPPER_BOUNDS_PARAMETERS`),
/// but for w19, whose floor is the `fsrs` crate's 0.01 rather than py-fsrs's 0: at 0, repeated
/// same-day reviews could grow a card's stability without bound, to infinity.
const LOWER_BOUNDS: [f64; 21] = [
    0.001, 0.001, 0.001, 0.001, 1.0, 0.001, 0.001, 0.001, 0.0, 0.0, 0.001, 0.001, 0.001, 0.001,
    0.0, 0.0, 1.0, 0.0, 0.0, 0.01, 0.1,
];
const UPPER_BOUNDS: [f64; 21] = [
    100.0, 100.0, 100.0, 100.0, 10.0, 4.0, 4.0, 0.75, 4.5, 0.8, 3.5, 5.0, 0.25, 0.9, 4.0, 1.0, 6.0,
    2.0, 2.0, 0.8, 0.8,
];
/// `(start, end, factor)`: each day of the interval between start and end widens the fuzz
/// range by factor days.
const FUZZ_RANGES: [(f64, f64, f64); 3] = [
    (2.5, 7.0, 0.15),
    (7.0, 20.0, 0.1),
    (20.0, f64::INFINITY, 0.05),
];

/// How a deck is scheduled.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerSettings {
    /// The model weights `w[0]..w[20]`.
    pub parameters: [f64; 21],
    /// The probability of recall a review is scheduled at (0.70 to 0.99).
    pub desired_retention: f64,
    /// The waits between the first answers of a new card, before it graduates to review.
    pub learning_steps: Vec<TimeDelta>,
    /// The waits between the answers of a forgotten card, before it returns to review.
    pub relearning_steps: Vec<TimeDelta>,
    /// The longest interval, in days.
    pub maximum_interval_days: u32,
    /// Whether review intervals of 3 days or more are spread by a few days at random.
    pub fuzz: bool,
}

impl Default for SchedulerSettings {
    /// py-fsrs's defaults: retention 0.9, steps 1 and 10 minutes, relearning 10 minutes,
    /// at most 36,500 days, fuzz on.
    fn default() -> Self {
        Self {
            parameters: DEFAULT_PARAMETERS,
            desired_retention: 0.9,
            learning_steps: vec![TimeDelta::minutes(1), TimeDelta::minutes(10)],
            relearning_steps: vec![TimeDelta::minutes(10)],
            maximum_interval_days: 36_500,
            fuzz: true,
        }
    }
}

impl SchedulerSettings {
    /// Checks the retention (0.70 to 0.99), the parameters (finite, within py-fsrs's bounds),
    /// the steps (positive) and the maximum interval (at least a day).
    ///
    /// # Errors
    ///
    /// What is wrong, in words.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        if !(0.70..=0.99).contains(&self.desired_retention) {
            return Err(InvalidValue::new(format!(
                "desired retention must be between 0.70 and 0.99, not {}",
                self.desired_retention
            )));
        }
        for (i, &w) in self.parameters.iter().enumerate() {
            if !(w.is_finite() && LOWER_BOUNDS[i] <= w && w <= UPPER_BOUNDS[i]) {
                return Err(InvalidValue::new(format!(
                    "parameter {i} must be between {} and {}, not {w}",
                    LOWER_BOUNDS[i], UPPER_BOUNDS[i]
                )));
            }
        }
        let steps = self.learning_steps.iter().chain(&self.relearning_steps);
        if steps.into_iter().any(|step| *step <= TimeDelta::zero()) {
            return Err(InvalidValue::new(
                "learning and relearning steps must be positive",
            ));
        }
        if self.maximum_interval_days == 0 {
            return Err(InvalidValue::new(
                "the maximum interval must be at least one day",
            ));
        }
        Ok(())
    }

    fn decay(&self) -> f64 {
        -self.parameters[20]
    }

    fn factor(&self) -> f64 {
        0.9_f64.powf(1.0 / self.decay()) - 1.0
    }
}

/// Where a card stands: its memory state and when it is due.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// New, learning, review or relearning.
    pub state: CardState,
    /// The learning or relearning step, from 0; `None` in review (and for a new card).
    pub step: Option<u32>,
    /// The days after which recall falls to 90 %; `None` before the first review.
    pub stability: Option<f64>,
    /// 1 (easy) to 10 (hard); `None` before the first review.
    pub difficulty: Option<f64>,
    /// When the card is due.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub due: DateTime<Utc>,
    /// When the card was last reviewed.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub last_review: Option<DateTime<Utc>>,
    /// How many times the card was reviewed.
    pub reps: u32,
    /// How many times the card was forgotten in review (rated again while in review), as
    /// Anki counts lapses. py-fsrs counts neither.
    pub lapses: u32,
}

impl Schedule {
    /// A card never reviewed, due at once. It is scheduled as py-fsrs's new card: learning,
    /// step 0, no memory state.
    #[must_use]
    pub const fn new(created_at: DateTime<Utc>) -> Self {
        Self {
            state: CardState::New,
            step: None,
            stability: None,
            difficulty: None,
            due: created_at,
            last_review: None,
            reps: 0,
            lapses: 0,
        }
    }
}

/// Whole 24-hour periods from `last_review` to `now`, rounded down (negative when `now` is
/// earlier), as Python's `timedelta.days`.
#[must_use]
pub fn elapsed_days(last_review: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let elapsed = now.signed_duration_since(last_review);
    let days = elapsed.num_days();
    if elapsed < TimeDelta::days(days) {
        days - 1
    } else {
        days
    }
}

/// The probability that `card` is recalled at `at`: 0 before its first review.
#[must_use]
pub fn retrievability(settings: &SchedulerSettings, card: &Schedule, at: DateTime<Utc>) -> f64 {
    let (Some(last_review), Some(stability)) = (card.last_review, card.stability) else {
        return 0.0;
    };
    if card.state == CardState::New {
        return 0.0;
    }
    let elapsed = elapsed_days(last_review, at).max(0) as f64;
    (1.0 + settings.factor() * elapsed / stability).powf(settings.decay())
}

/// `card` after it is rated `rating` at `reviewed_at`.
///
/// `fuzz_factor`, in `[0, 1)`, stands for the random number py-fsrs draws to fuzz a review
/// interval; it is used only when `settings.fuzz` is on and the interval is 3 days or more.
/// A learning or relearning card without a step is at step 0.
#[must_use]
pub fn review(
    settings: &SchedulerSettings,
    card: &Schedule,
    rating: ReviewRating,
    reviewed_at: DateTime<Utc>,
    fuzz_factor: f64,
) -> Schedule {
    let w = &settings.parameters;
    let (stability, difficulty) = match (card.state, card.stability, card.difficulty) {
        (CardState::New, _, _) | (_, None, _) | (_, _, None) => (
            w[rating.value() as usize - 1].max(STABILITY_MIN),
            initial_difficulty(w, rating).clamp(1.0, 10.0),
        ),
        (_, Some(s), Some(d)) => {
            let same_day = card
                .last_review
                .is_some_and(|last| elapsed_days(last, reviewed_at) < 1);
            let s = if same_day {
                short_term_stability(w, s, rating)
            } else {
                let r = retrievability(settings, card, reviewed_at);
                next_stability(w, d, s, r, rating)
            };
            (s, next_difficulty(w, d, rating))
        }
    };

    let graduate = (CardState::Review, None, None);
    let (state, step, wait) = match card.state {
        CardState::Review
            if rating == ReviewRating::Again && !settings.relearning_steps.is_empty() =>
        {
            (
                CardState::Relearning,
                Some(0),
                Some(settings.relearning_steps[0]),
            )
        }
        CardState::Review => graduate,
        CardState::New | CardState::Learning | CardState::Relearning => {
            let (state, steps) = if card.state == CardState::Relearning {
                (CardState::Relearning, &settings.relearning_steps)
            } else {
                (CardState::Learning, &settings.learning_steps)
            };
            let step = card.step.unwrap_or(0) as usize;
            if steps.is_empty() || (step >= steps.len() && rating != ReviewRating::Again) {
                graduate
            } else {
                match rating {
                    ReviewRating::Again => (state, Some(0), Some(steps[0])),
                    ReviewRating::Hard => {
                        let wait = match (step, steps.len()) {
                            (0, 1) => half_micros(steps[0], steps[0] * 2),
                            (0, _) => half_micros(steps[0], steps[1]),
                            _ => steps[step],
                        };
                        (state, Some(step), Some(wait))
                    }
                    ReviewRating::Good if step + 1 < steps.len() => {
                        (state, Some(step + 1), Some(steps[step + 1]))
                    }
                    ReviewRating::Good | ReviewRating::Easy => graduate,
                }
            }
        }
    };

    let wait = wait.unwrap_or_else(|| {
        let days = next_interval(settings, stability);
        let days = if settings.fuzz {
            fuzzed_interval(settings, days, fuzz_factor)
        } else {
            days
        };
        TimeDelta::try_days(days).unwrap_or(TimeDelta::MAX)
    });
    let lapse = card.state == CardState::Review && rating == ReviewRating::Again;
    Schedule {
        state,
        step: step.map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
        stability: Some(stability),
        difficulty: Some(difficulty),
        due: reviewed_at
            .checked_add_signed(wait)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        last_review: Some(reviewed_at),
        reps: card.reps.saturating_add(1),
        lapses: card.lapses.saturating_add(u32::from(lapse)),
    }
}

/// What each rating, AGAIN to EASY, would make of `card` at `reviewed_at` (for the answer
/// buttons), with the same `fuzz_factor` as [`review`].
#[must_use]
pub fn preview(
    settings: &SchedulerSettings,
    card: &Schedule,
    reviewed_at: DateTime<Utc>,
    fuzz_factor: f64,
) -> [(ReviewRating, Schedule); 4] {
    let with = |rating| {
        (
            rating,
            review(settings, card, rating, reviewed_at, fuzz_factor),
        )
    };
    [
        with(ReviewRating::Again),
        with(ReviewRating::Hard),
        with(ReviewRating::Good),
        with(ReviewRating::Easy),
    ]
}

/// `(a + b) / 2` to the microsecond, halves to even, as Python's `timedelta / 2.0`.
fn half_micros(a: TimeDelta, b: TimeDelta) -> TimeDelta {
    let micros = |t: TimeDelta| {
        i128::from(t.num_seconds()) * 1_000_000 + i128::from(t.subsec_nanos() / 1_000)
    };
    let sum = micros(a) + micros(b);
    let (half, odd) = (sum.div_euclid(2), sum.rem_euclid(2) == 1);
    let half = if odd && half % 2 != 0 { half + 1 } else { half };
    TimeDelta::microseconds(i64::try_from(half).unwrap_or(i64::MAX))
}

fn initial_difficulty(w: &[f64; 21], rating: ReviewRating) -> f64 {
    w[4] - E.powf(w[5] * (f64::from(rating.value()) - 1.0)) + 1.0
}

fn next_difficulty(w: &[f64; 21], difficulty: f64, rating: ReviewRating) -> f64 {
    let delta = -(w[6] * (f64::from(rating.value()) - 3.0));
    let damped = difficulty + (10.0 - difficulty) * delta / 9.0;
    let easy = initial_difficulty(w, ReviewRating::Easy);
    (w[7] * easy + (1.0 - w[7]) * damped).clamp(1.0, 10.0)
}

fn short_term_stability(w: &[f64; 21], stability: f64, rating: ReviewRating) -> f64 {
    let mut increase =
        E.powf(w[17] * (f64::from(rating.value()) - 3.0 + w[18])) * stability.powf(-w[19]);
    if matches!(rating, ReviewRating::Good | ReviewRating::Easy) {
        increase = increase.max(1.0);
    }
    (stability * increase).max(STABILITY_MIN)
}

fn next_stability(w: &[f64; 21], d: f64, s: f64, r: f64, rating: ReviewRating) -> f64 {
    let next = if rating == ReviewRating::Again {
        let long_term =
            w[11] * d.powf(-w[12]) * ((s + 1.0).powf(w[13]) - 1.0) * E.powf((1.0 - r) * w[14]);
        long_term.min(s / E.powf(w[17] * w[18]))
    } else {
        let bonus = match rating {
            ReviewRating::Hard => w[15],
            ReviewRating::Easy => w[16],
            ReviewRating::Again | ReviewRating::Good => 1.0,
        };
        let growth = E.powf(w[8]) * (11.0 - d) * s.powf(-w[9]) * (E.powf((1.0 - r) * w[10]) - 1.0);
        s * (1.0 + growth * bonus)
    };
    next.max(STABILITY_MIN)
}

/// The interval in days at which recall falls to the desired retention: rounded half to even,
/// at least 1, at most the maximum interval.
fn next_interval(settings: &SchedulerSettings, stability: f64) -> i64 {
    let days = (stability / settings.factor())
        * (settings.desired_retention.powf(1.0 / settings.decay()) - 1.0);
    days.round_ties_even()
        .max(1.0)
        .min(f64::from(settings.maximum_interval_days)) as i64
}

/// py-fsrs's `_get_fuzzed_interval`, `fuzz_factor` for its `random()`. As there, the result
/// may exceed the top of the range by a day when the factor is close to 1.
fn fuzzed_interval(settings: &SchedulerSettings, days: i64, fuzz_factor: f64) -> i64 {
    let interval = days as f64;
    if interval < 2.5 {
        return days;
    }
    let maximum = f64::from(settings.maximum_interval_days);
    let delta = FUZZ_RANGES
        .iter()
        .fold(1.0, |delta, &(start, end, factor)| {
            delta + factor * (interval.min(end) - start).max(0.0)
        });
    let top = (interval + delta).round_ties_even().min(maximum);
    let bottom = (interval - delta).round_ties_even().max(2.0).min(top);
    let fuzzed = fuzz_factor.clamp(0.0, 1.0) * (top - bottom + 1.0) + bottom;
    fuzzed.round_ties_even().min(maximum) as i64
}
