use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::{EventType, Priority};
use crate::id::{CalendarEventId, CourseId, DocumentId, UserId};
use crate::values::{Color, Description, EventSchedule, ShortText, Title};

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
    /// When it ends; never before it starts.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub end_date: Option<DateTime<Utc>>,
    /// What kind of event it is.
    pub event_type: EventType,
    /// Where it happens.
    pub location: Option<String>,
    /// How urgent it is.
    pub priority: Option<Priority>,
    /// A display colour.
    pub color: String,
    /// Its id in Google Calendar, once synchronised.
    pub google_event_id: Option<String>,
    /// The Google calendar it is synchronised with.
    pub google_calendar_id: Option<String>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`CalendarEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCalendarEvent {
    /// Its title.
    pub title: Title,
    /// A description.
    pub description: Option<Description>,
    /// When it starts and ends.
    pub schedule: EventSchedule,
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
    /// New start and end.
    pub schedule: Option<EventSchedule>,
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
    /// they have no end, is not before it).
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
        self.from.is_none_or(|from| ends >= from)
            && self.to.is_none_or(|to| event.start_date < to)
            && self.course_id.is_none_or(|id| event.course_id == Some(id))
            && self.event_type.is_none_or(|kind| event.event_type == kind)
    }
}
