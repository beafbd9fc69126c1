//! The clock port, so time can be fixed in tests.

use chrono::{DateTime, SubsecRound, Utc};

/// Tells the time. Adapters stamp rows with it, so tests can fix it.
///
/// Times have microsecond precision, as PostgreSQL stores them, so a time read back from any
/// adapter equals the time written.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant, truncated to microseconds.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
