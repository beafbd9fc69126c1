//! Reminders of calendar events: each event's reminders (minutes before each occurrence) sent
//! as `EVENT_REMINDER` notifications by a background job scheduled at the next one due.
//!
//! An event has at most one reminder job pending per instant ([`RemindEvent`], keyed by event
//! and instant). The job reads the event as it is when it runs: a reminder of an event moved
//! since is not due and the job schedules the one that is; a deleted event's job finds nothing
//! and ends. Each reminder is sent once (its notification keyed by event, occurrence and
//! minutes), however often a job runs or is retried, across worker restarts.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::calendar::exception_of;
use crate::entities::{CalendarEvent, CalendarFilter, EventWithExceptions, NewNotification};
use crate::enums::{NotificationType, Priority};
use crate::error::{DomainError, DomainResult};
use crate::id::{CalendarEventId, UserId};
use crate::jobs::{Job as _, RemindEvent};
use crate::ports::{CalendarRepository, Clock, JobQueue, NotificationRepository};
use crate::rules::recurrence::{self, Exception};
use crate::values::{FieldContext as _, Link, MessageText, Title};

/// How far ahead the next reminder is looked for; an event with none in that span is looked
/// at again then.
const LOOK_AHEAD_DAYS: i64 = 35;

/// How late a reminder may still be sent: one whose occurrence began longer ago than this (the
/// worker was down) is left out.
const LATE_BY_MINUTES: i64 = 10;

/// The most occurrences one look expands (an hourly rule holds 1,512 in the 63 days a look
/// spans at most; an event has at most 20 lines).
const MAX_OCCURRENCES: usize = 20_000;

/// The reminders an event gets when it is made without any, by its priority, in minutes
/// before: a day and an hour for an urgent one, a day for a high one, an hour for a medium
/// one, none for a low one or one without a priority.
#[must_use]
pub const fn default_reminders(priority: Option<Priority>) -> &'static [u32] {
    match priority {
        Some(Priority::Urgent) => &[24 * 60, 60],
        Some(Priority::High) => &[24 * 60],
        Some(Priority::Medium) => &[60],
        Some(Priority::Low) | None => &[],
    }
}

/// The ports [`ReminderService`] works through.
#[derive(Clone)]
pub struct ReminderPorts {
    /// Events.
    pub calendar: Arc<dyn CalendarRepository>,
    /// Where reminders arrive.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Where reminder jobs wait for their time.
    pub queue: Arc<dyn JobQueue>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// Schedules and sends the reminders of calendar events.
#[derive(Clone)]
pub struct ReminderService {
    ports: ReminderPorts,
}

impl std::fmt::Debug for ReminderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderService").finish_non_exhaustive()
    }
}

/// One reminder: the occurrence it is for and how many minutes before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reminder {
    occurrence: DateTime<Utc>,
    minutes: u32,
}

impl Reminder {
    fn at(&self) -> DateTime<Utc> {
        self.occurrence - Duration::minutes(i64::from(self.minutes))
    }
}

impl ReminderService {
    /// A service over `ports`.
    #[must_use]
    pub const fn new(ports: ReminderPorts) -> Self {
        Self { ports }
    }

    /// Schedules the next reminder of the user's event, if it has one to come (a job at that
    /// instant; one already pending for it is kept). A reminder whose time has passed for an
    /// occurrence still to begin (an event made for the next half hour, with a reminder an
    /// hour before) is due at once. Returns when.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's; what the queue answers.
    pub async fn schedule(
        &self,
        user: UserId,
        id: CalendarEventId,
    ) -> DomainResult<Option<DateTime<Utc>>> {
        let now = self.ports.clock.now();
        let Some(item) = self.event(user, id, now).await? else {
            return Err(DomainError::not_found("calendar event"));
        };
        self.schedule_next(&item, now, true).await
    }

    /// Schedules the next reminder of an event just made, as [`Self::schedule`] does, without
    /// reading it again: a new event has no changed occurrences.
    ///
    /// # Errors
    ///
    /// What the queue answers.
    pub async fn schedule_new(&self, event: &CalendarEvent) -> DomainResult<Option<DateTime<Utc>>> {
        let item = EventWithExceptions {
            event: event.clone(),
            exceptions: Vec::new(),
        };
        self.schedule_next(&item, self.ports.clock.now(), true)
            .await
    }

    /// Sends the reminders of the user's event that are due (each once), and schedules the
    /// next. Returns how many were sent now. A deleted event has none.
    ///
    /// # Errors
    ///
    /// What the repositories and the queue answer.
    pub async fn remind(&self, job: RemindEvent) -> DomainResult<u32> {
        let now = self.ports.clock.now();
        let Some(item) = self.event(job.user_id, job.event_id, now).await? else {
            return Ok(0);
        };
        // Of the reminders due for an occurrence, the latest one only: an earlier one was sent
        // at its time (and may since have been read and deleted), or is superseded by it.
        let mut latest: HashMap<DateTime<Utc>, Reminder> = HashMap::new();
        for reminder in reminders(&item, now - Duration::minutes(LATE_BY_MINUTES), now)? {
            if reminder.at() > now {
                continue;
            }
            latest
                .entry(reminder.occurrence)
                .and_modify(|kept| {
                    if reminder.minutes < kept.minutes {
                        *kept = reminder;
                    }
                })
                .or_insert(reminder);
        }
        let mut sent = 0;
        for reminder in latest.into_values() {
            self.send(&item.event, reminder).await?;
            sent += 1;
        }
        self.schedule_next(&item, now, false).await?;
        Ok(sent)
    }

    /// The event with its changed occurrences, if it is still the user's.
    async fn event(
        &self,
        user: UserId,
        id: CalendarEventId,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<EventWithExceptions>> {
        let event = match self.ports.calendar.get(user, id).await {
            Ok(event) => event,
            Err(DomainError::NotFound { .. }) => return Ok(None),
            Err(other) => return Err(other),
        };
        if event.recurrence.is_empty() {
            return Ok(Some(EventWithExceptions {
                event,
                exceptions: Vec::new(),
            }));
        }
        // The window of a repeating event holds it with its changes.
        let filter = CalendarFilter {
            from: Some(now),
            to: Some(now + Duration::days(LOOK_AHEAD_DAYS)),
            course_id: event.course_id,
            event_type: Some(event.event_type),
        };
        let window = self.ports.calendar.window(user, filter).await?;
        // One that starts after the window has no occurrence, nor change, in it.
        Ok(Some(
            window
                .into_iter()
                .find(|item| item.event.id == id)
                .unwrap_or(EventWithExceptions {
                    event,
                    exceptions: Vec::new(),
                }),
        ))
    }

    /// Enqueues the job of the next reminder after `now` (or, with `overdue`, of one already
    /// due for an occurrence still to begin).
    async fn schedule_next(
        &self,
        item: &EventWithExceptions,
        now: DateTime<Utc>,
        overdue: bool,
    ) -> DomainResult<Option<DateTime<Utc>>> {
        let coming = reminders(item, now, now + Duration::days(LOOK_AHEAD_DAYS))?;
        let next = coming
            .iter()
            .filter(|r| r.occurrence > now)
            .map(|r| if overdue { r.at().max(now) } else { r.at() })
            .filter(|at| *at > now || (overdue && *at == now))
            .min();
        let at = match next {
            Some(at) => at,
            // An event that occurs after the span is looked at again when the span ends.
            None if occurs_after(item, now + Duration::days(LOOK_AHEAD_DAYS)) => {
                now + Duration::days(LOOK_AHEAD_DAYS)
            }
            None => return Ok(None),
        };
        let job = RemindEvent {
            user_id: item.event.user_id,
            event_id: item.event.id,
            at,
        };
        let mut new = job.to_new_job()?;
        new.run_at = Some(at);
        self.ports.queue.enqueue(new).await?;
        Ok(Some(at))
    }

    async fn send(&self, event: &CalendarEvent, reminder: Reminder) -> DomainResult<()> {
        let zone: chrono_tz::Tz = event.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let local = reminder.occurrence.with_timezone(&zone);
        let when = if event.all_day {
            local.format("%A, %B %-d").to_string()
        } else {
            local.format("%A, %B %-d at %H:%M (%Z)").to_string()
        };
        let title: String = event.title.chars().take(200).collect();
        let mut message = format!("{} starts {when}", event.title);
        if let Some(location) = &event.location {
            message.push_str(&format!(", {location}"));
        }
        message.push('.');
        let message: String = message.chars().take(2000).collect();
        let new = NewNotification {
            notification_type: NotificationType::EventReminder,
            title: Title::parse(title).field("title")?,
            message: MessageText::parse(message).field("message")?,
            link: Some(Link::parse(format!("/api/v1/calendar-events/{}", event.id)).field("link")?),
        };
        // By the occurrence's start as it is now: a moved occurrence is reminded of again.
        let key = format!(
            "reminder:{}:{}:{}",
            event.id,
            reminder.occurrence.timestamp(),
            reminder.minutes
        );
        self.ports
            .notifications
            .create_once(event.user_id, key, new)
            .await
            .map(|_| ())
    }
}

/// Whether an event with reminders has an occurrence after `from`: a one-off event that
/// starts later, or a repeating one with an occurrence in the four years after (a rule that
/// no longer reads has none).
fn occurs_after(item: &EventWithExceptions, from: DateTime<Utc>) -> bool {
    if item.event.reminders.is_empty() {
        return false;
    }
    if item.event.recurrence.is_empty() {
        return item.event.start_date > from;
    }
    let exceptions: Vec<Exception> = item.exceptions.iter().map(exception_of).collect();
    match recurrence::occurrences(
        &item.event.series(),
        &exceptions,
        from,
        from + Duration::days(4 * 366),
        1,
    ) {
        Ok(found) => !found.is_empty(),
        Err(recurrence::RecurrenceError::TooMany(_)) => true,
        Err(_) => false,
    }
}

/// The reminders due up to `until` or later of the occurrences of `item` that start at
/// `from` or later: those of occurrences starting from `from` to `until` plus its longest
/// reminder, both included.
fn reminders(
    item: &EventWithExceptions,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> DomainResult<Vec<Reminder>> {
    let event = &item.event;
    if event.reminders.is_empty() {
        return Ok(Vec::new());
    }
    let longest = event.reminders.iter().copied().max().unwrap_or(0);
    let exceptions: Vec<Exception> = item.exceptions.iter().map(exception_of).collect();
    let last = until + Duration::minutes(i64::from(longest));
    let occurrences = match recurrence::occurrences(
        &event.series(),
        &exceptions,
        from,
        last + Duration::seconds(1),
        MAX_OCCURRENCES,
    ) {
        Ok(occurrences) => occurrences,
        // A rule that no longer reads, or walks too far, reminds of nothing.
        Err(_) => return Ok(Vec::new()),
    };
    Ok(occurrences
        .into_iter()
        .filter(|o| o.start >= from && o.start <= last)
        .flat_map(|o| {
            event.reminders.iter().map(move |minutes| Reminder {
                occurrence: o.start,
                minutes: *minutes,
            })
        })
        .collect())
}
