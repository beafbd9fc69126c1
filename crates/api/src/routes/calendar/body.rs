//! The request bodies and the query string of `/api/v1/calendar-events`, with their
//! conversions into domain commands and filters.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sophie_domain::services::calendar::OccurrenceChange;
use sophie_domain::services::reminders::default_reminders;
use sophie_domain::values::{
    Color, Description, EventSchedule, Reminders, ShortText, TimeZone, Title,
};
use sophie_domain::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, CourseId, DocumentId, EventType,
    InvalidValue, NewCalendarEvent, Priority,
};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::{Fields, enum_param, id_param};

/// A new calendar event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateCalendarEvent {
    /// Its title, 1 to 200 characters.
    #[schema(value_type = Title, inline)]
    title: String,
    /// A description.
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    /// When it starts (RFC 3339).
    start_date: DateTime<Utc>,
    /// When it ends (RFC 3339); not before it starts. For an all-day event, the midnight
    /// after its last day (exclusive, as in iCalendar).
    end_date: Option<DateTime<Utc>>,
    /// The IANA time zone of its wall times (`Europe/Berlin`); `UTC` by default. A repeating
    /// event keeps its local time across daylight-saving changes.
    #[schema(example = "Europe/Berlin")]
    time_zone: Option<String>,
    /// Whether it takes whole days: its start and end at midnight in its time zone.
    all_day: Option<bool>,
    /// How it repeats: RFC 5545 lines as Google Calendar's API has them, at most 20
    /// (`RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270716T000000Z`,
    /// `EXDATE;TZID=Europe/Berlin:20270503T100000`, `RDATE…`). A rule without an end is
    /// fine: the calendar is always read in a bounded range.
    #[schema(example = json!(["RRULE:FREQ=WEEKLY;BYDAY=MO"]))]
    recurrence: Option<Vec<String>>,
    /// Reminders, in minutes before each occurrence: at most 5, each at most 40320 (four
    /// weeks); each arrives as an `EVENT_REMINDER` notification. Left out, the student's
    /// `defaultReminders` if they set them, else the priority's: 1440 and 60 for `URGENT`, 1440
    /// for `HIGH`, 60 for `MEDIUM`, none otherwise; `[]` for none.
    reminders: Option<Vec<u32>>,
    /// What kind of event it is.
    event_type: EventType,
    /// Where it happens.
    #[schema(value_type = Option<ShortText>, inline)]
    location: Option<String>,
    /// How urgent it is.
    priority: Option<Priority>,
    /// A palette name or hex colour; `blue` by default.
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    /// The course it belongs to.
    course_id: Option<CourseId>,
    /// The document it was found in (a syllabus).
    document_id: Option<DocumentId>,
}

impl CreateCalendarEvent {
    /// Whether the event takes default reminders (none were given).
    pub(super) const fn takes_default_reminders(&self) -> bool {
        self.reminders.is_none()
    }

    /// The event, with `defaults` (the student's own, if they set any) as its reminders when
    /// none are given, else its priority's.
    pub(super) fn into_domain(self, defaults: Option<&[u32]>) -> ApiResult<NewCalendarEvent> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let description = fields.check_opt("description", self.description, Description::parse);
        fields.check_instant("startDate", Some(&self.start_date));
        fields.check_instant("endDate", self.end_date.as_ref());
        let schedule = timing(
            &mut fields,
            Timing {
                start: self.start_date,
                end: self.end_date,
                time_zone: self.time_zone,
                all_day: self.all_day.unwrap_or(false),
                recurrence: self.recurrence.unwrap_or_default(),
            },
        );
        // Left out, they are the student's defaults, or the priority's.
        let priority = self.priority;
        let reminders = fields
            .check_opt("reminders", self.reminders, Reminders::parse)
            .map(|given| {
                given.unwrap_or_else(|| {
                    let minutes = defaults.unwrap_or_else(|| default_reminders(priority));
                    Reminders::parse(minutes.iter().copied()).unwrap_or_default()
                })
            });
        let location = fields.check_opt("location", self.location, ShortText::parse);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        Ok(
            all_valid!(fields, (title, description, schedule, reminders, location, color) => NewCalendarEvent {
                title,
                description,
                schedule,
                reminders,
                event_type: self.event_type,
                location,
                priority: self.priority,
                color,
                google_event_id: None,
                google_calendar_id: None,
                course_id: self.course_id,
                document_id: self.document_id,
            }),
        )
    }
}

/// Changes to a calendar event: fields left out stay; `null` clears a nullable one. The start
/// and end are checked together, against the event's current ones when only one changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateCalendarEvent {
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Description>, inline)]
    description: Option<Option<String>>,
    /// A new start (RFC 3339).
    start_date: Option<DateTime<Utc>>,
    /// A new end (RFC 3339); `null` leaves the event without an end.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    end_date: Option<Option<DateTime<Utc>>>,
    /// A new IANA time zone.
    time_zone: Option<String>,
    /// Whether it takes whole days.
    all_day: Option<bool>,
    /// New recurrence lines; `[]` for an event that happens once.
    recurrence: Option<Vec<String>>,
    /// New reminders, in minutes before; `[]` for none.
    reminders: Option<Vec<u32>>,
    event_type: Option<EventType>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<ShortText>, inline)]
    location: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Priority>)]
    priority: Option<Option<Priority>>,
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    /// The course it belongs to; `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
    /// The document it was found in; `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DocumentId>)]
    document_id: Option<Option<DocumentId>>,
}

impl UpdateCalendarEvent {
    /// Whether the start, end, zone, all-day flag or recurrence changes, so the event must be
    /// read to check them together.
    pub(super) const fn changes_schedule(&self) -> bool {
        self.start_date.is_some()
            || self.end_date.is_some()
            || self.time_zone.is_some()
            || self.all_day.is_some()
            || self.recurrence.is_some()
    }

    /// The update; `current` is the event as stored, given when [`Self::changes_schedule`]:
    /// the new schedule is its start and end with this body's changes applied.
    pub(super) fn into_domain(
        self,
        current: Option<&CalendarEvent>,
    ) -> ApiResult<CalendarEventUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        fields.check_instant("startDate", self.start_date.as_ref());
        fields.check_instant("endDate", self.end_date.flatten().as_ref());
        let schedule = match current {
            None => Some(None),
            Some(event) => timing(
                &mut fields,
                Timing {
                    start: self.start_date.unwrap_or(event.start_date),
                    end: self.end_date.unwrap_or(event.end_date),
                    time_zone: Some(self.time_zone.unwrap_or_else(|| event.time_zone.clone())),
                    all_day: self.all_day.unwrap_or(event.all_day),
                    recurrence: self.recurrence.unwrap_or_else(|| event.recurrence.clone()),
                },
            )
            .map(Some),
        };
        let reminders = fields.check_opt("reminders", self.reminders, Reminders::parse);
        let location = fields.check_patch("location", self.location, ShortText::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        Ok(
            all_valid!(fields, (title, description, schedule, reminders, location, color) => CalendarEventUpdate {
                title,
                description,
                schedule,
                reminders,
                event_type: self.event_type,
                location,
                priority: self.priority,
                color,
                course_id: self.course_id,
                document_id: self.document_id,
                ..CalendarEventUpdate::default()
            }),
        )
    }
}

/// An event's timing as a request gives it, to check as a whole.
struct Timing {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    time_zone: Option<String>,
    all_day: bool,
    recurrence: Vec<String>,
}

/// The timing checked as one [`EventSchedule`]; problems are pushed on the field at fault.
fn timing(fields: &mut Fields, timing: Timing) -> Option<EventSchedule> {
    let zone = fields
        .check_opt("timeZone", timing.time_zone, |name| TimeZone::parse(&name))
        .map(|zone| zone.unwrap_or(TimeZone::UTC));
    let schedule = fields.check("endDate", EventSchedule::new(timing.start, timing.end));
    let (zone, schedule) = (zone?, schedule?);
    match schedule.repeating(zone, timing.all_day, timing.recurrence) {
        Ok(schedule) => Some(schedule),
        Err((field, invalid)) => {
            fields.push(field, invalid.0);
            None
        }
    }
}

/// A change to one occurrence of a repeating event: fields left out keep the series' values.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ChangeOccurrence {
    /// Its new start (RFC 3339); the original one by default.
    start_date: Option<DateTime<Utc>>,
    /// Its new end (RFC 3339); the new start plus the event's length by default.
    end_date: Option<DateTime<Utc>>,
    /// Its own title, 1 to 200 characters.
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    /// Its own location.
    #[schema(value_type = Option<ShortText>, inline)]
    location: Option<String>,
}

impl ChangeOccurrence {
    pub(super) fn into_domain(self) -> ApiResult<OccurrenceChange> {
        let mut fields = Fields::new();
        fields.check_instant("startDate", self.start_date.as_ref());
        fields.check_instant("endDate", self.end_date.as_ref());
        let title = fields.check_opt("title", self.title, Title::parse);
        let location = fields.check_opt("location", self.location, ShortText::parse);
        Ok(all_valid!(fields, (title, location) => OccurrenceChange {
            start_date: self.start_date,
            end_date: self.end_date,
            title,
            location,
        }))
    }
}

/// Reads an occurrence's original start from the path.
pub(super) fn original_start(value: &str) -> ApiResult<DateTime<Utc>> {
    let mut fields = Fields::new();
    let at = fields.check("originalStart", instant_param(value));
    fields.finish()?;
    at.ok_or_else(|| crate::error::ApiError::BadRequest("invalid request".to_owned()))
}

/// Narrows the list of events; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct CalendarQuery {
    /// Only events still going on at or after this instant (RFC 3339, such as
    /// `2026-09-01T00:00:00Z`): their end, or their start when they have none, is not before it.
    /// With `to` as well, repeating events are expanded: every occurrence in the range is an
    /// item (the range at most 366 days and 5,000 occurrences).
    #[param(value_type = Option<DateTime<Utc>>)]
    from: Option<String>,
    /// Only events starting before this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    to: Option<String>,
    /// Only events of this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<EventType>)]
    event_type: Option<String>,
}

fn instant_param(value: &str) -> Result<DateTime<Utc>, InvalidValue> {
    sophie_domain::timestamp::parse(value)
}

impl CalendarQuery {
    pub(super) fn into_domain(self) -> ApiResult<CalendarFilter> {
        let mut fields = Fields::new();
        let from = fields.check_opt("from", self.from, |from| instant_param(&from));
        let to = fields.check_opt("to", self.to, |to| instant_param(&to));
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && to < from
        {
            fields.push("to", "must not be before from");
        }
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let event_type = fields.check_opt("eventType", self.event_type, enum_param);
        Ok(
            all_valid!(fields, (from, to, course_id, event_type) => CalendarFilter {
                from,
                to,
                course_id,
                event_type,
            }),
        )
    }
}
