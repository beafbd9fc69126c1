//! The calendar as a student sees it: events expanded into their occurrences inside a window
//! (repeating ones by [`crate::rules::recurrence`], at the same local time across
//! daylight-saving changes), and single occurrences changed or cancelled.

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};

use super::calendar_sync::SyncTrigger;
use super::reminders::ReminderService;
use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, EventException, EventOccurrence,
    NewCalendarEvent, NewEventException,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{CalendarEventId, CourseId, UserId};
use crate::pagination::{Page, PageRequest, SortOrder};
use crate::ports::{CalendarRepository, CourseRepository};
use crate::rules::icalendar;
use crate::rules::recurrence::{self, Exception, RecurrenceError};
use crate::values::{ShortText, Title};

/// How much of the calendar one request may expand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarLimits {
    /// The longest window, in days.
    pub max_range_days: u32,
    /// The most occurrences a window may hold.
    pub max_occurrences: usize,
}

impl Default for CalendarLimits {
    /// A year and a day (366 days) and 5,000 occurrences.
    fn default() -> Self {
        Self {
            max_range_days: 366,
            max_occurrences: 5_000,
        }
    }
}

/// A change to one occurrence of a repeating event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OccurrenceChange {
    /// Its new start; the original one if `None`.
    pub start_date: Option<DateTime<Utc>>,
    /// Its new end; the new start plus the event's length if `None`.
    pub end_date: Option<DateTime<Utc>>,
    /// Its own title; the event's if `None`.
    pub title: Option<Title>,
    /// Its own location; the event's if `None`.
    pub location: Option<ShortText>,
}

/// A calendar feed as served: its iCalendar text and what a conditional request compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarFeed {
    /// The iCalendar object (`text/calendar`).
    pub body: String,
    /// A strong entity tag of `body`, quoted.
    pub etag: String,
    /// When the feed last changed: when it was first served as it is now, to the second.
    pub last_modified: DateTime<Utc>,
}

/// The SHA-256 of a feed token, in lower-case hex: what is stored of it.
#[must_use]
pub fn hash_feed_token(token: &str) -> String {
    super::sha256_hex(token.as_bytes())
}

/// Reads the calendar as occurrences and as an iCalendar feed, and changes single
/// occurrences.
#[derive(Clone)]
pub struct CalendarService {
    calendar: Arc<dyn CalendarRepository>,
    courses: Arc<dyn CourseRepository>,
    limits: CalendarLimits,
    reminders: Option<Arc<ReminderService>>,
    sync: Option<SyncTrigger>,
}

impl std::fmt::Debug for CalendarService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarService")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl CalendarService {
    /// A service over `calendar` (and `courses`, which name course feeds), expanding windows
    /// within `limits`.
    #[must_use]
    pub fn new(
        calendar: Arc<dyn CalendarRepository>,
        courses: Arc<dyn CourseRepository>,
        limits: CalendarLimits,
    ) -> Self {
        Self {
            calendar,
            courses,
            limits,
            reminders: None,
            sync: None,
        }
    }

    /// The same service, sending a run of the student's Google calendar sync after each
    /// change of an event.
    #[must_use]
    pub fn with_sync(mut self, trigger: SyncTrigger) -> Self {
        self.sync = Some(trigger);
        self
    }

    async fn changed(&self, user: UserId) {
        if let Some(sync) = &self.sync {
            sync.changed(user).await;
        }
    }

    /// The same service, scheduling each event's reminders whenever it is made or changed.
    #[must_use]
    pub fn with_reminders(mut self, reminders: Arc<ReminderService>) -> Self {
        self.reminders = Some(reminders);
        self
    }

    /// Makes an event for the user, and schedules its reminders.
    ///
    /// # Errors
    ///
    /// `NotFound` when the course or document is not the user's; what the queue answers.
    pub async fn create(&self, user: UserId, new: NewCalendarEvent) -> DomainResult<CalendarEvent> {
        let event = self.calendar.create(user, new).await?;
        if let Some(reminders) = &self.reminders {
            reminders.schedule_new(&event).await?;
        }
        self.changed(user).await;
        Ok(event)
    }

    /// Deletes the user's event (a synced one is deleted from Google by the next run).
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    pub async fn delete(&self, user: UserId, id: CalendarEventId) -> DomainResult<()> {
        self.calendar.delete(user, id).await?;
        self.changed(user).await;
        Ok(())
    }

    /// Changes the user's event, and schedules its reminders anew.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event, or a new course or document, is not the user's; what the
    /// queue answers.
    pub async fn update(
        &self,
        user: UserId,
        id: CalendarEventId,
        update: CalendarEventUpdate,
    ) -> DomainResult<CalendarEvent> {
        let event = self.calendar.update(user, id, update).await?;
        self.reschedule(user, id).await?;
        self.changed(user).await;
        Ok(event)
    }

    /// Schedules the next reminder of the event (a job pending for an instant that is no
    /// longer due finds nothing to send when it runs).
    async fn reschedule(&self, user: UserId, id: CalendarEventId) -> DomainResult<()> {
        if let Some(reminders) = &self.reminders {
            reminders.schedule(user, id).await?;
        }
        Ok(())
    }

    /// A new private token for the user's calendar feed; the previous one stops working.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user does not exist; `Internal` without randomness.
    pub async fn rotate_feed_token(&self, user: UserId) -> DomainResult<String> {
        let token = super::random_token()?;
        self.calendar
            .replace_feed_token(user, hash_feed_token(&token))
            .await?;
        Ok(token)
    }

    /// The calendar feed that `token` opens: every event of its owner (or of one of their
    /// courses), as iCalendar.
    ///
    /// # Errors
    ///
    /// `NotFound` when the token opens no feed, or the course is not the owner's.
    pub async fn feed(&self, token: &str, course: Option<CourseId>) -> DomainResult<CalendarFeed> {
        let user = self
            .calendar
            .feed_owner(hash_feed_token(token))
            .await?
            .ok_or_else(|| DomainError::not_found("calendar feed"))?;
        let name = match course {
            Some(course) => self.courses.get(user, course).await?.name,
            None => "sophie".to_owned(),
        };
        let filter = CalendarFilter {
            course_id: course,
            ..CalendarFilter::default()
        };
        let events = self.calendar.window(user, filter).await?;
        let body = icalendar::write(&icalendar::Feed {
            name: &name,
            events: &events,
        })?;
        let etag = format!("\"{}\"", &super::sha256_hex(body.as_bytes())[..32]);
        let last_modified = self
            .calendar
            .feed_version(user, course, etag.clone())
            .await?
            .trunc_subsecs(0);
        Ok(CalendarFeed {
            body,
            etag,
            last_modified,
        })
    }

    /// The user's calendar, by start, earliest first. With both `filter.from` and `filter.to`,
    /// every occurrence that overlaps the window (an event's end, or its start when it has
    /// none, not before `from`, and its start before `to`), changes applied; otherwise the
    /// events themselves, each as its first occurrence. The cursor is over the occurrence's
    /// start and the event's id.
    ///
    /// # Errors
    ///
    /// `Validation` on `to` when the window is longer than the limit or holds more
    /// occurrences than the limit (each named), or on `cursor`.
    pub async fn occurrences(
        &self,
        user: UserId,
        filter: CalendarFilter,
        page: PageRequest,
    ) -> DomainResult<Page<EventOccurrence>> {
        let (Some(from), Some(to)) = (filter.from, filter.to) else {
            let events = self.calendar.list(user, filter, page).await?;
            return Ok(Page {
                items: events.items.into_iter().map(first_occurrence).collect(),
                next_cursor: events.next_cursor,
            });
        };
        let found = self.between(user, filter, from, to).await?;
        let key = |o: &EventOccurrence| (o.occurrence_start, o.event_id.as_uuid());
        let found: Vec<EventOccurrence> = found
            .into_iter()
            .filter(|o| {
                page.cursor
                    .as_ref()
                    .is_none_or(|cursor| SortOrder::OldestFirst.is_after(key(o), cursor))
            })
            .take(usize::try_from(page.fetch_limit()).unwrap_or(usize::MAX))
            .collect();
        Ok(Page::from_overfetch(found, page, key))
    }

    /// Every occurrence of the user's calendar that overlaps `[from, to)` (as
    /// [`Self::occurrences`] has them), by start, earliest first, in one expansion.
    ///
    /// # Errors
    ///
    /// `Validation` on `to` when the window is longer than the limit or holds more
    /// occurrences than the limit (each named).
    pub async fn between(
        &self,
        user: UserId,
        filter: CalendarFilter,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DomainResult<Vec<EventOccurrence>> {
        let filter = CalendarFilter {
            from: Some(from),
            to: Some(to),
            ..filter
        };
        let days = i64::from(self.limits.max_range_days);
        if to - from > Duration::days(days) {
            return Err(DomainError::validation(
                "to",
                format!("the range from `from` to `to` is at most {days} days"),
            ));
        }
        let limit = self.limits.max_occurrences;
        let too_many = || {
            DomainError::validation(
                "to",
                format!("the range holds more than {limit} occurrences; ask for a shorter range"),
            )
        };
        let mut found = Vec::new();
        for item in self.calendar.window(user, filter).await? {
            let exceptions: Vec<Exception> = item.exceptions.iter().map(exception_of).collect();
            let occurrences =
                match recurrence::occurrences(&item.event.series(), &exceptions, from, to, limit) {
                    Ok(occurrences) => occurrences,
                    Err(RecurrenceError::TooMany(_)) => return Err(too_many()),
                    Err(RecurrenceError::TooFar) => {
                        return Err(DomainError::validation(
                            "from",
                            format!("“{}”: {}", item.event.title, RecurrenceError::TooFar),
                        ));
                    }
                    // Lines stored before a rule was tightened: shown as the event's first
                    // occurrence rather than hiding the event or failing the calendar.
                    Err(RecurrenceError::Invalid(_)) => {
                        let first = first_occurrence(item.event.clone());
                        let ends = first.occurrence_end.unwrap_or(first.occurrence_start);
                        if ends >= from && first.occurrence_start < to {
                            found.push(first);
                        }
                        continue;
                    }
                };
            for occurrence in occurrences {
                let changed = item
                    .exceptions
                    .iter()
                    .find(|e| e.original_start == occurrence.original_start);
                let mut event = item.event.clone();
                if let Some(changed) = changed {
                    if let Some(title) = &changed.title {
                        event.title.clone_from(title);
                    }
                    if let Some(location) = &changed.location {
                        event.location = Some(location.clone());
                    }
                }
                found.push(EventOccurrence {
                    event_id: event.id,
                    occurrence_start: occurrence.start,
                    occurrence_end: occurrence.end,
                    original_start: occurrence.original_start,
                    event,
                });
            }
            if found.len() > limit {
                return Err(too_many());
            }
        }
        found.sort_by_key(|o| (o.occurrence_start, o.event_id.as_uuid()));
        Ok(found)
    }

    /// Changes one occurrence of the user's repeating event (replacing an earlier change of
    /// it): its start, end, title or location.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's, or `original_start` is not one of its
    /// occurrences; `Validation` on `endDate` when the end is before the start.
    pub async fn change_occurrence(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
        change: OccurrenceChange,
    ) -> DomainResult<EventException> {
        let event = self.occurrence_of(user, id, original_start).await?;
        let start = change.start_date.unwrap_or(original_start);
        let end = match change.end_date {
            Some(end) => Some(end),
            None => event.end_date.map(|end| start + (end - event.start_date)),
        };
        if end.is_some_and(|end| end < start) {
            return Err(DomainError::validation(
                "endDate",
                "must not be before the occurrence's start",
            ));
        }
        let new = NewEventException {
            original_start,
            cancelled: false,
            start_date: start,
            end_date: end,
            title: change.title,
            location: change.location,
        };
        let changed = self.calendar.put_exception(user, id, new).await?;
        self.reschedule(user, id).await?;
        Ok(changed)
    }

    /// Cancels one occurrence of the user's repeating event: it no longer appears.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's, or `original_start` is not one of its
    /// occurrences.
    pub async fn cancel_occurrence(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
    ) -> DomainResult<EventException> {
        let event = self.occurrence_of(user, id, original_start).await?;
        let new = NewEventException {
            original_start,
            cancelled: true,
            start_date: original_start,
            end_date: event
                .end_date
                .map(|end| original_start + (end - event.start_date)),
            title: None,
            location: None,
        };
        let cancelled = self.calendar.put_exception(user, id, new).await?;
        self.reschedule(user, id).await?;
        Ok(cancelled)
    }

    /// The user's repeating event, when `original_start` is one of its occurrences.
    async fn occurrence_of(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
    ) -> DomainResult<CalendarEvent> {
        let event = self.calendar.get(user, id).await?;
        if event.recurrence.is_empty() {
            return Err(DomainError::validation(
                "recurrence",
                "the event does not repeat: change the event itself",
            ));
        }
        let is_one = recurrence::is_occurrence(&event.series(), original_start)
            .map_err(|e| DomainError::validation("recurrence", e.to_string()))?;
        if !is_one {
            return Err(DomainError::not_found("occurrence"));
        }
        Ok(event)
    }
}

/// An event as the occurrence it starts with.
fn first_occurrence(event: CalendarEvent) -> EventOccurrence {
    EventOccurrence {
        event_id: event.id,
        occurrence_start: event.start_date,
        occurrence_end: event.end_date,
        original_start: event.start_date,
        event,
    }
}

/// A stored change of an occurrence, as the recurrence rules take it.
pub(crate) fn exception_of(stored: &EventException) -> Exception {
    Exception {
        original_start: stored.original_start,
        moved_to: (!stored.cancelled).then_some((stored.start_date, stored.end_date)),
    }
}
