//! iCalendar imports: a file a student uploads, or a URL they subscribe to, read into their
//! calendar by each event's `UID` (a second import changes what the first made, never
//! duplicates it), all or nothing; subscriptions fetched again on a schedule by the worker.

use std::sync::Arc;

use chrono::Duration;
use chrono_tz::Tz;

use super::reminders::ReminderService;
use crate::entities::{
    CalendarImport, CalendarImported, CalendarSubscription, ImportedCalendarEvent,
    NewCalendarEvent, NewEventException,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{CalendarSubscriptionId, CourseId, UserId};
use crate::jobs::{Job, RefreshCalendar};
use crate::ports::{CalendarRepository, Clock, JobQueue, WebFetcher};
use crate::rules::ical_import::{self, ImportedEvent};
use crate::values::{
    Color, Description, EventSchedule, Reminders, ShortText, TimeZone, Title, WebUrl,
};

/// How much one import may hold, and how often subscriptions are fetched again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CalendarImportLimits {
    /// The most events (series, not occurrences) one file or URL may hold.
    pub max_events: usize,
    /// How long a subscription goes before it is fetched again.
    pub refresh_every: Duration,
    /// The most subscriptions one sweep sends to be fetched.
    pub refresh_batch: u32,
    /// The largest file, in bytes.
    pub max_bytes: u64,
}

impl Default for CalendarImportLimits {
    /// 2,000 events; every 6 hours; 500 a sweep (every 15 minutes); 10 MiB.
    fn default() -> Self {
        Self {
            max_events: 2_000,
            refresh_every: Duration::hours(6),
            refresh_batch: 500,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Where the calendar comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalendarSource {
    /// An uploaded `.ics` file.
    File(Vec<u8>),
    /// A URL, fetched now and then on a schedule.
    Url(WebUrl),
}

/// An import a student asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarImportRequest {
    /// The calendar.
    pub source: CalendarSource,
    /// The course its events go into; must be the student's.
    pub course_id: Option<CourseId>,
    /// The zone of times the calendar gives without one (unless it names its own with
    /// `X-WR-TIMEZONE`); UTC if `None`.
    pub time_zone: Option<TimeZone>,
}

/// What an import did, and the subscription a URL import keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarImportOutcome {
    /// The events made, changed, left and removed.
    pub imported: CalendarImported,
    /// The subscription, for a URL.
    pub subscription: Option<CalendarSubscription>,
}

/// The ports an import needs.
#[derive(Clone)]
pub struct CalendarImportPorts {
    /// The calendar.
    pub calendar: Arc<dyn CalendarRepository>,
    /// The web, through the guard that refuses private addresses.
    pub web: Arc<dyn WebFetcher>,
    /// The queue of background jobs.
    pub queue: Arc<dyn JobQueue>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// Imports iCalendar files and URLs, and fetches subscriptions again.
#[derive(Clone)]
pub struct CalendarImportService {
    ports: CalendarImportPorts,
    limits: CalendarImportLimits,
    reminders: Option<Arc<ReminderService>>,
}

impl CalendarImportService {
    /// The service on `ports` within `limits`.
    #[must_use]
    pub fn new(ports: CalendarImportPorts, limits: CalendarImportLimits) -> Self {
        Self {
            ports,
            limits,
            reminders: None,
        }
    }

    /// The same service, scheduling the reminders of the events it makes or changes.
    #[must_use]
    pub fn with_reminders(mut self, reminders: Arc<ReminderService>) -> Self {
        self.reminders = Some(reminders);
        self
    }

    /// Imports a file or a URL into the student's calendar. A URL is checked against the
    /// guard first, fetched, and kept as a subscription when it reads.
    ///
    /// # Errors
    ///
    /// - `Validation` on `file` or `url`: not iCalendar, too many events, an event that does
    ///   not read (named); nothing is then imported;
    /// - `Validation` on `url` when the guard refuses it, `NotFound` (`web page`) when it is
    ///   not there, `Unavailable` when it cannot be reached;
    /// - `NotFound` when the course is not the student's.
    pub async fn import(
        &self,
        user: UserId,
        request: CalendarImportRequest,
    ) -> DomainResult<CalendarImportOutcome> {
        let zone = request.time_zone.map_or(Tz::UTC, |zone| zone.tz());
        match request.source {
            CalendarSource::File(bytes) => {
                let events = self.read(&bytes, zone, "file")?;
                let imported = self
                    .write(
                        user,
                        CalendarImport {
                            course_id: request.course_id,
                            subscription_id: None,
                            events,
                        },
                    )
                    .await?;
                Ok(CalendarImportOutcome {
                    imported,
                    subscription: None,
                })
            }
            CalendarSource::Url(url) => {
                let url = url.into_inner();
                self.ports
                    .web
                    .check(url.clone())
                    .await
                    .map_err(renamed_to_url)?;
                let fetched = self
                    .ports
                    .web
                    .fetch(url.clone())
                    .await
                    .map_err(renamed_to_url)?;
                let events = self.read(&fetched.bytes, zone, "url")?;
                let count = events.len();
                let known = self.ports.calendar.subscriptions(user).await?;
                let new = !known.iter().any(|s| s.url == url);
                let subscription = self
                    .ports
                    .calendar
                    .subscribe(user, url, request.course_id, zone.name().to_owned())
                    .await?;
                let written = self
                    .write(
                        user,
                        CalendarImport {
                            course_id: request.course_id,
                            subscription_id: Some(subscription.id),
                            events,
                        },
                    )
                    .await;
                let imported = match written {
                    Ok(imported) => imported,
                    Err(error) => {
                        // All or nothing: a subscription made for this import goes with it.
                        // Should that fail too, the import's own error is the one to tell.
                        if new {
                            self.ports
                                .calendar
                                .unsubscribe(user, subscription.id)
                                .await
                                .ok();
                        }
                        return Err(error);
                    }
                };
                let subscription = self
                    .ports
                    .calendar
                    .record_refresh(user, subscription.id, Ok(count_u32(count)))
                    .await?;
                Ok(CalendarImportOutcome {
                    imported,
                    subscription: Some(subscription),
                })
            }
        }
    }

    /// How much an import may hold.
    #[must_use]
    pub const fn limits(&self) -> CalendarImportLimits {
        self.limits
    }

    /// The student's subscriptions, oldest first.
    ///
    /// # Errors
    ///
    /// What the store answers.
    pub async fn subscriptions(&self, user: UserId) -> DomainResult<Vec<CalendarSubscription>> {
        self.ports.calendar.subscriptions(user).await
    }

    /// Removes the student's subscription and its events.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the student's.
    pub async fn unsubscribe(&self, user: UserId, id: CalendarSubscriptionId) -> DomainResult<()> {
        self.ports.calendar.unsubscribe(user, id).await
    }

    /// Fetches the subscription again and brings its events in step with the source: changed
    /// ones changed, new ones made, those the source dropped removed. A source that no longer
    /// reads (or is gone) is recorded on the subscription, its events kept; a source that
    /// cannot be reached now is recorded too, and answered as an error worth retrying.
    ///
    /// # Errors
    ///
    /// `NotFound` when the subscription is gone; `Unavailable` when the source cannot be
    /// reached now.
    pub async fn refresh(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
    ) -> DomainResult<CalendarSubscription> {
        let subscription = self.ports.calendar.subscription(user, id).await?;
        let zone: Tz = subscription.time_zone.parse().unwrap_or(Tz::UTC);
        let events = match self.ports.web.fetch(subscription.url.clone()).await {
            Ok(fetched) => self.read(&fetched.bytes, zone, "url"),
            Err(error @ DomainError::Unavailable { .. }) => {
                // Recorded, so that the sweep goes on to other subscriptions; the job retries.
                self.ports
                    .calendar
                    .record_refresh(
                        user,
                        id,
                        Err("the calendar's server cannot be reached now".to_owned()),
                    )
                    .await?;
                return Err(error);
            }
            Err(DomainError::NotFound { .. }) => Err(DomainError::validation(
                "url",
                "the calendar is no longer at its URL (the server answered not found)",
            )),
            Err(error) => Err(renamed_to_url(error)),
        };
        let outcome = match events {
            Ok(events) => {
                let count = events.len();
                self.write(
                    user,
                    CalendarImport {
                        course_id: subscription.course_id,
                        subscription_id: Some(id),
                        events,
                    },
                )
                .await?;
                Ok(count_u32(count))
            }
            Err(error) => Err(reason(&error)),
        };
        self.ports.calendar.record_refresh(user, id, outcome).await
    }

    /// Sends the subscriptions not fetched for [`CalendarImportLimits::refresh_every`] to be
    /// fetched again, one job each; how many were sent.
    ///
    /// # Errors
    ///
    /// What the store or the queue answers.
    pub async fn refresh_due(&self) -> DomainResult<u32> {
        let before = self.ports.clock.now() - self.limits.refresh_every;
        let due = self
            .ports
            .calendar
            .subscriptions_due(before, self.limits.refresh_batch)
            .await?;
        for subscription in &due {
            let job = RefreshCalendar {
                user_id: subscription.user_id,
                subscription_id: subscription.id,
            };
            self.ports.queue.enqueue(job.to_new_job()?).await?;
        }
        Ok(count_u32(due.len()))
    }

    /// The events of an iCalendar text, checked as sophie stores them.
    fn read(
        &self,
        bytes: &[u8],
        zone: Tz,
        field: &'static str,
    ) -> DomainResult<Vec<ImportedCalendarEvent>> {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            DomainError::validation(field, "the calendar is not UTF-8 text, as iCalendar is")
        })?;
        let events = ical_import::read(text, zone, self.limits.max_events)
            .map_err(|error| DomainError::validation(field, error.0))?;
        events
            .into_iter()
            .map(|event| stored(&event).map_err(|message| DomainError::validation(field, message)))
            .collect()
    }

    /// Writes the batch, then schedules the reminders of what it made or changed.
    async fn write(&self, user: UserId, import: CalendarImport) -> DomainResult<CalendarImported> {
        let imported = self.ports.calendar.import_events(user, import).await?;
        if let Some(reminders) = &self.reminders {
            for event in imported.events.iter().filter(|e| !e.reminders.is_empty()) {
                reminders.schedule(user, event.id).await?;
            }
        }
        Ok(imported)
    }
}

/// An event read from iCalendar as sophie stores it.
fn stored(event: &ImportedEvent) -> Result<ImportedCalendarEvent, String> {
    let named = |what: &str, error: crate::values::InvalidValue| {
        format!(
            "{what} of the event \"{}\" {error}",
            event.uid.chars().take(60).collect::<String>()
        )
    };
    let uid = ShortText::parse(event.uid.clone()).map_err(|e| named("the UID", e))?;
    let title = Title::clipped(
        event
            .title
            .clone()
            .unwrap_or_else(|| "(no title)".to_owned()),
    )
    .map_err(|e| named("the SUMMARY", e))?;
    let description = event
        .description
        .clone()
        .map(Description::clipped)
        .transpose()
        .map_err(|e| named("the DESCRIPTION", e))?;
    let location = event
        .location
        .clone()
        .map(ShortText::clipped)
        .transpose()
        .map_err(|e| named("the LOCATION", e))?;
    let zone = TimeZone::parse(event.zone.name()).map_err(|e| named("the time zone", e))?;
    let schedule = EventSchedule::new(event.start, event.end)
        .map_err(|e| named("DTSTART and DTEND", e))?
        .repeating(zone, event.all_day, event.recurrence.clone())
        .map_err(|(_, e)| named("the recurrence", e))?;
    let reminders =
        Reminders::parse(event.reminders.iter().copied()).map_err(|e| named("the alarms", e))?;
    let overrides = event
        .overrides
        .iter()
        .map(|o| {
            Ok(NewEventException {
                original_start: o.original_start,
                cancelled: o.cancelled,
                start_date: o.start,
                end_date: o.end,
                title: o
                    .title
                    .clone()
                    .map(Title::clipped)
                    .transpose()
                    .map_err(|e| named("the SUMMARY of a changed occurrence", e))?,
                location: o
                    .location
                    .clone()
                    .map(ShortText::clipped)
                    .transpose()
                    .map_err(|e| named("the LOCATION of a changed occurrence", e))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ImportedCalendarEvent {
        uid,
        event: NewCalendarEvent {
            title,
            description,
            schedule,
            reminders,
            event_type: event.event_type,
            location,
            priority: event.priority,
            color: Color::default(),
            google_event_id: None,
            google_calendar_id: None,
            course_id: None,
            document_id: None,
        },
        overrides,
    })
}

/// A refusal of the guard or the fetch, as an error on the `url` field.
fn renamed_to_url(error: DomainError) -> DomainError {
    match error {
        DomainError::Validation { message, .. } => DomainError::validation("url", message),
        DomainError::TooLarge { message, .. } => DomainError::TooLarge {
            field: "url".into(),
            message,
        },
        other => other,
    }
}

/// Why a refresh failed, as the student reads it.
fn reason(error: &DomainError) -> String {
    match error {
        DomainError::Validation { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
