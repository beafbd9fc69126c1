use chrono::{DateTime, Utc};

use super::InvalidValue;

/// When a calendar event happens: a start, and an end that is not before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventSchedule {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

impl EventSchedule {
    /// Checks that `end`, when given, is not before `start`.
    ///
    /// # Errors
    ///
    /// When the event would end before it starts.
    pub fn new(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Result<Self, InvalidValue> {
        match end {
            Some(end) if end < start => Err(InvalidValue::new(
                "must not be before the event's start date",
            )),
            _ => Ok(Self { start, end }),
        }
    }

    /// The start.
    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The end, if the event has one.
    #[must_use]
    pub const fn end(&self) -> Option<DateTime<Utc>> {
        self.end
    }
}
