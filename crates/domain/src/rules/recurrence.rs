//! Repeating events: the RFC 5545 lines of an event's `recurrence` (as Google Calendar's API
//! holds them: `RRULE:…`, `EXDATE…`, `RDATE…`) read against the event's start in its IANA time
//! zone, and its occurrences inside a window, at the same local wall time across
//! daylight-saving changes.
//!
//! The rule iteration is the `rrule` crate's; what is here is the glue it leaves to its
//! caller: `UNTIL` given as a date or a local time converted to UTC (the crate takes only UTC
//! with a zoned start), `EXDATE` and `RDATE` read with their `TZID` or `VALUE=DATE` (a date at
//! the event's local start time; `VALUE=PERIOD` by its start), all-day events kept on their
//! local dates, changed or cancelled occurrences matched by their original start in UTC, and
//! always a window and a limit.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

/// The most lines a recurrence may hold.
pub const MAX_LINES: usize = 20;

/// The longest line, in characters.
pub const MAX_LINE_CHARS: usize = 1_000;

/// The most occurrences walked through to reach a window (the rule iteration starts at the
/// series' start): about eleven years of an hourly rule, or 270 of a daily one.
pub const MAX_STEPS: usize = 100_000;

/// An event's timing, as its occurrences are computed from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    /// The first occurrence's start.
    pub start: DateTime<Utc>,
    /// The first occurrence's end, if it has one.
    pub end: Option<DateTime<Utc>>,
    /// The zone its wall times are in.
    pub zone: Tz,
    /// Whether it takes whole days (its start and end at midnight in `zone`).
    pub all_day: bool,
    /// Its RFC 5545 lines; none for an event that happens once.
    pub recurrence: Vec<String>,
}

/// One occurrence of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// When it starts.
    pub start: DateTime<Utc>,
    /// When it ends, if the event has an end.
    pub end: Option<DateTime<Utc>>,
    /// The start it has in the series (its `RECURRENCE-ID`): `start`, unless it was moved.
    pub original_start: DateTime<Utc>,
}

/// One occurrence changed or cancelled, found by its original start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    /// The start the occurrence has in the series (its `RECURRENCE-ID`), in UTC.
    pub original_start: DateTime<Utc>,
    /// Its new start and end; `None` when it is cancelled.
    pub moved_to: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

/// Why a series cannot be expanded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// A line cannot be read; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// The window holds more occurrences than allowed.
    #[error("the range holds more than {0} occurrences; ask for a shorter range")]
    TooMany(usize),
    /// The series repeats more than [`MAX_STEPS`] times before the window.
    #[error(
        "the event repeats more than {MAX_STEPS} times between its start and this range: give \
         it a later start"
    )]
    TooFar,
}

/// Checks `series`'s lines: each an `RRULE`, `EXDATE` or `RDATE` that reads against its start
/// and zone, at most [`MAX_LINES`] of [`MAX_LINE_CHARS`].
///
/// # Errors
///
/// [`RecurrenceError::Invalid`] naming the first line that does not read, and why.
pub fn check(series: &Series) -> Result<(), RecurrenceError> {
    rule_set(series).map(|_| ())
}

/// The occurrences of `series` that overlap the window from `from` to `to` (their end, or
/// their start when they have none, not before `from`; their start before `to`), earliest
/// first, with `exceptions` applied: a cancelled
/// occurrence left out, a moved one at its new time (inside the window or not, as it now
/// is).
///
/// # Errors
///
/// [`RecurrenceError::Invalid`] for lines that do not read; [`RecurrenceError::TooMany`] past
/// `limit` occurrences.
pub fn occurrences(
    series: &Series,
    exceptions: &[Exception],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Occurrence>, RecurrenceError> {
    let length = series
        .end
        .map_or(Duration::zero(), |end| end - series.start);
    // As the calendar's filters have it: the end, or the start when there is none, not
    // before `from`, and the start before `to`.
    let overlaps = |start: DateTime<Utc>, end: Option<DateTime<Utc>>| {
        start < to && end.unwrap_or(start).max(start) >= from
    };
    let moved: HashSet<DateTime<Utc>> = exceptions
        .iter()
        .filter(|e| e.moved_to.is_some_and(|(start, end)| overlaps(start, end)))
        .map(|e| e.original_start)
        .collect();
    let changed: HashSet<DateTime<Utc>> = exceptions.iter().map(|e| e.original_start).collect();
    let mut confirmed: HashSet<DateTime<Utc>> = HashSet::new();
    let starts = if series.recurrence.is_empty() {
        vec![series.start]
    } else {
        // Occurrences that start before the window may reach into it (a day more: an all-day
        // occurrence is longer on the day the clocks go back).
        let earliest = from - length - Duration::days(1);
        // Walked once: the window's starts, and whether each moved occurrence is one.
        let horizon = moved.iter().copied().max().map_or(to, |last| last.max(to));
        let cap = limit.saturating_add(exceptions.len());
        let mut starts = Vec::new();
        let mut past_window = false;
        let walked = walk(series, |start| {
            past_window = start >= to;
            if start > horizon || (past_window && confirmed.len() == moved.len()) {
                return Ok(false);
            }
            if moved.contains(&start) {
                confirmed.insert(start);
            }
            if start >= earliest && start < to {
                starts.push(start);
                if starts.len() > cap {
                    return Err(RecurrenceError::TooMany(limit));
                }
            }
            Ok(true)
        });
        match walked {
            Ok(()) => {}
            // Past the window, only moved occurrences were being looked for: those not found
            // by then are left out rather than failing the whole calendar.
            Err(RecurrenceError::TooFar) if past_window => {}
            Err(error) => return Err(error),
        }
        starts
    };
    let mut found: Vec<Occurrence> = starts
        .into_iter()
        .filter(|start| !changed.contains(start))
        .map(|start| Occurrence {
            start,
            end: end_of(series, start, length),
            original_start: start,
        })
        .filter(|o| overlaps(o.start, o.end))
        .collect();
    if !series.recurrence.is_empty() {
        for exception in exceptions {
            let Some((start, end)) = exception.moved_to else {
                continue;
            };
            if overlaps(start, end) && confirmed.contains(&exception.original_start) {
                found.push(Occurrence {
                    start,
                    end,
                    original_start: exception.original_start,
                });
            }
        }
    }
    if found.len() > limit {
        return Err(RecurrenceError::TooMany(limit));
    }
    found.sort_by_key(|o| (o.start, o.original_start));
    Ok(found)
}

/// Whether `at` is an occurrence of `series` (an exception's original start must be one).
///
/// # Errors
///
/// [`RecurrenceError::Invalid`] for lines that do not read.
pub fn is_occurrence(series: &Series, at: DateTime<Utc>) -> Result<bool, RecurrenceError> {
    if series.recurrence.is_empty() {
        return Ok(at == series.start);
    }
    let mut found = false;
    walk(series, |start| {
        found = start == at;
        Ok(start < at)
    })?;
    Ok(found)
}

/// Calls `visit` with each start of the series in order, while it answers `true`.
///
/// # Errors
///
/// `visit`'s error; [`RecurrenceError::Invalid`] for lines that do not read;
/// [`RecurrenceError::TooFar`] past [`MAX_STEPS`] starts.
fn walk(
    series: &Series,
    mut visit: impl FnMut(DateTime<Utc>) -> Result<bool, RecurrenceError>,
) -> Result<(), RecurrenceError> {
    let set = rule_set(series)?.limit();
    let mut last = None;
    for (step, start) in (&set).into_iter().enumerate() {
        if step >= MAX_STEPS {
            return Err(RecurrenceError::TooFar);
        }
        let start = start.with_timezone(&Utc);
        // A start that both the rule and an RDATE (or the series' own start) give is one.
        if last == Some(start) {
            continue;
        }
        last = Some(start);
        if !visit(start)? {
            break;
        }
    }
    Ok(())
}

/// An occurrence's end: the same length for a timed event; for an all-day event, as many local
/// days after its start as the first occurrence spans.
fn end_of(series: &Series, start: DateTime<Utc>, length: Duration) -> Option<DateTime<Utc>> {
    let end = series.end?;
    if !series.all_day {
        return Some(start + length);
    }
    let days = end.with_timezone(&series.zone).date_naive()
        - series.start.with_timezone(&series.zone).date_naive();
    let day = start.with_timezone(&series.zone).date_naive() + days;
    Some(local_midnight(series.zone, day))
}

/// Midnight of `day` in `zone` (or the first moment of the day, where midnight is skipped).
pub(crate) fn local_midnight(zone: Tz, day: NaiveDate) -> DateTime<Utc> {
    resolve(zone, day.and_time(NaiveTime::MIN))
}

/// A wall time in `zone` as a UTC instant: the earlier one where the clock goes back, the
/// moment after the gap where it goes forward.
pub(crate) fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
            at.with_timezone(&Utc)
        }
        chrono::LocalResult::None => {
            // In a gap (at most a few hours): the first wall time after it.
            let mut probe = local;
            for _ in 0..(4 * 60) {
                let Some(next) = probe.checked_add_signed(Duration::minutes(1)) else {
                    break;
                };
                probe = next;
                if let Some(at) = zone.from_local_datetime(&probe).earliest() {
                    return at.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&local)
        }
    }
}

/// The series' lines as an `rrule` set starting at its start in its zone.
fn rule_set(series: &Series) -> Result<RRuleSet, RecurrenceError> {
    if series.recurrence.len() > MAX_LINES {
        return Err(RecurrenceError::Invalid(format!(
            "at most {MAX_LINES} recurrence lines"
        )));
    }
    let zone = rrule::Tz::Tz(series.zone);
    let start = series.start.with_timezone(&zone);
    let local_start = series.start.with_timezone(&series.zone).naive_local();
    // The series' start is its first occurrence (RFC 5545), whether the rule gives it or not.
    let mut set = RRuleSet::new(start).rdate(start);
    for line in &series.recurrence {
        let invalid = |why: &str| RecurrenceError::Invalid(format!("{}: {why}", shown(line)));
        if line.chars().count() > MAX_LINE_CHARS {
            return Err(invalid(&format!("longer than {MAX_LINE_CHARS} characters")));
        }
        let (name, params, value) = split_line(line)
            .ok_or_else(|| invalid("not a recurrence line (RRULE:…, EXDATE:… or RDATE:…)"))?;
        match name.as_str() {
            "RRULE" => {
                let value = utc_until(value, series.zone).map_err(|e| invalid(&e))?;
                let rule: RRule<Unvalidated> = value
                    .parse()
                    .map_err(|e: rrule::RRuleError| invalid(&e.to_string()))?;
                if matches!(rule.get_freq(), Frequency::Secondly | Frequency::Minutely) {
                    return Err(invalid("an event repeats at most hourly"));
                }
                let rule = rule.validate(start).map_err(|e| invalid(&e.to_string()))?;
                // Each period's occurrences are built at once: several minutes or seconds
                // an hour would make millions of them.
                if rule.get_by_minute().len() > 1 || rule.get_by_second().len() > 1 {
                    return Err(invalid(
                        "BYMINUTE and BYSECOND take one value: an event repeats at most hourly",
                    ));
                }
                set = set.rrule(rule);
            }
            "EXDATE" | "RDATE" => {
                let dates = read_dates(value, &params, series.zone, local_start.time())
                    .map_err(|e| invalid(&e))?;
                for date in dates {
                    let date = date.with_timezone(&zone);
                    set = if name == "EXDATE" {
                        set.exdate(date)
                    } else {
                        set.rdate(date)
                    };
                }
            }
            "EXRULE" => return Err(invalid("EXRULE is obsolete (RFC 5545); use EXDATE")),
            _ => {
                return Err(invalid(
                    "not a recurrence line (RRULE:…, EXDATE:… or RDATE:…)",
                ));
            }
        }
    }
    Ok(set)
}

/// The series' recurrence lines as RFC 5545 has them beside a `DTSTART` in the series' zone,
/// meaning what sophie reads in them: `UNTIL` in UTC (a date for an all-day series), `EXDATE`
/// and `RDATE` values in the series' zone (dates for an all-day series; a period by its
/// start). Lines that do not read are left out.
#[must_use]
pub fn exported(series: &Series) -> Vec<String> {
    let local_start = series.start.with_timezone(&series.zone).naive_local();
    let mut lines = Vec::with_capacity(series.recurrence.len());
    for line in &series.recurrence {
        let Some((name, params, value)) = split_line(line) else {
            continue;
        };
        match name.as_str() {
            "RRULE" => {
                let Ok(value) = utc_until(value, series.zone) else {
                    continue;
                };
                let value = if series.all_day {
                    until_as_date(&value, series.zone)
                } else {
                    value
                };
                lines.push(format!("RRULE:{value}"));
            }
            "EXDATE" | "RDATE" => {
                let Ok(dates) = read_dates(value, &params, series.zone, local_start.time()) else {
                    continue;
                };
                if !dates.is_empty() {
                    lines.push(super::icalendar::instants(
                        &name,
                        &dates,
                        series.zone,
                        series.all_day,
                    ));
                }
            }
            _ => {}
        }
    }
    lines
}

/// A content line's parameters: names upper-cased, values trimmed.
type Params = Vec<(String, String)>;

/// A content line's name (upper-cased), parameters and value: `EXDATE;TZID=X:…`.
fn split_line(line: &str) -> Option<(String, Params, &str)> {
    let (head, value) = line.split_once(':')?;
    let mut params = head.split(';');
    let name = params
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let params = params
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_uppercase(), v.trim().to_owned()))
        .collect();
    Some((name, params, value))
}

/// An `RRULE` value whose `UNTIL` is in UTC with its `UNTIL` as the date it falls on in `zone`
/// (what an all-day series' `UNTIL` must be).
fn until_as_date(value: &str, zone: Tz) -> String {
    value
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((key, until)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                match parse_local(until.trim().trim_end_matches(['Z', 'z'])) {
                    Some(at) => format!(
                        "UNTIL={}",
                        Utc.from_utc_datetime(&at)
                            .with_timezone(&zone)
                            .format("%Y%m%d")
                    ),
                    None => part.to_owned(),
                }
            }
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// A date written `YYYYMMDD`, in the years 1 to 9999 (those iCalendar writes).
fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y%m%d")
        .ok()
        .filter(|day| (1..=9999).contains(&day.year()))
}

/// A wall time written `YYYYMMDDTHHMMSS`, in the years 1 to 9999.
fn parse_local(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .ok()
        .filter(|at| (1..=9999).contains(&at.year()))
}

/// A line as it is named in an error: its first 80 characters.
fn shown(line: &str) -> String {
    let head: String = line.chars().take(80).collect();
    if head.len() < line.len() {
        format!("{head}…")
    } else {
        head
    }
}

/// An `RRULE` value with its `UNTIL` in UTC: a date is the end of that day in `zone` (the
/// whole day included), a wall time is read in `zone`.
fn utc_until(value: &str, zone: Tz) -> Result<String, String> {
    let parts: Vec<String> = value
        .split(';')
        .map(|part| {
            let Some((key, until)) = part.split_once('=') else {
                return Ok(part.to_owned());
            };
            if !key.trim().eq_ignore_ascii_case("UNTIL") {
                return Ok(part.to_owned());
            }
            let until = until.trim();
            let at = if until.ends_with(['Z', 'z']) {
                return Ok(part.to_owned());
            } else if until.len() == 8 {
                let day = parse_day(until)
                    .ok_or(())
                    .map_err(|_| format!("UNTIL {until} is not a date (YYYYMMDD)"))?;
                let next = day.succ_opt().ok_or("UNTIL is past the last date")?;
                // Before the next day begins: every occurrence on the day is included (an
                // all-day occurrence starts at midnight).
                local_midnight(zone, next) - Duration::seconds(1)
            } else {
                let local = parse_local(until).ok_or(()).map_err(|_| {
                    format!("UNTIL {until} is not a date or a date-time (YYYYMMDDTHHMMSS[Z])")
                })?;
                resolve(zone, local)
            };
            Ok(format!("UNTIL={}", at.format("%Y%m%dT%H%M%SZ")))
        })
        .collect::<Result<_, String>>()?;
    Ok(parts.join(";"))
}

/// The dates of an `EXDATE` or `RDATE` value: UTC (`…Z`), wall times in its `TZID` (an IANA
/// name) or else in the event's zone, dates (`VALUE=DATE`, or eight digits) at the event's
/// local start time, periods (`VALUE=PERIOD`) by their start.
fn read_dates(
    value: &str,
    params: &[(String, String)],
    zone: Tz,
    start_time: NaiveTime,
) -> Result<Vec<DateTime<Utc>>, String> {
    let zone = match params.iter().find(|(k, _)| k == "TZID") {
        Some((_, name)) => {
            let name = name.trim_matches('"');
            name.parse::<Tz>()
                .map_err(|_| format!("unknown time zone {name:?}: give an IANA name"))?
        }
        None => zone,
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            // A period is its start and an end or a duration.
            let v = v.split_once('/').map_or(v, |(start, _)| start);
            if let Some(utc) = v.strip_suffix(['Z', 'z']) {
                return parse_local(utc)
                    .ok_or(())
                    .map(|at| Utc.from_utc_datetime(&at))
                    .map_err(|_| format!("{v} is not a date-time (YYYYMMDDTHHMMSSZ)"));
            }
            if v.len() == 8 {
                let day = parse_day(v)
                    .ok_or(())
                    .map_err(|_| format!("{v} is not a date (YYYYMMDD)"))?;
                return Ok(resolve(zone, day.and_time(start_time)));
            }
            parse_local(v)
                .ok_or(())
                .map(|local| resolve(zone, local))
                .map_err(|_| format!("{v} is not a date or a date-time (YYYYMMDDTHHMMSS)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        zone.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn weekly(zone: Tz, start: DateTime<Utc>, lines: &[&str]) -> Series {
        Series {
            start,
            end: Some(start + Duration::minutes(90)),
            zone,
            all_day: false,
            recurrence: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    fn local_times(zone: Tz, found: &[Occurrence]) -> Vec<String> {
        found
            .iter()
            .map(|o| {
                o.start
                    .with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_weekly_lecture_keeps_its_wall_time_across_both_changes_in_berlin() {
        let berlin = chrono_tz::Europe::Berlin;
        // Mondays 10:00 from 2027-03-15 to 2027-11-08: across 28 March and 31 October.
        let series = weekly(
            berlin,
            at(berlin, 2027, 3, 15, 10, 0),
            &["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271108T235959Z"],
        );
        let found = occurrences(
            &series,
            &[],
            at(berlin, 2027, 3, 1, 0, 0),
            at(berlin, 2028, 1, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(found.len(), 35);
        assert!(
            local_times(berlin, &found)
                .iter()
                .all(|t| t.ends_with("10:00"))
        );
        // 10:00 is 09:00 UTC in winter and 08:00 UTC in summer.
        let utc_hours: Vec<u32> = [0, 2, 33]
            .iter()
            .map(|i| chrono::Timelike::hour(&found[*i].start))
            .collect();
        assert_eq!(utc_hours, [9, 8, 9]);
        assert_eq!(found[2].end, Some(found[2].start + Duration::minutes(90)));
    }

    #[test]
    fn new_york_changes_on_other_weekends_and_the_wall_time_holds() {
        let new_york = chrono_tz::America::New_York;
        let series = weekly(
            new_york,
            at(new_york, 2027, 3, 1, 9, 30),
            &["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20"],
        );
        let found = occurrences(
            &series,
            &[],
            at(new_york, 2027, 1, 1, 0, 0),
            at(new_york, 2028, 1, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(found.len(), 20, "COUNT");
        assert!(
            local_times(new_york, &found)
                .iter()
                .all(|t| t.ends_with("09:30"))
        );
        // 14 March 2027: EST (UTC-5) before, EDT (UTC-4) after.
        assert_eq!(chrono::Timelike::hour(&found[0].start), 14);
        assert_eq!(chrono::Timelike::hour(&found[19].start), 13);

        // And back in November.
        let autumn = weekly(
            new_york,
            at(new_york, 2027, 10, 25, 9, 30),
            &["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271115"],
        );
        let found = occurrences(
            &autumn,
            &[],
            at(new_york, 2027, 10, 1, 0, 0),
            at(new_york, 2028, 1, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(
            local_times(new_york, &found),
            [
                "2027-10-25 09:30",
                "2027-11-01 09:30",
                "2027-11-08 09:30",
                "2027-11-15 09:30"
            ],
            "a date UNTIL includes its whole day"
        );
        assert_eq!(chrono::Timelike::hour(&found[2].start), 14);
    }

    #[test]
    fn exdates_in_any_form_leave_occurrences_out_and_rdates_add_them() {
        let berlin = chrono_tz::Europe::Berlin;
        let series = weekly(
            berlin,
            at(berlin, 2027, 4, 5, 10, 0),
            &[
                "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                "EXDATE;TZID=Europe/Berlin:20270412T100000",
                "EXDATE:20270419T080000Z",
                "EXDATE;VALUE=DATE:20270426",
                "RDATE;TZID=Europe/Berlin:20270507T140000",
            ],
        );
        let found = occurrences(
            &series,
            &[],
            at(berlin, 2027, 4, 1, 0, 0),
            at(berlin, 2027, 6, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(
            local_times(berlin, &found),
            [
                "2027-04-05 10:00",
                "2027-05-03 10:00",
                "2027-05-07 14:00",
                "2027-05-10 10:00"
            ]
        );
    }

    #[test]
    fn a_moved_occurrence_is_at_its_new_time_and_a_cancelled_one_is_gone() {
        let berlin = chrono_tz::Europe::Berlin;
        let series = weekly(
            berlin,
            at(berlin, 2027, 4, 5, 10, 0),
            &["RRULE:FREQ=WEEKLY;COUNT=4"],
        );
        let moved_to = at(berlin, 2027, 4, 13, 16, 0);
        let exceptions = [
            Exception {
                original_start: at(berlin, 2027, 4, 12, 10, 0),
                moved_to: Some((moved_to, Some(moved_to + Duration::hours(1)))),
            },
            Exception {
                original_start: at(berlin, 2027, 4, 19, 10, 0),
                moved_to: None,
            },
            // Not an occurrence: ignored.
            Exception {
                original_start: at(berlin, 2027, 4, 20, 10, 0),
                moved_to: Some((moved_to, None)),
            },
        ];
        let found = occurrences(
            &series,
            &exceptions,
            at(berlin, 2027, 4, 1, 0, 0),
            at(berlin, 2027, 6, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(
            local_times(berlin, &found),
            ["2027-04-05 10:00", "2027-04-13 16:00", "2027-04-26 10:00"]
        );
        assert_eq!(found[1].original_start, at(berlin, 2027, 4, 12, 10, 0));
        assert_eq!(found[1].end, Some(moved_to + Duration::hours(1)));
    }

    #[test]
    fn all_day_events_stay_on_their_local_dates() {
        let berlin = chrono_tz::Europe::Berlin;
        // A two-day block every week, across the change of 28 March: its end is exclusive.
        let start = at(berlin, 2027, 3, 22, 0, 0);
        let series = Series {
            start,
            end: Some(at(berlin, 2027, 3, 24, 0, 0)),
            zone: berlin,
            all_day: true,
            recurrence: vec!["RRULE:FREQ=WEEKLY;UNTIL=20270405".to_owned()],
        };
        let found = occurrences(
            &series,
            &[],
            at(berlin, 2027, 3, 1, 0, 0),
            at(berlin, 2027, 5, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(
            local_times(berlin, &found),
            ["2027-03-22 00:00", "2027-03-29 00:00", "2027-04-05 00:00"]
        );
        let end = found[1].end.unwrap().with_timezone(&berlin);
        assert_eq!(end.format("%Y-%m-%d %H:%M").to_string(), "2027-03-31 00:00");
    }

    #[test]
    fn the_window_bounds_a_rule_without_end_and_the_limit_is_named() {
        let utc = chrono_tz::UTC;
        let series = weekly(utc, at(utc, 2027, 1, 4, 9, 0), &["RRULE:FREQ=DAILY"]);
        let from = at(utc, 2027, 2, 1, 0, 0);
        let found = occurrences(&series, &[], from, from + Duration::days(7), 5_000).unwrap();
        assert_eq!(found.len(), 7);
        let too_many = occurrences(&series, &[], from, from + Duration::days(366), 100);
        assert_eq!(too_many, Err(RecurrenceError::TooMany(100)));
        // An hourly rule from long ago is not walked through without end.
        let ancient = weekly(utc, at(utc, 1900, 1, 1, 9, 0), &["RRULE:FREQ=HOURLY"]);
        assert_eq!(
            occurrences(&ancient, &[], from, from + Duration::days(1), 5_000),
            Err(RecurrenceError::TooFar)
        );
        assert_eq!(is_occurrence(&ancient, from), Err(RecurrenceError::TooFar));
        // An occurrence that began before the window and reaches into it is in it.
        let found = occurrences(
            &series,
            &[],
            at(utc, 2027, 2, 1, 10, 0),
            at(utc, 2027, 2, 1, 12, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].start, at(utc, 2027, 2, 1, 9, 0));
    }

    #[test]
    fn the_start_is_the_first_occurrence_even_off_the_rule_and_counted_once() {
        let utc = chrono_tz::UTC;
        // A Tuesday start for a Monday rule, and an RDATE repeating a Monday.
        let series = weekly(
            utc,
            at(utc, 2027, 1, 5, 9, 0),
            &[
                "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2",
                "RDATE:20270111T090000Z",
            ],
        );
        let found = occurrences(
            &series,
            &[],
            at(utc, 2027, 1, 1, 0, 0),
            at(utc, 2027, 2, 1, 0, 0),
            5_000,
        )
        .unwrap();
        assert_eq!(
            local_times(utc, &found),
            ["2027-01-05 09:00", "2027-01-11 09:00", "2027-01-18 09:00"]
        );
        assert!(is_occurrence(&series, at(utc, 2027, 1, 5, 9, 0)).unwrap());
    }

    #[test]
    fn an_event_without_recurrence_is_its_one_occurrence() {
        let utc = chrono_tz::UTC;
        let series = weekly(utc, at(utc, 2027, 1, 4, 9, 0), &[]);
        let window = |d: u32| {
            occurrences(
                &series,
                &[],
                at(utc, 2027, 1, d, 0, 0),
                at(utc, 2027, 1, d + 1, 0, 0),
                10,
            )
            .unwrap()
            .len()
        };
        assert_eq!((window(3), window(4), window(5)), (0, 1, 0));
    }

    #[test]
    fn lines_that_do_not_read_are_named() {
        let utc = chrono_tz::UTC;
        for (line, why) in [
            ("RRULE:FREQ=SOMETIMES", "FREQ"),
            ("EXDATE:2027-01-04", "not a date"),
            (
                "EXDATE;TZID=Mars/Olympus:20270104T090000",
                "unknown time zone",
            ),
            ("EXRULE:FREQ=DAILY", "obsolete"),
            ("RRULE:FREQ=MINUTELY", "at most hourly"),
            ("RRULE:FREQ=m\u{131}nutely", "at most hourly"),
            (
                "RRULE:FREQ=YEARLY;BYHOUR=1,2;BYMINUTE=0,1,2;BYSECOND=0,1",
                "BYMINUTE",
            ),
            ("EXDATE:+2621431231T235959", "not a date"),
            ("RRULE:FREQ=DAILY;UNTIL=+2621431231T235959", "UNTIL"),
            ("DTSTART:20270104T090000Z", "not a recurrence line"),
            ("RRULE:FREQ=DAILY;UNTIL=20260101T000000Z", "UNTIL"),
            ("nonsense", "not a recurrence line"),
        ] {
            let series = weekly(utc, at(utc, 2027, 1, 4, 9, 0), &[line]);
            let Err(RecurrenceError::Invalid(message)) = check(&series) else {
                panic!("{line} was read");
            };
            assert!(
                message.starts_with(&line[..line.len().min(20)]),
                "{message}"
            );
            assert!(
                message.to_lowercase().contains(&why.to_lowercase()),
                "{line}: {message}"
            );
        }
        let many = weekly(
            utc,
            at(utc, 2027, 1, 4, 9, 0),
            &["EXDATE:20270105T090000Z"; MAX_LINES + 1],
        );
        assert!(check(&many).is_err());
    }
}
