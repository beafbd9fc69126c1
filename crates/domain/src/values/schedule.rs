use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use super::InvalidValue;
use crate::rules::recurrence::{self, Series};

/// When a calendar event happens: a start, an end that is not before it, the IANA time zone
/// its wall times are in, whether it takes whole days, and how it repeats. Checked as a whole:
/// an all-day event starts and ends at midnight in its zone, and its recurrence lines read
/// against its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSchedule {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    zone: TimeZone,
    all_day: bool,
    recurrence: Vec<String>,
}

impl EventSchedule {
    /// A timed event that happens once, in UTC; `end`, when given, not before `start`.
    ///
    /// # Errors
    ///
    /// When the event would end before it starts.
    pub fn new(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Result<Self, InvalidValue> {
        match end {
            Some(end) if end < start => Err(InvalidValue::new(
                "must not be before the event's start date",
            )),
            _ => Ok(Self {
                start,
                end,
                zone: TimeZone::UTC,
                all_day: false,
                recurrence: Vec::new(),
            }),
        }
    }

    /// The same start and end in `zone`, all day or not, repeating by `recurrence` (RFC 5545
    /// `RRULE`, `EXDATE` and `RDATE` lines; none for an event that happens once).
    ///
    /// # Errors
    ///
    /// The field at fault and why: `startDate` or `endDate` of an all-day event not at
    /// midnight in `zone` (or an end not after the start), `recurrence` for a line that does
    /// not read (named) or too many lines.
    pub fn repeating(
        self,
        zone: TimeZone,
        all_day: bool,
        recurrence: Vec<String>,
    ) -> Result<Self, (&'static str, InvalidValue)> {
        // The start of its day there: midnight, or on a day whose midnight the clock skips,
        // the moment it goes on.
        let midnight = |at: DateTime<Utc>| {
            at == recurrence::local_midnight(zone.0, at.with_timezone(&zone.0).date_naive())
        };
        if !recurrence.is_empty() && self.start.nanosecond() != 0 {
            return Err((
                "startDate",
                InvalidValue::new("a repeating event starts on a whole second"),
            ));
        }
        if all_day {
            if !midnight(self.start) {
                return Err((
                    "startDate",
                    InvalidValue::new(format!(
                        "an all-day event starts at midnight in its time zone ({})",
                        zone.name()
                    )),
                ));
            }
            if let Some(end) = self.end
                && (!midnight(end) || end <= self.start)
            {
                return Err((
                    "endDate",
                    InvalidValue::new(format!(
                        "an all-day event ends at a later midnight in its time zone ({}): the \
                         end is exclusive, the day after its last day",
                        zone.name()
                    )),
                ));
            }
        }
        let schedule = Self {
            zone,
            all_day,
            recurrence: recurrence
                .into_iter()
                .map(|l| l.trim().to_owned())
                .collect(),
            ..self
        };
        recurrence::check(&schedule.series())
            .map_err(|error| ("recurrence", InvalidValue::new(error.to_string())))?;
        Ok(schedule)
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

    /// The time zone of its wall times.
    #[must_use]
    pub const fn zone(&self) -> TimeZone {
        self.zone
    }

    /// Whether it takes whole days.
    #[must_use]
    pub const fn all_day(&self) -> bool {
        self.all_day
    }

    /// Its recurrence lines.
    #[must_use]
    pub fn recurrence(&self) -> &[String] {
        &self.recurrence
    }

    /// As a series to expand (see [`recurrence::occurrences`]).
    #[must_use]
    pub fn series(&self) -> Series {
        Series {
            start: self.start,
            end: self.end,
            zone: self.zone.0,
            all_day: self.all_day,
            recurrence: self.recurrence.clone(),
        }
    }
}

/// An IANA time zone, such as `Europe/Berlin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Coordinated Universal Time.
    pub const UTC: Self = Self(Tz::UTC);

    /// Reads an IANA name.
    ///
    /// # Errors
    ///
    /// When the name is not one of the IANA time zone database.
    pub fn parse(name: &str) -> Result<Self, InvalidValue> {
        name.trim().parse::<Tz>().map(Self).map_err(|_| {
            InvalidValue::new(format!(
                "{:?} is not an IANA time zone name, such as Europe/Berlin or America/New_York",
                name.chars().take(60).collect::<String>()
            ))
        })
    }

    /// Its IANA name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zone, for date arithmetic.
    #[must_use]
    pub const fn tz(&self) -> Tz {
        self.0
    }
}

/// When to remind the student of an event: minutes before it, at most five, each at most four
/// weeks; kept in ascending order without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reminders(Vec<u32>);

impl Reminders {
    /// The most reminders an event may have.
    pub const MAX_COUNT: usize = 5;
    /// The longest time before an event, in minutes (four weeks).
    pub const MAX_MINUTES: u32 = 40_320;

    /// Checks `minutes`.
    ///
    /// # Errors
    ///
    /// More than [`Self::MAX_COUNT`], or a value past [`Self::MAX_MINUTES`].
    pub fn parse(minutes: impl IntoIterator<Item = u32>) -> Result<Self, InvalidValue> {
        let mut minutes: Vec<u32> = minutes.into_iter().collect();
        if let Some(far) = minutes.iter().find(|m| **m > Self::MAX_MINUTES) {
            return Err(InvalidValue::new(format!(
                "{far} minutes is more than four weeks ({} minutes) before the event",
                Self::MAX_MINUTES
            )));
        }
        minutes.sort_unstable();
        minutes.dedup();
        if minutes.len() > Self::MAX_COUNT {
            return Err(InvalidValue::new(format!(
                "at most {} reminders",
                Self::MAX_COUNT
            )));
        }
        Ok(Self(minutes))
    }

    /// The minutes before the event, ascending.
    #[must_use]
    pub fn minutes(&self) -> &[u32] {
        &self.0
    }
}
