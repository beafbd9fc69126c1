//! A clock that tests set and move by hand.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::store::micros;
use crate::ports::Clock;

/// A [`Clock`] that stands still until told to move, so tests can order rows, expire leases
/// and sessions, and reach retry times without sleeping.
///
/// Share it as `Arc<FixedClock>` between the test and the adapters (`Arc<FixedClock>` coerces
/// to `Arc<dyn Clock>`). Times are kept at microsecond precision, as [`Clock`] promises.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock showing `now` (truncated to microseconds).
    #[must_use]
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(micros(now)),
        }
    }

    /// Moves the clock to `now` (truncated to microseconds); it may go backwards.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = micros(now);
    }

    /// Moves the clock by `by` (backwards when negative), saturating at the ends of time.
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        let moved = now
            .checked_add_signed(by)
            .unwrap_or(if by < TimeDelta::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            });
        *now = micros(moved);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
