//! Reading an iCalendar object (RFC 5545) into sophie's events: its `VEVENT`s with their
//! times in real zones, their recurrence, their changed or cancelled occurrences and their
//! alarms.
//!
//! The text is parsed by `calcard`, which also names the zone of a `TZID` (an IANA name, a
//! Windows or Outlook name, or a `VTIMEZONE` carrying `X-LIC-LOCATION`). What is here turns
//! each event into the shape sophie stores: instants in UTC with the event's IANA zone,
//! recurrence lines as sophie reads them (`EXDATE` and `RDATE` in UTC or as dates), `DURATION`
//! turned into an end, and the occurrences given as their own `VEVENT` (a `RECURRENCE-ID`)
//! grouped under their series by `UID`. A zone known only from its `VTIMEZONE` (a custom
//! name) is matched to an IANA zone with the same offsets in winter and summer.

use std::collections::{BTreeMap, HashMap};

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarPeriod, ICalendarProperty, ICalendarStatus, ICalendarValue,
};
use calcard::{Entry, Parser};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::enums::{EventType, Priority};
use crate::rules::recurrence;

/// The most changed occurrences (`VEVENT`s with a `RECURRENCE-ID`) one import may hold.
pub const MAX_OVERRIDES: usize = 10_000;

/// The most dates one `EXDATE` or `RDATE` line is given (a line stays well under
/// [`recurrence::MAX_LINE_CHARS`]).
const DATES_PER_LINE: usize = 50;

/// An event read from an iCalendar object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedEvent {
    /// Its `UID`: what a second import of the same event is recognised by.
    pub uid: String,
    /// Its `SUMMARY`; `None` when it has none.
    pub title: Option<String>,
    /// Its `DESCRIPTION`.
    pub description: Option<String>,
    /// Its `LOCATION`.
    pub location: Option<String>,
    /// When its first occurrence starts.
    pub start: DateTime<Utc>,
    /// When it ends (from `DTEND`, or `DTSTART` plus `DURATION`); `None` when neither is given.
    pub end: Option<DateTime<Utc>>,
    /// The zone of its wall times.
    pub zone: Tz,
    /// Whether it takes whole days (`DTSTART` is a date).
    pub all_day: bool,
    /// Its `RRULE`, `EXDATE` and `RDATE` lines, as sophie reads them.
    pub recurrence: Vec<String>,
    /// Its alarms: minutes before the start, ascending, without repeats.
    pub reminders: Vec<u32>,
    /// Its kind, from its `CATEGORIES` (or its title) where one names a kind.
    pub event_type: EventType,
    /// Its urgency, from `PRIORITY`.
    pub priority: Option<Priority>,
    /// Its occurrences changed or cancelled by their own `VEVENT`.
    pub overrides: Vec<ImportedOverride>,
}

/// One occurrence of a repeating event given as its own `VEVENT` (with a `RECURRENCE-ID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedOverride {
    /// The start it has in the series, in UTC.
    pub original_start: DateTime<Utc>,
    /// Whether it is cancelled (`STATUS:CANCELLED`).
    pub cancelled: bool,
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its end.
    pub end: Option<DateTime<Utc>>,
    /// Its title, when it differs from the series'.
    pub title: Option<String>,
    /// Its location, when it differs from the series'.
    pub location: Option<String>,
}

/// Why an iCalendar object cannot be imported; the message names the event and the property.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

fn fail(message: impl Into<String>) -> ImportError {
    ImportError(message.into())
}

/// Reads the events of `text`, at most `max_events` of them (overrides not counted). Times
/// without a zone are taken in the calendar's `X-WR-TIMEZONE` when it names a known zone, else
/// in `default_zone`.
///
/// # Errors
///
/// [`ImportError`] when the text is not an iCalendar object, holds more than `max_events`
/// events, or an event has no `UID`, no `DTSTART`, a date or duration that does not read, an
/// unknown zone or a rule sophie cannot expand. Nothing of a failed text is kept.
pub fn read(
    text: &str,
    default_zone: Tz,
    max_events: usize,
) -> Result<Vec<ImportedEvent>, ImportError> {
    // A calendar cut short (a download broken off) is refused, not read in part: a
    // subscription would take its missing events as removed.
    let ends = text
        .trim_end()
        .rsplit(['\n', '\r'])
        .next()
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("END:VCALENDAR"));
    let opens = text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .get(..15)
        .is_some_and(|first| first.eq_ignore_ascii_case("BEGIN:VCALENDAR"));
    if opens && !ends {
        return Err(fail(
            "the calendar is cut short: it does not end with END:VCALENDAR",
        ));
    }
    let calendar = match Parser::new(text).entry() {
        Entry::ICalendar(calendar) => calendar,
        Entry::Eof => return Err(fail("the file is empty: it holds no iCalendar object")),
        Entry::VCard(_) => return Err(fail("the file is a vCard, not an iCalendar object")),
        Entry::TooManyComponents => {
            return Err(fail("the iCalendar object holds too many components"));
        }
        Entry::InvalidLine(line) => {
            return Err(fail(format!(
                "the file is not iCalendar: the line \"{}\" does not read",
                shown(&line)
            )));
        }
        other => {
            return Err(fail(format!(
                "the file is not a whole iCalendar object ({other:?})"
            )));
        }
    };
    let reader = Reader::new(&calendar, default_zone);

    let events: Vec<&ICalendarComponent> = calendar
        .components
        .iter()
        .filter(|c| c.component_type == ICalendarComponentType::VEvent)
        .collect();
    let (masters, overrides): (Vec<_>, Vec<_>) = events
        .into_iter()
        .partition(|c| !c.has_property(&ICalendarProperty::RecurrenceId));
    if masters.len() > max_events {
        return Err(fail(format!(
            "the calendar holds {} events, more than the {max_events} one import may hold",
            masters.len()
        )));
    }

    let mut read_events = Vec::with_capacity(masters.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for (position, component) in masters.into_iter().enumerate() {
        let event = reader.event(&calendar, component, position)?;
        if index.contains_key(&event.uid) {
            return Err(fail(format!(
                "two events have the UID \"{}\"",
                shown(&event.uid)
            )));
        }
        index.insert(event.uid.clone(), read_events.len());
        read_events.push(event);
    }
    if overrides.len() > MAX_OVERRIDES {
        return Err(fail(format!(
            "the calendar changes {} single occurrences, more than the {MAX_OVERRIDES} one \
             import may hold",
            overrides.len()
        )));
    }
    // By event and original start: a later change of the same occurrence replaces an earlier.
    let mut changes: HashMap<usize, BTreeMap<DateTime<Utc>, ImportedOverride>> = HashMap::new();
    for component in overrides {
        let uid = component.uid().map(str::trim).unwrap_or_default();
        let Some(&at) = index.get(uid) else {
            // A changed occurrence of an event this object does not hold: nothing to change.
            continue;
        };
        let changed = reader.occurrence(component, &read_events[at])?;
        changes
            .entry(at)
            .or_default()
            .insert(changed.original_start, changed);
    }
    for (at, changed) in changes {
        read_events[at].overrides = changed.into_values().collect();
    }
    Ok(read_events)
}

/// Reads the events of one calendar, resolving its zones once.
struct Reader {
    /// Zones by the `TZID`s the calendar's `VTIMEZONE`s define.
    defined: HashMap<String, Tz>,
    /// The zone of floating times.
    floating: Tz,
}

impl Reader {
    fn new(calendar: &ICalendar, default_zone: Tz) -> Self {
        let mut defined = HashMap::new();
        for zone in calendar.timezones() {
            let Some(name) = zone
                .property(&ICalendarProperty::Tzid)
                .and_then(|e| e.values.first())
                .and_then(ICalendarValue::as_text)
            else {
                continue;
            };
            let known = match zone.timezone() {
                Some((_, CalTz::Tz(tz))) => Some(tz),
                _ => matching_zone(calendar, zone),
            };
            if let Some(tz) = known {
                defined.insert(name.to_owned(), tz);
            }
        }
        let floating = calendar
            .components
            .iter()
            .find(|c| c.component_type == ICalendarComponentType::VCalendar)
            .and_then(|c| c.property(&ICalendarProperty::Other("X-WR-TIMEZONE".to_owned())))
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_text)
            .and_then(|name| iana(name.trim()))
            .unwrap_or(default_zone);
        Self { defined, floating }
    }

    /// The zone a `TZID` names.
    fn zone(&self, tzid: &str) -> Option<Zone> {
        if let Some(tz) = self.defined.get(tzid) {
            return Some(Zone::Named(*tz));
        }
        match tzid.parse::<CalTz>() {
            Ok(CalTz::Tz(tz)) => Some(Zone::Named(tz)),
            Ok(CalTz::Fixed(offset)) => Some(Zone::Fixed(offset.local_minus_utc())),
            _ => None,
        }
    }

    fn event(
        &self,
        calendar: &ICalendar,
        component: &ICalendarComponent,
        position: usize,
    ) -> Result<ImportedEvent, ImportError> {
        let uid = component
            .uid()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| fail(format!("event {} has no UID", position + 1)))?
            .to_owned();
        let named = |what: &str| format!("{what} of the event \"{}\"", shown(&uid));
        let start_entry = component
            .property(&ICalendarProperty::Dtstart)
            .ok_or_else(|| fail(format!("{} is missing", named("DTSTART"))))?;
        let start = self.moment(start_entry, &named("DTSTART"))?;
        let all_day = start.all_day;
        let zone = start.zone;
        let end = match component.property(&ICalendarProperty::Dtend) {
            Some(entry) => Some(self.moment(entry, &named("DTEND"))?.at),
            None => match component.property(&ICalendarProperty::Duration) {
                Some(entry) => Some(after(start.at, zone, entry, &named("DURATION"))?),
                // RFC 5545: an all-day event without an end takes its one day.
                None if all_day => Some(recurrence::local_midnight(
                    zone,
                    start.at.with_timezone(&zone).date_naive() + Duration::days(1),
                )),
                None => None,
            },
        };
        let end = match end {
            Some(end) if end < start.at => {
                return Err(fail(format!("{} is before its start", named("DTEND"))));
            }
            // An all-day event ends at a later midnight.
            Some(end) if all_day && end == start.at => Some(recurrence::local_midnight(
                zone,
                start.at.with_timezone(&zone).date_naive() + Duration::days(1),
            )),
            end => end,
        };

        let mut recurrence = Vec::new();
        let mut excluded: (Vec<NaiveDate>, Vec<DateTime<Utc>>) = (Vec::new(), Vec::new());
        let mut added: (Vec<NaiveDate>, Vec<DateTime<Utc>>) = (Vec::new(), Vec::new());
        for entry in &component.entries {
            match entry.name {
                ICalendarProperty::Rrule => {
                    let Some(ICalendarValue::RecurrenceRule(rule)) = entry.values.first() else {
                        return Err(fail(format!("{} does not read", named("RRULE"))));
                    };
                    recurrence.push(format!("RRULE:{rule}"));
                }
                ICalendarProperty::Exdate | ICalendarProperty::Rdate => {
                    let (name, slot) = if entry.name == ICalendarProperty::Exdate {
                        ("EXDATE", &mut excluded)
                    } else {
                        ("RDATE", &mut added)
                    };
                    for written in self.moments(entry, &named(name))? {
                        match written {
                            Written::Date(day) => slot.0.push(day),
                            // A date-time exception of an all-day series: its day there.
                            Written::At(at) if all_day => {
                                slot.0.push(at.with_timezone(&zone).date_naive());
                            }
                            Written::At(at) => slot.1.push(at),
                        }
                    }
                }
                _ => {}
            }
        }
        // One line per kind of value (in parts of [`DATES_PER_LINE`]), however many
        // properties the file spread them over: dates (read at the series' start time), and
        // instants in UTC.
        for (name, (days, ats)) in [("EXDATE", excluded), ("RDATE", added)] {
            for part in days.chunks(DATES_PER_LINE) {
                let values: Vec<String> = part
                    .iter()
                    .map(|d| d.format("%Y%m%d").to_string())
                    .collect();
                recurrence.push(format!("{name};VALUE=DATE:{}", values.join(",")));
            }
            for part in ats.chunks(DATES_PER_LINE) {
                let values: Vec<String> = part
                    .iter()
                    .map(|at| at.format("%Y%m%dT%H%M%SZ").to_string())
                    .collect();
                recurrence.push(format!("{name}:{}", values.join(",")));
            }
        }
        let series = recurrence::Series {
            start: start.at,
            end,
            zone,
            all_day,
            recurrence,
        };
        recurrence::check(&series)
            .map_err(|e| fail(format!("{}: {e}", named("the recurrence"))))?;
        let recurrence = if series.recurrence.is_empty() {
            Vec::new()
        } else {
            recurrence::exported(&series)
        };

        let title = text(component, &ICalendarProperty::Summary);
        let categories: Vec<String> = component
            .properties(&ICalendarProperty::Categories)
            .flat_map(|e| e.values.iter().filter_map(ICalendarValue::as_text))
            .map(str::to_owned)
            .collect();
        Ok(ImportedEvent {
            event_type: kind(&categories, title.as_deref()),
            priority: component
                .property(&ICalendarProperty::Priority)
                .and_then(|e| e.values.first())
                .and_then(ICalendarValue::as_integer)
                .and_then(priority),
            reminders: alarms(calendar, component),
            description: text(component, &ICalendarProperty::Description),
            location: text(component, &ICalendarProperty::Location),
            title,
            uid,
            start: start.at,
            end,
            zone,
            all_day,
            recurrence,
            overrides: Vec::new(),
        })
    }

    /// A `VEVENT` with a `RECURRENCE-ID`: one occurrence of `series` changed or cancelled.
    fn occurrence(
        &self,
        component: &ICalendarComponent,
        series: &ImportedEvent,
    ) -> Result<ImportedOverride, ImportError> {
        let named = |what: &str| {
            format!(
                "{what} of a changed occurrence of the event \"{}\"",
                shown(&series.uid)
            )
        };
        let id_entry = component
            .property(&ICalendarProperty::RecurrenceId)
            .ok_or_else(|| fail(named("RECURRENCE-ID")))?;
        let original_start = self.moment(id_entry, &named("RECURRENCE-ID"))?.at;
        let start = match component.property(&ICalendarProperty::Dtstart) {
            Some(entry) => self.moment(entry, &named("DTSTART"))?.at,
            None => original_start,
        };
        let length = series.end.map(|end| end - series.start);
        let end = match component.property(&ICalendarProperty::Dtend) {
            Some(entry) => Some(self.moment(entry, &named("DTEND"))?.at),
            None => match component.property(&ICalendarProperty::Duration) {
                Some(entry) => Some(after(start, series.zone, entry, &named("DURATION"))?),
                None => length.map(|length| start + length),
            },
        };
        if end.is_some_and(|end| end < start) {
            return Err(fail(format!("{} is before its start", named("DTEND"))));
        }
        let differs = |value: Option<String>, base: &Option<String>| {
            value.filter(|v| Some(v) != base.as_ref())
        };
        Ok(ImportedOverride {
            original_start,
            cancelled: component.status() == Some(&ICalendarStatus::Cancelled),
            start,
            end,
            title: differs(text(component, &ICalendarProperty::Summary), &series.title),
            location: differs(
                text(component, &ICalendarProperty::Location),
                &series.location,
            ),
        })
    }

    /// A date or date-time property's first value.
    fn moment(&self, entry: &ICalendarEntry, what: &str) -> Result<Moment, ImportError> {
        let value = entry
            .values
            .first()
            .and_then(ICalendarValue::as_partial_date_time)
            .ok_or_else(|| fail(format!("{what} is not a date or a date-time")))?;
        self.at(value, entry.tz_id(), what)
    }

    /// The values of an `EXDATE` or `RDATE` (a period by its start): dates as written,
    /// date-times as instants.
    fn moments(&self, entry: &ICalendarEntry, what: &str) -> Result<Vec<Written>, ImportError> {
        let mut ats = Vec::with_capacity(entry.values.len());
        for value in &entry.values {
            let partial = match value {
                ICalendarValue::PartialDateTime(value) => value.as_ref(),
                ICalendarValue::Period(
                    ICalendarPeriod::Range { start, .. } | ICalendarPeriod::Duration { start, .. },
                ) => start,
                _ => return Err(fail(format!("{what} holds a value that is not a date"))),
            };
            let moment = self.at(partial, entry.tz_id(), what)?;
            ats.push(if moment.all_day {
                Written::Date(moment.at.with_timezone(&moment.zone).date_naive())
            } else {
                Written::At(moment.at)
            });
        }
        Ok(ats)
    }

    fn at(
        &self,
        value: &PartialDateTime,
        tzid: Option<&str>,
        what: &str,
    ) -> Result<Moment, ImportError> {
        let invalid = || fail(format!("{what} is not a valid date"));
        let (Some(year), Some(month), Some(day)) = (value.year, value.month, value.day) else {
            return Err(invalid());
        };
        if !(1..=9999).contains(&year) {
            return Err(fail(format!("{what} is outside the years 1 to 9999")));
        }
        let date = NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
            .ok_or_else(invalid)?;
        let named_zone = match tzid {
            Some(name) => Some(self.zone(name).ok_or_else(|| {
                fail(format!(
                    "{what} is in the time zone \"{}\", which is not known: use an IANA name \
                     such as Europe/Berlin",
                    shown(name)
                ))
            })?),
            None => None,
        };
        if !value.has_time() {
            let zone = match named_zone {
                Some(Zone::Named(tz)) => tz,
                _ => self.floating,
            };
            return Ok(Moment {
                at: recurrence::local_midnight(zone, date),
                zone,
                all_day: true,
            });
        }
        let time = chrono::NaiveTime::from_hms_opt(
            u32::from(value.hour.unwrap_or(0)),
            u32::from(value.minute.unwrap_or(0)),
            // A leap second reads as the second before it.
            u32::from(value.second.unwrap_or(0).min(59)),
        )
        .ok_or_else(invalid)?;
        let local = NaiveDateTime::new(date, time);
        if value.tz_hour.is_some() {
            // `Z`: UTC whatever the TZID says.
            return Ok(Moment {
                at: Utc.from_utc_datetime(&local),
                zone: Tz::UTC,
                all_day: false,
            });
        }
        Ok(match named_zone.unwrap_or(Zone::Named(self.floating)) {
            Zone::Named(zone) => Moment {
                at: recurrence::resolve(zone, local),
                zone,
                all_day: false,
            },
            Zone::Fixed(seconds) => Moment {
                at: Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(seconds)))),
                zone: Tz::UTC,
                all_day: false,
            },
        })
    }
}

/// A value of an `EXDATE` or `RDATE`.
enum Written {
    /// A date (`VALUE=DATE`).
    Date(NaiveDate),
    /// A date-time, as an instant.
    At(DateTime<Utc>),
}

/// A zone as a `TZID` names it.
#[derive(Clone, Copy)]
enum Zone {
    Named(Tz),
    /// A fixed offset east of UTC, in seconds: its times become UTC.
    Fixed(i32),
}

/// A date or date-time read: its instant, its zone, and whether it was a date.
struct Moment {
    at: DateTime<Utc>,
    zone: Tz,
    all_day: bool,
}

/// An IANA zone by name, or by a Windows or Outlook name.
fn iana(name: &str) -> Option<Tz> {
    match name.parse::<CalTz>() {
        Ok(CalTz::Tz(tz)) => Some(tz),
        _ => None,
    }
}

/// The IANA zone whose offsets in mid-January and mid-July of 2027 are those of `zone`'s
/// `STANDARD` and `DAYLIGHT` parts (`TZOFFSETTO`), preferring the best-known zones.
fn matching_zone(calendar: &ICalendar, zone: &ICalendarComponent) -> Option<Tz> {
    let mut standard = None;
    let mut daylight = None;
    for id in &zone.component_ids {
        let Some(part) = calendar.component_by_id(*id) else {
            continue;
        };
        let offset = part
            .property(&ICalendarProperty::Tzoffsetto)
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_partial_date_time)
            .map(|p| {
                let seconds = i32::from(p.tz_hour.unwrap_or(0)) * 3600
                    + i32::from(p.tz_minute.unwrap_or(0)) * 60;
                if p.tz_minus { -seconds } else { seconds }
            });
        // The rules in force now: of each kind, the part with the latest onset.
        let onset = part
            .property(&ICalendarProperty::Dtstart)
            .and_then(|e| e.values.first())
            .and_then(ICalendarValue::as_partial_date_time)
            .map(|p| (p.year, p.month, p.day));
        let slot = match part.component_type {
            ICalendarComponentType::Standard => &mut standard,
            ICalendarComponentType::Daylight => &mut daylight,
            _ => continue,
        };
        if let Some(offset) = offset
            && slot.is_none_or(|(latest, _)| onset >= latest)
        {
            *slot = Some((onset, offset));
        }
    }
    let standard = standard?.1;
    let daylight = daylight.map_or(standard, |(_, offset)| offset);
    let offset_on = |tz: Tz, month: u32| {
        let day = NaiveDate::from_ymd_opt(2027, month, 15)?;
        Some(tz.offset_from_utc_date(&day).fix().local_minus_utc())
    };
    let fits = |tz: &Tz| {
        let (january, july) = (offset_on(*tz, 1), offset_on(*tz, 7));
        // North of the equator summer time is in July; south of it, in January.
        (january == Some(standard) && july == Some(daylight))
            || (standard != daylight && january == Some(daylight) && july == Some(standard))
    };
    const PREFERRED: [Tz; 12] = [
        Tz::Europe__Berlin,
        Tz::Europe__London,
        Tz::America__New_York,
        Tz::America__Chicago,
        Tz::America__Denver,
        Tz::America__Los_Angeles,
        Tz::America__Phoenix,
        Tz::Asia__Tokyo,
        Tz::Asia__Kolkata,
        Tz::Australia__Sydney,
        Tz::Europe__Helsinki,
        Tz::UTC,
    ];
    PREFERRED
        .iter()
        .chain(chrono_tz::TZ_VARIANTS.iter())
        .find(|tz| fits(tz))
        .copied()
}

/// A property's text, trimmed; `None` when absent or blank.
fn text(component: &ICalendarComponent, property: &ICalendarProperty) -> Option<String> {
    component
        .property(property)
        .and_then(|e| e.values.first())
        .and_then(ICalendarValue::as_text)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The end of something starting at `start` and lasting a `DURATION`: its weeks and days
/// on the calendar of `zone` (a day across a daylight-saving change is 23 or 25 hours, as
/// RFC 5545 has it), then its hours, minutes and seconds exactly.
fn after(
    start: DateTime<Utc>,
    zone: Tz,
    entry: &ICalendarEntry,
    what: &str,
) -> Result<DateTime<Utc>, ImportError> {
    let Some(ICalendarValue::Duration(length)) = entry.values.first() else {
        return Err(fail(format!("{what} is not a duration")));
    };
    let days = i64::from(length.weeks) * 7 + i64::from(length.days);
    let exact = i64::from(length.hours) * 3_600
        + i64::from(length.minutes) * 60
        + i64::from(length.seconds);
    if length.neg || days > MAX_DURATION_DAYS || exact > MAX_DURATION_DAYS * 86_400 {
        return Err(fail(format!(
            "{what} must go forward in time, by at most {MAX_DURATION_DAYS} days"
        )));
    }
    let local = start.with_timezone(&zone).naive_local() + Duration::days(days);
    Ok(recurrence::resolve(zone, local) + Duration::seconds(exact))
}

/// The longest `DURATION` read, in days.
const MAX_DURATION_DAYS: i64 = 3_660;

/// The minutes before the start at which the event's alarms go off: those with a `TRIGGER`
/// relative to the start, at or before it.
fn alarms(calendar: &ICalendar, component: &ICalendarComponent) -> Vec<u32> {
    let mut minutes: Vec<u32> = component
        .component_ids
        .iter()
        .filter_map(|id| calendar.component_by_id(*id))
        .filter(|c| c.component_type == ICalendarComponentType::VAlarm)
        .filter_map(|alarm| alarm.property(&ICalendarProperty::Trigger))
        .filter(|trigger| {
            !trigger
                .parameters(&ICalendarParameterName::Related)
                .any(|p| {
                    matches!(
                        p,
                        calcard::icalendar::ICalendarParameterValue::Related(
                            calcard::icalendar::ICalendarRelated::End
                        )
                    )
                })
        })
        .filter_map(|trigger| match trigger.values.first() {
            Some(ICalendarValue::Duration(before)) if before.neg || before.as_seconds() == 0 => {
                u32::try_from(before.as_seconds().unsigned_abs() / 60).ok()
            }
            _ => None,
        })
        .filter(|m| *m <= crate::values::Reminders::MAX_MINUTES)
        .collect();
    minutes.sort_unstable();
    minutes.dedup();
    minutes.truncate(crate::values::Reminders::MAX_COUNT);
    minutes
}

/// The kind named by a category (sophie's own feed writes its kinds there), else by a word of
/// the title; [`EventType::Other`] when none is.
fn kind(categories: &[String], title: Option<&str>) -> EventType {
    for category in categories {
        let upper = category.trim().to_uppercase().replace([' ', '-'], "_");
        if let Ok(kind) = upper.parse::<EventType>() {
            return kind;
        }
    }
    let title = title.unwrap_or_default().to_lowercase();
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Whole words and their plurals ("exams"), and phrases as written ("office hour").
    let has = |wanted: &[&str]| {
        wanted.iter().any(|w| {
            if w.contains(' ') {
                title.contains(w)
            } else {
                words
                    .iter()
                    .any(|word| word == w || word.strip_suffix('s') == Some(*w))
            }
        })
    };
    if has(&[
        "exam",
        "examination",
        "midterm",
        "final exam",
        "klausur",
        "prüfung",
    ]) {
        EventType::Exam
    } else if has(&["quiz"]) {
        EventType::Quiz
    } else if has(&["lab", "praktikum"]) {
        EventType::Lab
    } else if has(&["office hour", "sprechstunde"]) {
        EventType::OfficeHours
    } else if has(&["assignment", "homework", "problem set"]) {
        EventType::Assignment
    } else if has(&["deadline", "due"]) {
        EventType::Deadline
    } else if has(&["lecture", "seminar", "tutorial", "vorlesung", "übung"]) {
        EventType::Lecture
    } else {
        EventType::Other
    }
}

/// `PRIORITY` (1 highest … 9 lowest, 0 undefined) as sophie's priorities.
fn priority(level: i64) -> Option<Priority> {
    match level {
        1 => Some(Priority::Urgent),
        2..=4 => Some(Priority::High),
        5 => Some(Priority::Medium),
        6..=9 => Some(Priority::Low),
        _ => None,
    }
}

/// Text quoted in an error: at most 60 characters.
fn shown(text: &str) -> String {
    let mut shown: String = text.chars().take(60).collect();
    if shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(body: &str) -> String {
        let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
        for line in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            text.push_str(line);
            text.push_str("\r\n");
        }
        text.push_str("END:VCALENDAR\r\n");
        text
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    const OUTLOOK_ZONE: &str = "
        BEGIN:VTIMEZONE
        TZID:W. Europe Standard Time
        BEGIN:STANDARD
        DTSTART:16010101T030000
        TZOFFSETFROM:+0200
        TZOFFSETTO:+0100
        RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:16010101T020000
        TZOFFSETFROM:+0100
        TZOFFSETTO:+0200
        RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
        END:DAYLIGHT
        END:VTIMEZONE";

    #[test]
    fn a_weekly_lecture_in_a_windows_zone_with_an_exception_and_a_moved_occurrence() {
        let text = calendar(&format!(
            "{OUTLOOK_ZONE}
            BEGIN:VEVENT
            UID:lecture-1
            SUMMARY:Algorithms lecture
            LOCATION:Hall B
            DTSTART;TZID=W. Europe Standard Time:20270301T100000
            DTEND;TZID=W. Europe Standard Time:20270301T113000
            RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270430T220000Z
            EXDATE;TZID=W. Europe Standard Time:20270329T100000
            BEGIN:VALARM
            ACTION:DISPLAY
            TRIGGER:-PT15M
            END:VALARM
            END:VEVENT
            BEGIN:VEVENT
            UID:lecture-1
            RECURRENCE-ID;TZID=W. Europe Standard Time:20270405T100000
            DTSTART;TZID=W. Europe Standard Time:20270406T140000
            DTEND;TZID=W. Europe Standard Time:20270406T153000
            SUMMARY:Algorithms lecture (moved)
            END:VEVENT"
        ));
        let events = read(&text, Tz::UTC, 10).unwrap();
        assert_eq!(events.len(), 1);
        let lecture = &events[0];
        assert_eq!(lecture.zone, Tz::Europe__Berlin);
        assert_eq!(lecture.start, utc("2027-03-01T09:00:00Z"));
        assert_eq!(lecture.end, Some(utc("2027-03-01T10:30:00Z")));
        assert_eq!(lecture.reminders, vec![15]);
        assert_eq!(lecture.event_type, EventType::Lecture);
        assert_eq!(lecture.location.as_deref(), Some("Hall B"));
        assert!(
            lecture
                .recurrence
                .iter()
                .any(|l| l.starts_with("RRULE:FREQ=WEEKLY"))
        );
        // The exception after the change to summer time: 10:00 in Berlin is 08:00 UTC.
        let series = recurrence::Series {
            start: lecture.start,
            end: lecture.end,
            zone: lecture.zone,
            all_day: false,
            recurrence: lecture.recurrence.clone(),
        };
        let all = recurrence::occurrences(
            &series,
            &[],
            utc("2027-03-01T00:00:00Z"),
            utc("2027-05-01T00:00:00Z"),
            100,
        )
        .unwrap();
        let starts: Vec<_> = all.iter().map(|o| o.start).collect();
        assert_eq!(starts.len(), 8, "{starts:?}");
        assert!(!starts.contains(&utc("2027-03-29T08:00:00Z")));
        assert!(starts.contains(&utc("2027-04-05T08:00:00Z")));
        assert_eq!(lecture.overrides.len(), 1);
        let moved = &lecture.overrides[0];
        assert_eq!(moved.original_start, utc("2027-04-05T08:00:00Z"));
        assert_eq!(moved.start, utc("2027-04-06T12:00:00Z"));
        assert_eq!(moved.end, Some(utc("2027-04-06T13:30:00Z")));
        assert_eq!(moved.title.as_deref(), Some("Algorithms lecture (moved)"));
        assert_eq!(moved.location, None);
        assert!(!moved.cancelled);
    }

    #[test]
    fn a_custom_zone_is_matched_by_its_offsets() {
        let zone = OUTLOOK_ZONE.replace("W. Europe Standard Time", "Customized Time Zone");
        let text = calendar(&format!(
            "{zone}
            BEGIN:VEVENT
            UID:x
            DTSTART;TZID=Customized Time Zone:20270701T090000
            DURATION:PT45M
            END:VEVENT"
        ));
        let events = read(&text, Tz::UTC, 10).unwrap();
        assert_eq!(events[0].start, utc("2027-07-01T07:00:00Z"));
        assert_eq!(events[0].end, Some(utc("2027-07-01T07:45:00Z")));
        assert_eq!(events[0].zone.name(), "Europe/Berlin");
    }

    #[test]
    fn all_day_events_floating_times_and_cancelled_occurrences() {
        let text = calendar(
            "X-WR-TIMEZONE:America/New_York
            BEGIN:VEVENT
            UID:break
            SUMMARY:Spring break
            DTSTART;VALUE=DATE:20270315
            DTEND;VALUE=DATE:20270320
            END:VEVENT
            BEGIN:VEVENT
            UID:holiday
            SUMMARY:Holiday
            DTSTART;VALUE=DATE:20270704
            END:VEVENT
            BEGIN:VEVENT
            UID:seminar
            SUMMARY:Seminar
            CATEGORIES:LAB
            PRIORITY:1
            DTSTART:20270302T180000
            DTEND:20270302T190000
            RRULE:FREQ=WEEKLY;COUNT=5
            END:VEVENT
            BEGIN:VEVENT
            UID:seminar
            RECURRENCE-ID:20270316T180000
            STATUS:CANCELLED
            END:VEVENT",
        );
        let events = read(&text, Tz::UTC, 10).unwrap();
        let spring = &events[0];
        assert!(spring.all_day);
        assert_eq!(spring.zone, Tz::America__New_York);
        assert_eq!(spring.start, utc("2027-03-15T04:00:00Z"));
        assert_eq!(spring.end, Some(utc("2027-03-20T04:00:00Z")));
        assert_eq!(spring.event_type, EventType::Other);
        // An all-day event without an end takes its one day.
        assert_eq!(events[1].end, Some(utc("2027-07-05T04:00:00Z")));
        let seminar = &events[2];
        assert_eq!(seminar.event_type, EventType::Lab);
        assert_eq!(seminar.priority, Some(Priority::Urgent));
        // 18:00 in New York, in winter time, then after the change on March 14 in summer time.
        assert_eq!(seminar.start, utc("2027-03-02T23:00:00Z"));
        assert_eq!(seminar.overrides.len(), 1);
        assert!(seminar.overrides[0].cancelled);
        assert_eq!(
            seminar.overrides[0].original_start,
            utc("2027-03-16T22:00:00Z")
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        let refused = |body: &str| read(&calendar(body), Tz::UTC, 2).unwrap_err().0;
        assert!(read("hello", Tz::UTC, 10).is_err());
        assert!(read("", Tz::UTC, 10).unwrap_err().0.contains("empty"));
        assert!(
            refused("BEGIN:VEVENT\nSUMMARY:x\nDTSTART:20270101T100000Z\nEND:VEVENT")
                .contains("no UID")
        );
        assert!(
            refused("BEGIN:VEVENT\nUID:a\nDTSTART:20270230T100000Z\nEND:VEVENT")
                .contains("DTSTART")
        );
        assert!(
            refused("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Mars/Olympus:20270101T100000\nEND:VEVENT")
                .contains("Mars/Olympus")
        );
        assert!(
            refused(
                "BEGIN:VEVENT\nUID:a\nDTSTART:20270101T100000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT"
            )
            .contains("RRULE")
        );
        assert!(
            refused(
                "BEGIN:VEVENT\nUID:a\nDTSTART:20270101T100000Z\nDTEND:20260101T100000Z\nEND:VEVENT"
            )
            .contains("before its start")
        );
        let three = "BEGIN:VEVENT\nUID:a\nDTSTART:20270101T100000Z\nEND:VEVENT\n\
                     BEGIN:VEVENT\nUID:b\nDTSTART:20270101T100000Z\nEND:VEVENT\n\
                     BEGIN:VEVENT\nUID:c\nDTSTART:20270101T100000Z\nEND:VEVENT";
        assert!(refused(three).contains("more than the 2"));
    }

    #[test]
    fn odd_text_never_panics() {
        for text in [
            "BEGIN:VCALENDAR",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:99999999T999999\r\nEND:VEVENT\r\nEND:VCALENDAR",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:00000101\r\nEND:VEVENT\r\nEND:VCALENDAR",
            "BEGIN:VCARD\r\nFN:x\r\nEND:VCARD",
            "\u{feff}BEGIN:VCALENDAR\r\nEND:VCALENDAR",
        ] {
            let _ = read(text, Tz::UTC, 10);
        }
    }
}

#[cfg(test)]
mod edge_cases {
    use super::*;

    fn one(body: &str) -> ImportedEvent {
        let text = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            body.trim().replace('\n', "\r\n")
        );
        read(&text, Tz::America__New_York, 10).unwrap().remove(0)
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn starts(event: &ImportedEvent, to: &str) -> Vec<DateTime<Utc>> {
        let series = recurrence::Series {
            start: event.start,
            end: event.end,
            zone: event.zone,
            all_day: event.all_day,
            recurrence: event.recurrence.clone(),
        };
        recurrence::occurrences(&series, &[], event.start, utc(to), 1_000)
            .unwrap()
            .iter()
            .map(|o| o.start)
            .collect()
    }

    #[test]
    fn a_day_of_duration_across_a_daylight_saving_change_ends_at_midnight() {
        // 7 November 2027: New York leaves summer time; the day has 25 hours.
        let day = one("DTSTART;VALUE=DATE:20271107\nDURATION:P1D");
        assert_eq!(day.end, Some(utc("2027-11-08T05:00:00Z")));
        let timed = one("DTSTART;TZID=America/New_York:20271106T090000\nDURATION:P1DT30M");
        assert_eq!(timed.end, Some(utc("2027-11-07T14:30:00Z")));
    }

    #[test]
    fn exceptions_of_every_form_exclude_their_occurrence() {
        // Dates on a timed series: the occurrence of that day.
        let timed = one(
            "DTSTART;TZID=America/New_York:20270301T090000\nDTEND;TZID=America/New_York:20270301T100000\n\
             RRULE:FREQ=DAILY;COUNT=5\nEXDATE;VALUE=DATE:20270302\nEXDATE:20270304T140000Z",
        );
        assert_eq!(
            starts(&timed, "2027-04-01T00:00:00Z"),
            [
                utc("2027-03-01T14:00:00Z"),
                utc("2027-03-03T14:00:00Z"),
                utc("2027-03-05T14:00:00Z")
            ]
        );
        // A date-time on an all-day series in New York: its day there, not in UTC.
        let all_day =
            one("DTSTART;VALUE=DATE:20270301\nRRULE:FREQ=DAILY;COUNT=10\nEXDATE:20270308T020000Z");
        let days = starts(&all_day, "2027-04-01T00:00:00Z");
        assert_eq!(days.len(), 9);
        assert!(!days.contains(&utc("2027-03-07T05:00:00Z")), "{days:?}");
    }

    #[test]
    fn many_exception_properties_become_few_lines() {
        let mut body =
            String::from("DTSTART:20270101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=200\n");
        for day in 1..=60 {
            let date = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap() + Duration::days(day);
            body.push_str(&format!("EXDATE:{}T090000Z\n", date.format("%Y%m%d")));
        }
        let event = one(&body);
        assert_eq!(event.recurrence.len(), 3, "{:?}", event.recurrence);
        assert_eq!(starts(&event, "2028-01-01T00:00:00Z").len(), 140);
    }

    #[test]
    fn a_calendar_cut_short_is_refused() {
        let cut = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20270101T100000Z\r\nEND:VEVENT\r\n";
        assert!(read(cut, Tz::UTC, 10).unwrap_err().0.contains("cut short"));
    }

    #[test]
    fn kinds_come_from_whole_words() {
        assert_eq!(kind(&[], Some("Example class")), EventType::Other);
        assert_eq!(kind(&[], Some("Midterm exams")), EventType::Exam);
        assert_eq!(kind(&[], Some("Chemistry lab")), EventType::Lab);
        assert_eq!(kind(&[], Some("Essay due")), EventType::Deadline);
    }
}
