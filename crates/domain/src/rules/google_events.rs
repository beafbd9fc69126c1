//! sophie's calendar events as Google Calendar holds them, and back: times (all-day events by
//! date, timed ones at an instant with their zone), recurrence lines, popup reminders and
//! colours, and whether two versions of an event say the same.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::recurrence;
use crate::entities::CalendarEvent;
use crate::id::CalendarEventId;
use crate::ports::{RemoteEvent, RemoteStatus, RemoteTime};
use crate::values::{
    Color, Description, EventSchedule, Reminders, ShortText, TimeZone, Title, is_blank,
};

/// The private extended property that names the sophie event an event mirrors.
pub const SOPHIE_EVENT_ID: &str = "sophieEventId";

/// Google's event colours (`colorId` 1 to 11) with their hex codes.
const GOOGLE_COLORS: [(&str, [u8; 3]); 11] = [
    ("1", [0x79, 0x86, 0xcb]),
    ("2", [0x33, 0xb6, 0x79]),
    ("3", [0x8e, 0x24, 0xaa]),
    ("4", [0xe6, 0x7c, 0x73]),
    ("5", [0xf6, 0xbf, 0x26]),
    ("6", [0xf4, 0x51, 0x1e]),
    ("7", [0x03, 0x9b, 0xe5]),
    ("8", [0x61, 0x61, 0x61]),
    ("9", [0x3f, 0x51, 0xb5]),
    ("10", [0x0b, 0x80, 0x43]),
    ("11", [0xd5, 0x00, 0x00]),
];

/// sophie's palette names as Google colours; `blue`, the default, is the calendar's own
/// colour.
const PALETTE: &[(&str, Option<&str>)] = &[
    ("red", Some("11")),
    ("orange", Some("6")),
    ("amber", Some("5")),
    ("yellow", Some("5")),
    ("lime", Some("2")),
    ("green", Some("10")),
    ("emerald", Some("2")),
    ("teal", Some("10")),
    ("cyan", Some("7")),
    ("sky", Some("7")),
    ("blue", None),
    ("indigo", Some("9")),
    ("violet", Some("1")),
    ("purple", Some("3")),
    ("fuchsia", Some("3")),
    ("pink", Some("4")),
    ("rose", Some("4")),
    ("slate", Some("8")),
    ("gray", Some("8")),
    ("zinc", Some("8")),
    ("neutral", Some("8")),
    ("stone", Some("8")),
    ("black", Some("8")),
    ("white", None),
];

/// The id sophie inserts an event under at first: its own id in lower-case hex, which is
/// valid base32hex, so a retried insert is refused as a duplicate instead of made twice.
#[must_use]
pub fn remote_id(id: CalendarEventId) -> String {
    id.as_uuid().simple().to_string()
}

/// The id sophie inserts an event under again after its copy was deleted at Google (which
/// keeps the ids of deleted events): its own id and its revision, `r` between them.
#[must_use]
pub fn revision_id(id: CalendarEventId, sequence: u32) -> String {
    format!("{}r{sequence}", remote_id(id))
}

/// The Google colour nearest to a sophie colour; `None` for the calendar's own.
#[must_use]
pub fn google_color(color: &str) -> Option<String> {
    if let Some((_, google)) = PALETTE.iter().find(|(name, _)| *name == color) {
        return google.map(str::to_owned);
    }
    let rgb = parse_hex(color)?;
    let distance = |other: [u8; 3]| -> u32 {
        rgb.iter()
            .zip(other)
            .map(|(a, b)| u32::from(a.abs_diff(b)).pow(2))
            .sum()
    };
    GOOGLE_COLORS
        .iter()
        .min_by_key(|(_, other)| distance(*other))
        .map(|(id, _)| (*id).to_owned())
}

/// A Google colour as sophie shows it (its hex code); `None` for an unknown id.
#[must_use]
pub fn sophie_color(color_id: &str) -> Option<Color> {
    GOOGLE_COLORS
        .iter()
        .find(|(id, _)| *id == color_id)
        .and_then(|(_, [r, g, b])| Color::parse(format!("#{r:02x}{g:02x}{b:02x}")).ok())
}

fn parse_hex(color: &str) -> Option<[u8; 3]> {
    let hex = color.strip_prefix('#')?;
    let digit = |i: usize, width: usize| -> Option<u8> {
        let part = hex.get(i * width..(i + 1) * width)?;
        let value = u8::from_str_radix(part, 16).ok()?;
        Some(if width == 1 { value * 17 } else { value })
    };
    let width = match hex.len() {
        3 => 1,
        6 => 2,
        _ => return None,
    };
    Some([digit(0, width)?, digit(1, width)?, digit(2, width)?])
}

/// `event` as Google should hold it, under `id`. An event without an end goes as a
/// zero-length one (a whole day when it is all-day): Google requires an end.
#[must_use]
pub fn to_remote(event: &CalendarEvent, id: String) -> RemoteEvent {
    let zone: TimeZone = TimeZone::parse(&event.time_zone).unwrap_or(TimeZone::UTC);
    let (start, end) = if event.all_day {
        let day = |at: DateTime<Utc>| at.with_timezone(&zone.tz()).date_naive();
        let first = day(event.start_date);
        let after = event
            .end_date
            .map(day)
            .filter(|end| *end > first)
            .unwrap_or_else(|| first + TimeDelta::days(1));
        (RemoteTime::Date(first), RemoteTime::Date(after))
    } else {
        let at = |at: DateTime<Utc>| RemoteTime::At {
            at,
            time_zone: Some(zone.name().to_owned()),
        };
        (
            at(event.start_date),
            at(event.end_date.unwrap_or(event.start_date)),
        )
    };
    RemoteEvent {
        id,
        status: RemoteStatus::Confirmed,
        summary: Some(event.title.clone()),
        description: event.description.clone(),
        location: event.location.clone(),
        start: Some(start),
        end: Some(end),
        recurrence: event.recurrence.clone(),
        reminders: Some(event.reminders.clone()),
        color_id: google_color(&event.color),
        private: BTreeMap::from([(SOPHIE_EVENT_ID.to_owned(), event.id.to_string())]),
        updated: None,
        recurring_event_id: None,
        original_start: None,
    }
}

/// The sophie event a Google event names in its private properties, if any.
#[must_use]
pub fn sophie_id(remote: &RemoteEvent) -> Option<CalendarEventId> {
    remote.private.get(SOPHIE_EVENT_ID)?.parse().ok()
}

/// A Google event read as sophie's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledEvent {
    /// The title (`(No title)` for none).
    pub title: Title,
    /// The description.
    pub description: Option<Description>,
    /// The location.
    pub location: Option<ShortText>,
    /// Its times, zone, all-day flag and recurrence.
    pub schedule: EventSchedule,
    /// Its popup reminders; `None` when it uses the calendar's defaults.
    pub reminders: Option<Reminders>,
    /// Its colour; `None` for the calendar's own.
    pub color: Option<Color>,
}

/// Reads a Google event. A date-only (all-day) event is placed at midnight in `zone` (the
/// sophie event's zone; UTC for an event new to sophie); a timed one keeps its own zone.
///
/// # Errors
///
/// Why it cannot be an event of sophie's: no start or end, a start and end of two kinds, a
/// recurrence sophie does not read, more reminders than sophie keeps.
pub fn from_remote(remote: &RemoteEvent, zone: TimeZone) -> Result<PulledEvent, String> {
    let (Some(start), Some(end)) = (&remote.start, &remote.end) else {
        return Err("it has no start or no end".to_owned());
    };
    // A day whose midnight the clock skips starts when the clock goes on.
    let midnight = |day: NaiveDate| recurrence::local_midnight(zone.tz(), day);
    let (start, end, zone, all_day) = match (start, end) {
        (RemoteTime::Date(first), RemoteTime::Date(after)) => {
            (midnight(*first), midnight(*after), zone, true)
        }
        (
            RemoteTime::At {
                at: start,
                time_zone,
            },
            RemoteTime::At { at: end, .. },
        ) => {
            let zone = time_zone
                .as_deref()
                .and_then(|name| TimeZone::parse(name).ok())
                .unwrap_or(zone);
            (*start, *end, zone, false)
        }
        _ => return Err("its start and end are of two kinds (a date and a time)".to_owned()),
    };
    let schedule = EventSchedule::new(start, Some(end))
        .map_err(|e| format!("its end: {}", e.0))?
        .repeating(zone, all_day, remote.recurrence.clone())
        .map_err(|(field, e)| format!("{field}: {}", e.0))?;
    // Text that shows nothing is none.
    let text = |value: &Option<String>| value.clone().filter(|v| !v.chars().all(is_blank));
    let title = text(&remote.summary).unwrap_or_else(|| "(No title)".to_owned());
    let title = Title::clipped(title).map_err(|e| format!("title: {}", e.0))?;
    let description = text(&remote.description)
        .map(|d| Description::clipped(d).map_err(|e| format!("description: {}", e.0)))
        .transpose()?;
    let location = text(&remote.location)
        .map(|l| ShortText::clipped(l).map_err(|e| format!("location: {}", e.0)))
        .transpose()?;
    let reminders = remote
        .reminders
        .as_ref()
        .map(|minutes| {
            Reminders::parse(minutes.iter().copied()).map_err(|e| format!("reminders: {}", e.0))
        })
        .transpose()?;
    Ok(PulledEvent {
        title,
        description,
        location,
        schedule,
        reminders,
        color: remote.color_id.as_deref().and_then(sophie_color),
    })
}

/// Whether Google's version of an event says what sophie's says, field by field as Google
/// holds them: times compared as instants (Google answers in the event's offset), a
/// description or location that is empty as none, reminders left to the calendar's defaults
/// as the same.
#[must_use]
pub fn in_step(local: &CalendarEvent, remote: &RemoteEvent) -> bool {
    let mine = to_remote(local, remote.id.clone());
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    let same_text = |a: &Option<String>, b: &Option<String>| {
        (blank(a) && blank(b)) || a.as_deref().map(str::trim) == b.as_deref().map(str::trim)
    };
    let instant = |time: &Option<RemoteTime>| match time {
        Some(RemoteTime::Date(day)) => Some((Some(*day), None)),
        Some(RemoteTime::At { at, .. }) => Some((None, Some(*at))),
        None => None,
    };
    let title_same = remote
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("(No title)")
        == local.title;
    title_same
        && same_text(&mine.description, &remote.description)
        && same_text(&mine.location, &remote.location)
        && instant(&mine.start) == instant(&remote.start)
        && instant(&mine.end) == instant(&remote.end)
        && mine.recurrence == remote.recurrence
        && remote.reminders.as_ref().is_none_or(|minutes| {
            let mut minutes = minutes.clone();
            minutes.sort_unstable();
            minutes.dedup();
            minutes == local.reminders
        })
        && mine.color_id == remote.color_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::EventType;
    use crate::id::UserId;
    use chrono::TimeZone as _;

    fn event() -> CalendarEvent {
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap();
        CalendarEvent {
            id: CalendarEventId::new(),
            user_id: UserId::new(),
            course_id: None,
            document_id: None,
            title: "Algebra".into(),
            description: None,
            start_date: at,
            end_date: Some(at + TimeDelta::hours(1)),
            time_zone: "Europe/Berlin".into(),
            all_day: false,
            recurrence: vec!["RRULE:FREQ=WEEKLY;COUNT=3".into()],
            reminders: vec![10],
            event_type: EventType::Lecture,
            location: Some("Room 1".into()),
            priority: None,
            color: "red".into(),
            sequence: 0,
            google_event_id: None,
            google_calendar_id: None,
            ical_uid: None,
            subscription_id: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn an_event_goes_to_google_and_back_unchanged() {
        let local = event();
        let remote = to_remote(&local, remote_id(local.id));
        assert!(in_step(&local, &remote));
        assert_eq!(sophie_id(&remote), Some(local.id));
        assert_eq!(remote.color_id.as_deref(), Some("11"));
        let pulled = from_remote(&remote, TimeZone::UTC).unwrap();
        assert_eq!(pulled.schedule.start(), local.start_date);
        assert_eq!(pulled.schedule.end(), local.end_date);
        assert_eq!(pulled.schedule.zone().name(), "Europe/Berlin");
        assert_eq!(pulled.schedule.recurrence(), local.recurrence.as_slice());
        assert_eq!(pulled.reminders.unwrap().minutes(), &[10]);
        assert_eq!(pulled.location.as_deref(), Some("Room 1"));
    }

    #[test]
    fn an_edit_on_either_side_is_out_of_step() {
        let local = event();
        let mut remote = to_remote(&local, "x".into());
        remote.summary = Some("Geometry".into());
        assert!(!in_step(&local, &remote));
        let mut remote = to_remote(&local, "x".into());
        remote.reminders = Some(vec![30]);
        assert!(!in_step(&local, &remote));
        // The calendar's default reminders say nothing against sophie's.
        remote.reminders = None;
        assert!(in_step(&local, &remote));
    }

    #[test]
    fn all_day_and_open_ended_events_get_the_end_google_requires() {
        let mut local = event();
        local.all_day = true;
        local.recurrence.clear();
        local.start_date = Utc.with_ymd_and_hms(2027, 2, 28, 23, 0, 0).unwrap(); // 1 March in Berlin
        local.end_date = None;
        let remote = to_remote(&local, "x".into());
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(remote.start, Some(RemoteTime::Date(day)));
        assert_eq!(remote.end, Some(RemoteTime::Date(day + TimeDelta::days(1))));
        let mut timed = event();
        timed.end_date = None;
        let remote = to_remote(&timed, "x".into());
        assert_eq!(
            remote.end,
            Some(RemoteTime::At {
                at: timed.start_date,
                time_zone: Some("Europe/Berlin".into())
            })
        );
    }

    #[test]
    fn an_all_day_event_on_a_day_without_midnight_starts_when_the_clock_goes_on() {
        // Chile's clocks go from 00:00 to 01:00 on 5 September 2027.
        let mut remote = to_remote(&event(), "x".into());
        let day = NaiveDate::from_ymd_opt(2027, 9, 5).unwrap();
        remote.start = Some(RemoteTime::Date(day));
        remote.end = Some(RemoteTime::Date(day + TimeDelta::days(1)));
        remote.recurrence.clear();
        let santiago = TimeZone::parse("America/Santiago").unwrap();
        let pulled = from_remote(&remote, santiago).unwrap();
        assert_eq!(
            pulled.schedule.start(),
            Utc.with_ymd_and_hms(2027, 9, 5, 4, 0, 0).unwrap(),
            "01:00 at UTC-3"
        );
        assert!(pulled.schedule.all_day());
    }

    #[test]
    fn text_longer_than_sophie_keeps_is_cut_and_text_showing_nothing_is_none() {
        let mut remote = to_remote(&event(), "x".into());
        remote.summary = Some("\u{200B} \u{FEFF}".into());
        remote.description = Some("d".repeat(6_000));
        remote.location = Some("l".repeat(300));
        let pulled = from_remote(&remote, TimeZone::UTC).unwrap();
        assert_eq!(pulled.title.as_str(), "(No title)");
        assert_eq!(pulled.description.unwrap().chars().count(), 5_000);
        assert_eq!(pulled.location.unwrap().chars().count(), 200);
    }

    #[test]
    fn every_palette_name_has_its_google_colour() {
        let names: Vec<&str> = PALETTE.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            Color::PALETTE,
            "a name of sophie's palette has no Google colour"
        );
    }

    #[test]
    fn colours_map_to_the_nearest_google_colour_and_back() {
        assert_eq!(google_color("blue"), None);
        assert_eq!(google_color("#d50001").as_deref(), Some("11"));
        assert_eq!(google_color("#34b57a").as_deref(), Some("2"));
        assert_eq!(google_color("#0f0").as_deref(), Some("10"));
        assert_eq!(sophie_color("7").unwrap().as_str(), "#039be5");
        assert_eq!(sophie_color("99"), None);
    }

    #[test]
    fn an_event_sophie_cannot_hold_is_refused_with_the_reason() {
        let mut remote = to_remote(&event(), "x".into());
        remote.end = Some(RemoteTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 2).unwrap(),
        ));
        assert!(
            from_remote(&remote, TimeZone::UTC)
                .unwrap_err()
                .contains("two kinds")
        );
        remote.end = None;
        assert!(from_remote(&remote, TimeZone::UTC).is_err());
    }
}
