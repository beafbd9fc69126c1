//! The calendar written as RFC 5545 iCalendar, for clients that subscribe to a feed (Google
//! Calendar, Apple Calendar, Thunderbird).
//!
//! Each event is a `VEVENT` whose `UID` is its id, its `SEQUENCE` its revision and its
//! `DTSTAMP` its last change; times are written in the event's zone (`TZID`), as dates for
//! all-day events, in UTC for events in UTC. A repeating event carries its recurrence lines as
//! stored; its cancelled occurrences become `EXDATE`s and its changed ones `VEVENT`s of the
//! same `UID` with a `RECURRENCE-ID`. The type is the `CATEGORIES`, the priority the
//! `PRIORITY` (1 urgent, 3 high, 5 medium, 9 low), each reminder a `VALARM`.
//!
//! The text is assembled here and then read and written by `calcard`, which folds lines at 75
//! octets, escapes values and adds a `VTIMEZONE` for every zone the feed names, covering the
//! years its events span.

use calcard::{Entry, Parser};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::fmt::Write as _;

use crate::entities::{CalendarEvent, EventException, EventWithExceptions};
use crate::enums::Priority;
use crate::error::{DomainError, DomainResult};
use crate::rules::recurrence;

/// The product that writes the feeds (`PRODID`).
pub const PRODUCT_ID: &str = "-//sophie//calendar//EN";

/// How often a subscribed client should fetch the feed again (`REFRESH-INTERVAL`).
const REFRESH: &str = "PT1H";

/// A calendar to write: its name and its events with their changed occurrences.
#[derive(Clone, Copy, Debug)]
pub struct Feed<'a> {
    /// The calendar's name, as a client shows it.
    pub name: &'a str,
    /// Its events, with the changes to their occurrences.
    pub events: &'a [EventWithExceptions],
}

/// `feed` as an iCalendar object: CRLF line ends, lines folded at 75 octets, a `VTIMEZONE` for
/// each zone used.
///
/// # Errors
///
/// `Internal` when the assembled text does not read back as iCalendar (a stored recurrence
/// line that is not one).
pub fn write(feed: &Feed<'_>) -> DomainResult<String> {
    let mut text = String::with_capacity(512 + feed.events.len() * 512);
    line(&mut text, "BEGIN:VCALENDAR");
    line(&mut text, "VERSION:2.0");
    line(&mut text, &format!("PRODID:{PRODUCT_ID}"));
    line(&mut text, "CALSCALE:GREGORIAN");
    line(&mut text, &format!("NAME:{}", escape(feed.name)));
    line(&mut text, &format!("X-WR-CALNAME:{}", escape(feed.name)));
    line(
        &mut text,
        &format!("REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}"),
    );
    line(&mut text, &format!("X-PUBLISHED-TTL:{REFRESH}"));
    for item in feed.events {
        write_event(&mut text, &item.event, &item.exceptions);
    }
    line(&mut text, "END:VCALENDAR");

    match Parser::new(&text).entry() {
        Entry::ICalendar(mut calendar) => {
            calendar.add_missing_timezones();
            Ok(calendar.to_string())
        }
        other => Err(DomainError::internal(format!(
            "the calendar feed does not read back as iCalendar: {other:?}"
        ))),
    }
}

/// The `UID` of `event`: stable for its life, unique across feeds.
#[must_use]
pub fn uid(event: &CalendarEvent) -> String {
    format!("{}@sophie", event.id)
}

/// The `PRIORITY` of a priority: RFC 5545 has 1 highest, 5 medium and 9 lowest.
#[must_use]
pub const fn priority(priority: Priority) -> u8 {
    match priority {
        Priority::Urgent => 1,
        Priority::High => 3,
        Priority::Medium => 5,
        Priority::Low => 9,
    }
}

fn write_event(text: &mut String, event: &CalendarEvent, exceptions: &[EventException]) {
    let zone: Tz = event.time_zone.parse().unwrap_or(Tz::UTC);
    let repeats = !event.recurrence.is_empty();
    line(text, "BEGIN:VEVENT");
    common(text, event, event.updated_at);
    line(
        text,
        &instant("DTSTART", event.start_date, zone, event.all_day),
    );
    if let Some(end) = event.end_date {
        line(text, &instant("DTEND", end, zone, event.all_day));
    }
    if repeats {
        // As sophie reads them: UNTIL in UTC (a date for all-day events), EXDATE and RDATE in
        // the event's zone or as dates.
        for rule in recurrence::exported(&event.series()) {
            line(text, &rule);
        }
        for cancelled in exceptions.iter().filter(|e| e.cancelled) {
            line(
                text,
                &instant("EXDATE", cancelled.original_start, zone, event.all_day),
            );
        }
    }
    details(text, event, &event.title, event.location.as_deref());
    line(text, "END:VEVENT");

    if !repeats {
        return;
    }
    for moved in exceptions.iter().filter(|e| !e.cancelled) {
        line(text, "BEGIN:VEVENT");
        common(text, event, moved.updated_at.max(event.updated_at));
        line(
            text,
            &instant("RECURRENCE-ID", moved.original_start, zone, event.all_day),
        );
        line(
            text,
            &instant("DTSTART", moved.start_date, zone, event.all_day),
        );
        if let Some(end) = moved.end_date {
            line(text, &instant("DTEND", end, zone, event.all_day));
        }
        let title = moved.title.as_deref().unwrap_or(&event.title);
        let location = moved.location.as_deref().or(event.location.as_deref());
        details(text, event, title, location);
        line(text, "END:VEVENT");
    }
}

/// `UID`, `DTSTAMP` (the last revision: a feed has no `METHOD`), `CREATED`, `LAST-MODIFIED`
/// and `SEQUENCE`.
fn common(text: &mut String, event: &CalendarEvent, stamp: DateTime<Utc>) {
    line(text, &format!("UID:{}", uid(event)));
    line(text, &format!("DTSTAMP:{}", utc(stamp)));
    line(text, &format!("CREATED:{}", utc(event.created_at)));
    line(text, &format!("LAST-MODIFIED:{}", utc(stamp)));
    line(text, &format!("SEQUENCE:{}", event.sequence));
}

/// The title, description, location, kind, priority and reminders of an occurrence.
fn details(text: &mut String, event: &CalendarEvent, title: &str, location: Option<&str>) {
    line(text, &format!("SUMMARY:{}", escape(title)));
    if let Some(description) = &event.description {
        line(text, &format!("DESCRIPTION:{}", escape(description)));
    }
    if let Some(location) = location {
        line(text, &format!("LOCATION:{}", escape(location)));
    }
    line(text, &format!("CATEGORIES:{}", event.event_type.as_str()));
    if let Some(level) = event.priority {
        line(text, &format!("PRIORITY:{}", priority(level)));
    }
    for minutes in &event.reminders {
        line(text, "BEGIN:VALARM");
        line(text, "ACTION:DISPLAY");
        line(text, &format!("DESCRIPTION:{}", escape(title)));
        line(text, &format!("TRIGGER:-PT{minutes}M"));
        line(text, "END:VALARM");
    }
}

/// A date-time property: a date in `zone` for all-day events, UTC with `Z` in UTC, else the
/// wall time with its `TZID`. Seconds are whole, as iCalendar has them.
fn instant(name: &str, at: DateTime<Utc>, zone: Tz, all_day: bool) -> String {
    instants(name, &[at], zone, all_day)
}

/// A property of one or more date-times (`EXDATE`, `RDATE`), written as [`instant`] writes
/// one, separated by commas.
pub(crate) fn instants(name: &str, ats: &[DateTime<Utc>], zone: Tz, all_day: bool) -> String {
    let (params, format) = if all_day {
        (";VALUE=DATE".to_owned(), "%Y%m%d")
    } else if zone == Tz::UTC {
        (String::new(), "%Y%m%dT%H%M%SZ")
    } else {
        (format!(";TZID={}", zone.name()), "%Y%m%dT%H%M%S")
    };
    let values: Vec<String> = ats
        .iter()
        .map(|at| at.with_timezone(&zone).format(format).to_string())
        .collect();
    format!("{name}{params}:{}", values.join(","))
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `value` as a TEXT value: backslashes, semicolons and commas escaped, line breaks as `\n`,
/// other control characters (which TEXT may not hold) left out.
fn escape(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | ';' | ',' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    escaped.push_str("\\n");
                }
            }
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push(' '),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

fn line(text: &mut String, content: &str) {
    let _ = write!(text, "{content}\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::EventType;
    use crate::id::{CalendarEventId, UserId};
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn event(title: &str) -> CalendarEvent {
        CalendarEvent {
            id: CalendarEventId::new(),
            user_id: UserId::new(),
            course_id: None,
            document_id: None,
            title: title.to_owned(),
            description: None,
            start_date: at(2027, 3, 1, 9, 0),
            end_date: Some(at(2027, 3, 1, 10, 30)),
            time_zone: "Europe/Berlin".to_owned(),
            all_day: false,
            recurrence: vec!["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10".to_owned()],
            reminders: vec![15],
            event_type: EventType::Lecture,
            location: Some("Hörsaal 1, Gebäude B".to_owned()),
            priority: Some(Priority::High),
            color: "#3B82F6".to_owned(),
            sequence: 2,
            google_event_id: None,
            google_calendar_id: None,
            ical_uid: None,
            subscription_id: None,
            created_at: at(2026, 12, 1, 8, 0),
            updated_at: at(2026, 12, 2, 8, 0),
        }
    }

    fn written(events: &[EventWithExceptions]) -> String {
        write(&Feed {
            name: "Semester",
            events,
        })
        .unwrap()
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let long =
            "Lineare Algebra für Informatikerinnen und Informatiker — Übung mit Präsenzaufgaben";
        let text = written(&[EventWithExceptions {
            event: event(long),
            exceptions: vec![],
        }]);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        for raw in text.split("\r\n") {
            assert!(!raw.contains('\n'), "a bare line feed in {raw:?}");
            assert!(raw.len() <= 75, "{} octets: {raw:?}", raw.len());
        }
        // Unfolded, the title is whole.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}\r\n")));
    }

    #[test]
    fn wall_times_carry_their_zone_with_a_vtimezone() {
        let text = written(&[EventWithExceptions {
            event: event("Analysis"),
            exceptions: vec![],
        }]);
        assert!(text.contains("DTSTART;TZID=Europe/Berlin:20270301T100000\r\n"));
        assert!(text.contains("DTEND;TZID=Europe/Berlin:20270301T113000\r\n"));
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
        assert!(
            text.contains("TZOFFSETTO:+0200"),
            "summer time is described"
        );
        assert!(text.contains("SEQUENCE:2\r\n"));
        assert!(text.contains("DTSTAMP:20261202T080000Z\r\n"));
        assert!(text.contains("CATEGORIES:LECTURE\r\n"));
        assert!(text.contains("PRIORITY:3\r\n"));
        assert!(text.contains("TRIGGER:-PT15M\r\n"));
        assert!(text.contains("LOCATION:Hörsaal 1\\, Gebäude B\r\n"));
    }

    #[test]
    fn all_day_events_are_dates_and_utc_needs_no_zone() {
        let mut holiday = event("Spring break");
        holiday.all_day = true;
        holiday.recurrence.clear();
        holiday.start_date = at(2027, 3, 14, 23, 0);
        holiday.end_date = Some(at(2027, 3, 19, 23, 0));
        let mut exam = event("Exam");
        exam.time_zone = "UTC".to_owned();
        exam.recurrence.clear();
        let text = written(&[
            EventWithExceptions {
                event: holiday,
                exceptions: vec![],
            },
            EventWithExceptions {
                event: exam,
                exceptions: vec![],
            },
        ]);
        assert!(text.contains("DTSTART;VALUE=DATE:20270315\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20270320\r\n"));
        assert!(text.contains("DTSTART:20270301T090000Z\r\n"));
        assert!(!text.contains("TZID:UTC"));
    }

    #[test]
    fn changed_occurrences_are_overrides_and_cancelled_ones_exdates() {
        let lecture = event("Analysis");
        let moved = EventException {
            event_id: lecture.id,
            original_start: at(2027, 3, 8, 9, 0),
            cancelled: false,
            start_date: at(2027, 3, 9, 13, 0),
            end_date: Some(at(2027, 3, 9, 14, 30)),
            title: Some("Analysis (moved)".to_owned()),
            location: None,
            updated_at: at(2026, 12, 3, 8, 0),
        };
        let cancelled = EventException {
            original_start: at(2027, 3, 15, 9, 0),
            cancelled: true,
            ..moved.clone()
        };
        let uid = uid(&lecture);
        let text = written(&[EventWithExceptions {
            event: lecture,
            exceptions: vec![moved, cancelled],
        }]);
        assert!(text.contains("EXDATE;TZID=Europe/Berlin:20270315T100000\r\n"));
        assert!(text.contains("RECURRENCE-ID;TZID=Europe/Berlin:20270308T100000\r\n"));
        assert!(text.contains("DTSTART;TZID=Europe/Berlin:20270309T140000\r\n"));
        assert!(text.contains("SUMMARY:Analysis (moved)\r\n"));
        assert_eq!(text.matches(&format!("UID:{uid}\r\n")).count(), 2);
    }

    #[test]
    fn recurrence_lines_are_written_as_they_are_read() {
        let mut lecture = event("Analysis");
        lecture.recurrence = vec![
            "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270412".to_owned(),
            "EXDATE:20270322T100000".to_owned(),
            "EXDATE;VALUE=DATE:20270329".to_owned(),
            "RDATE;VALUE=PERIOD:20270331T080000Z/PT1H".to_owned(),
        ];
        let mut break_week = event("Break");
        break_week.all_day = true;
        break_week.start_date = at(2027, 3, 14, 23, 0);
        break_week.end_date = Some(at(2027, 3, 15, 23, 0));
        break_week.recurrence = vec![
            "RRULE:FREQ=DAILY;UNTIL=20270318T120000Z".to_owned(),
            "EXDATE:20270316T230000Z".to_owned(),
        ];
        let text = written(&[
            EventWithExceptions {
                event: lecture,
                exceptions: vec![],
            },
            EventWithExceptions {
                event: break_week,
                exceptions: vec![],
            },
        ]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        for expected in [
            // The last Monday included: the end of 12 April in Berlin, in UTC.
            "RRULE:FREQ=WEEKLY;UNTIL=20270412T215959Z;BYDAY=MO",
            "EXDATE;TZID=Europe/Berlin:20270322T100000",
            // A date alone is the occurrence at the event's local start time.
            "EXDATE;TZID=Europe/Berlin:20270329T100000",
            "RDATE;TZID=Europe/Berlin:20270331T100000",
            // An all-day series ends and skips on dates.
            "RRULE:FREQ=DAILY;UNTIL=20270318",
            "EXDATE;VALUE=DATE:20270317",
        ] {
            assert!(lines.contains(&expected), "no {expected:?} in\n{text}");
        }
    }

    #[test]
    fn text_cannot_break_out_of_its_property() {
        let mut event = event("Quiz\r\nEND:VEVENT\r\nBEGIN:VEVENT\nSUMMARY:injected");
        event.description = Some("a; b, c \\ d\u{7}".to_owned());
        let text = written(&[EventWithExceptions {
            event,
            exceptions: vec![],
        }]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(), 1);
        assert!(!lines.iter().any(|l| l.starts_with("SUMMARY:injected")));
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:a\\; b\\, c \\\\ d\r\n"));
    }
}
