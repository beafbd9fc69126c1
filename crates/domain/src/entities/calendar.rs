use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{EventType, Priority};
use crate::id::{CalendarEventId, CalendarSubscriptionId, CourseId, DocumentId, UserId};
use crate::rules::recurrence::Series;
use crate::values::{Color, Description, EventSchedule, Reminders, ShortText, Title};

/// An event in the student's calendar: a lecture, an exam, a deadline.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEvent {
    /// The event's id.
    pub id: CalendarEventId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it belongs to.
    pub course_id: Option<CourseId>,
    /// The document it was found in (a syllabus).
    pub document_id: Option<DocumentId>,
    /// Its title.
    pub title: String,
    /// A description.
    pub description: Option<String>,
    /// When it starts.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub start_date: DateTime<Utc>,
    /// When it ends; never before it starts. For an all-day event, the midnight after its
    /// last day (exclusive, as in iCalendar).
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub end_date: Option<DateTime<Utc>>,
    /// The IANA time zone of its wall times (`Europe/Berlin`): a repeating event keeps its
    /// local time across daylight-saving changes. `UTC` unless given.
    pub time_zone: String,
    /// Whether it takes whole days: it starts and ends at midnight in its time zone.
    pub all_day: bool,
    /// How it repeats: RFC 5545 lines as Google Calendar's API holds them
    /// (`RRULE:FREQ=WEEKLY;BYDAY=MO`, `EXDATE;TZID=Europe/Berlin:20270503T100000`, `RDATE…`);
    /// empty for an event that happens once.
    pub recurrence: Vec<String>,
    /// When to remind the student: minutes before each occurrence, ascending.
    pub reminders: Vec<u32>,
    /// What kind of event it is.
    pub event_type: EventType,
    /// Where it happens.
    pub location: Option<String>,
    /// How urgent it is.
    pub priority: Option<Priority>,
    /// A display colour.
    pub color: String,
    /// Its revision, as iCalendar's `SEQUENCE`: 0 when made, raised by each change of it or
    /// of one of its occurrences.
    pub sequence: u32,
    /// Its id in Google Calendar, once synchronised.
    pub google_event_id: Option<String>,
    /// The Google calendar it is synchronised with.
    pub google_calendar_id: Option<String>,
    /// Its `UID` in the iCalendar file or subscription it was imported from: a second import
    /// of it changes it instead of making another.
    pub ical_uid: Option<String>,
    /// The subscription it came from, which keeps it as its source has it.
    pub subscription_id: Option<CalendarSubscriptionId>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl CalendarEvent {
    /// Its timing, to expand into occurrences. A stored zone that is no longer known (the
    /// time zone database dropped it) reads as UTC.
    #[must_use]
    pub fn series(&self) -> Series {
        Series {
            start: self.start_date,
            end: self.end_date,
            zone: self.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC),
            all_day: self.all_day,
            recurrence: self.recurrence.clone(),
        }
    }
}

/// Creates a [`CalendarEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCalendarEvent {
    /// Its title.
    pub title: Title,
    /// A description.
    pub description: Option<Description>,
    /// When it starts and ends, in which zone, and how it repeats.
    pub schedule: EventSchedule,
    /// When to remind the student.
    pub reminders: Reminders,
    /// What kind of event it is.
    pub event_type: EventType,
    /// Where it happens.
    pub location: Option<ShortText>,
    /// How urgent it is.
    pub priority: Option<Priority>,
    /// A display colour.
    pub color: Color,
    /// Its Google Calendar id.
    pub google_event_id: Option<ShortText>,
    /// Its Google calendar.
    pub google_calendar_id: Option<ShortText>,
    /// The course it belongs to; must be the user's.
    pub course_id: Option<CourseId>,
    /// The document it was found in; must be the user's.
    pub document_id: Option<DocumentId>,
}

/// Changes a [`CalendarEvent`]. Start and end change together, as one [`EventSchedule`], so
/// the end is never before the start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CalendarEventUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new description, or `Some(None)` to clear it.
    pub description: Option<Option<Description>>,
    /// New start, end, zone, all-day flag and recurrence, as a whole.
    pub schedule: Option<EventSchedule>,
    /// New reminders.
    pub reminders: Option<Reminders>,
    /// A new kind.
    pub event_type: Option<EventType>,
    /// A new location, or `Some(None)` to clear it.
    pub location: Option<Option<ShortText>>,
    /// A new priority, or `Some(None)` to clear it.
    pub priority: Option<Option<Priority>>,
    /// A new colour.
    pub color: Option<Color>,
    /// A new Google event id, or `Some(None)` to clear it.
    pub google_event_id: Option<Option<ShortText>>,
    /// A new Google calendar id, or `Some(None)` to clear it.
    pub google_calendar_id: Option<Option<ShortText>>,
    /// A new course (must be the user's), or `Some(None)` for none.
    pub course_id: Option<Option<CourseId>>,
    /// A new document (must be the user's), or `Some(None)` for none.
    pub document_id: Option<Option<DocumentId>>,
}

impl CalendarEventUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.schedule.is_none()
            && self.reminders.is_none()
            && self.event_type.is_none()
            && self.location.is_none()
            && self.priority.is_none()
            && self.color.is_none()
            && self.google_event_id.is_none()
            && self.google_calendar_id.is_none()
            && self.course_id.is_none()
            && self.document_id.is_none()
    }
}

/// Narrows a list of calendar events. Filters combine with AND.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CalendarFilter {
    /// Only events still going on at or after this instant (their end, or their start when
    /// they have no end, is not before it); every repeating event is taken as going on.
    pub from: Option<DateTime<Utc>>,
    /// Only events starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only events of this course.
    pub course_id: Option<CourseId>,
    /// Only events of this kind.
    pub event_type: Option<EventType>,
}

impl CalendarFilter {
    /// Whether `event` passes the filter.
    #[must_use]
    pub fn matches(&self, event: &CalendarEvent) -> bool {
        let ends = event.end_date.unwrap_or(event.start_date);
        // A repeating event may recur after `from` whatever its first end.
        let repeats = !event.recurrence.is_empty();
        self.from.is_none_or(|from| repeats || ends >= from)
            && self.to.is_none_or(|to| event.start_date < to)
            && self.course_id.is_none_or(|id| event.course_id == Some(id))
            && self.event_type.is_none_or(|kind| event.event_type == kind)
    }
}

/// One occurrence of a repeating event changed (moved, retitled, relocated) or cancelled: an
/// iCalendar override, found by its `RECURRENCE-ID`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventException {
    /// The repeating event.
    pub event_id: CalendarEventId,
    /// The start the occurrence has in the series (its `RECURRENCE-ID`).
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub original_start: DateTime<Utc>,
    /// Whether the occurrence is cancelled.
    pub cancelled: bool,
    /// Its start now.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub start_date: DateTime<Utc>,
    /// Its end now, if it has one.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub end_date: Option<DateTime<Utc>>,
    /// Its own title, if it differs from the event's.
    pub title: Option<String>,
    /// Its own location, if it differs from the event's.
    pub location: Option<String>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Changes or cancels one occurrence of a repeating event (replacing an earlier change of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEventException {
    /// The start the occurrence has in the series; must be one of its occurrences.
    pub original_start: DateTime<Utc>,
    /// Whether it is cancelled.
    pub cancelled: bool,
    /// Its new start and end.
    pub start_date: DateTime<Utc>,
    /// Its new end.
    pub end_date: Option<DateTime<Utc>>,
    /// Its own title.
    pub title: Option<Title>,
    /// Its own location.
    pub location: Option<ShortText>,
}

/// A repeating (or one-off) event with the changes to its occurrences, as the calendar's
/// window reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventWithExceptions {
    /// The event.
    pub event: CalendarEvent,
    /// The changed or cancelled occurrences, by original start.
    pub exceptions: Vec<EventException>,
}

/// One occurrence of an event in the calendar: the event's fields (with an override's title,
/// location and times where it has one), its id again as `eventId`, and the occurrence's own
/// start and end.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventOccurrence {
    /// The event.
    #[serde(flatten)]
    pub event: CalendarEvent,
    /// The event's id.
    pub event_id: CalendarEventId,
    /// When this occurrence starts.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub occurrence_start: DateTime<Utc>,
    /// When it ends, if the event has an end.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub occurrence_end: Option<DateTime<Utc>>,
    /// The start it has in the series (its `RECURRENCE-ID`): `occurrenceStart` unless it was
    /// moved; the key to change or cancel it.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub original_start: DateTime<Utc>,
}

/// The coming days of the student's calendar, each occurrence with what to study for it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agenda {
    /// From when (now).
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub from: DateTime<Utc>,
    /// Until when.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub to: DateTime<Utc>,
    /// The occurrences in that span, earliest first.
    pub items: Vec<AgendaItem>,
}

/// One occurrence of the agenda and what to study for it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgendaItem {
    /// The occurrence.
    pub occurrence: EventOccurrence,
    /// What to study for it: its course's material; `null` for an event of no course.
    pub study: Option<StudyFor>,
}

/// What to study for an event: its course's cards due by then and quizzes not yet attempted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StudyFor {
    /// The course.
    pub course_id: CourseId,
    /// How many of the course's flashcards (reviewed before) come due by the day the
    /// occurrence starts (overdue ones included).
    pub due_flashcards: u64,
    /// The course's quizzes the student has not attempted, newest first (at most five).
    pub quizzes: Vec<QuizToTake>,
}

/// A quiz to take.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizToTake {
    /// The quiz.
    pub id: crate::id::QuizId,
    /// Its title.
    pub title: String,
}

/// A calendar a student imported from a URL, fetched again on a schedule: its events are
/// kept as the source has them (changed, added, and removed when the source drops them).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarSubscription {
    /// The subscription's id.
    pub id: CalendarSubscriptionId,
    /// Its owner.
    pub user_id: UserId,
    /// The iCalendar URL fetched.
    pub url: String,
    /// The course its events belong to.
    pub course_id: Option<CourseId>,
    /// The IANA zone of the times its source gives without one.
    pub time_zone: String,
    /// How many events the last successful fetch held.
    pub event_count: u32,
    /// When it was last fetched, successfully or not.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub refreshed_at: Option<DateTime<Utc>>,
    /// Why the last fetch failed; `None` after a successful one.
    pub last_error: Option<String>,
    /// When it was made.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// An event read from an iCalendar object, to be created or updated by its `UID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedCalendarEvent {
    /// Its iCalendar `UID`.
    pub uid: ShortText,
    /// The event as it is to be (its course and document are the import's).
    pub event: NewCalendarEvent,
    /// Its changed or cancelled occurrences, all of them: earlier ones not among them are
    /// undone.
    pub overrides: Vec<NewEventException>,
}

/// A batch of events imported together, all or nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarImport {
    /// The course the events belong to; must be the user's. On an update, `None` keeps the
    /// event's course.
    pub course_id: Option<CourseId>,
    /// The subscription the events come from: its events missing from `events` are removed.
    pub subscription_id: Option<CalendarSubscriptionId>,
    /// The events.
    pub events: Vec<ImportedCalendarEvent>,
}

/// What an import did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarImported {
    /// Events made.
    pub created: u32,
    /// Events changed (a `UID` imported before).
    pub updated: u32,
    /// Events imported before and the same now.
    pub unchanged: u32,
    /// Events of the subscription that its source no longer holds, removed.
    pub removed: u32,
    /// The events made or changed.
    pub events: Vec<CalendarEvent>,
}

impl ImportedCalendarEvent {
    /// Whether `event`, with the changes to its occurrences, is already as this import would
    /// leave it (in the course `course`, when the import names one): then it is left alone,
    /// its `SEQUENCE` and its feed unchanged.
    #[must_use]
    pub fn matches(
        &self,
        event: &CalendarEvent,
        exceptions: &[EventException],
        course: Option<CourseId>,
    ) -> bool {
        let new = &self.event;
        let micros = |at: DateTime<Utc>| at.trunc_subsecs(6);
        let same_event = event.title == new.title.as_str()
            && event.description.as_deref() == new.description.as_ref().map(|d| d.as_str())
            && event.start_date == micros(new.schedule.start())
            && event.end_date == new.schedule.end().map(micros)
            && event.time_zone == new.schedule.zone().name()
            && event.all_day == new.schedule.all_day()
            && event.recurrence == new.schedule.recurrence()
            && event.reminders == new.reminders.minutes()
            && event.event_type == new.event_type
            && event.location.as_deref() == new.location.as_ref().map(|l| l.as_str())
            && event.priority == new.priority
            && course.is_none_or(|course| event.course_id == Some(course));
        let mut theirs: Vec<_> = exceptions
            .iter()
            .map(|e| {
                (
                    e.original_start,
                    e.cancelled,
                    e.start_date,
                    e.end_date,
                    e.title.as_deref(),
                    e.location.as_deref(),
                )
            })
            .collect();
        let mut ours: Vec<_> = self
            .overrides
            .iter()
            .map(|o| {
                (
                    micros(o.original_start),
                    o.cancelled,
                    micros(o.start_date),
                    o.end_date.map(micros),
                    o.title.as_ref().map(|t| t.as_str()),
                    o.location.as_ref().map(|l| l.as_str()),
                )
            })
            .collect();
        theirs.sort_unstable();
        ours.sort_unstable();
        same_event && theirs == ours
    }
}
