//! iCalendar imports through the import service, on the in-memory adapters with a clock the
//! test moves and a mocked web: a URL the guard refuses is never fetched and leaves no
//! subscription; subscriptions are sent to be fetched again once their interval has passed,
//! once each; a source that cannot be reached now is recorded and an error worth retrying, one
//! that is gone is recorded; either way its events are kept; an imported alarm becomes a scheduled reminder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sophie_domain::jobs::{Job, RefreshCalendar, RemindEvent, decode};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::services::calendar_import::{
    CalendarImportLimits, CalendarImportPorts, CalendarImportRequest, CalendarImportService,
    CalendarSource,
};
use sophie_domain::services::reminders::{ReminderPorts, ReminderService};
use sophie_domain::values::{Email, Name, WebUrl};
use sophie_domain::{
    CalendarFilter, Clock, DomainError, FetchedResource, JobQueue, MockWebFetcher, NewUser,
    PageRequest, Repositories, UserId,
};

const CALENDAR: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:exam@uni\r\nSUMMARY:Final exam\r\nDTSTART:20270320T080000Z\r\n\
DURATION:PT2H\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

const URL: &str = "https://uni.example/term.ics";

struct World {
    clock: Arc<FixedClock>,
    queue: Arc<MemoryJobQueue>,
    repositories: Repositories,
    user: UserId,
}

fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
}

async fn world() -> World {
    let clock = Arc::new(FixedClock::new(at(2027, 3, 1, 8)));
    let store = MemoryStore::with_clock(clock.clone());
    let repositories = store.repositories();
    let queue = Arc::new(MemoryJobQueue::with_clock(clock.clone()));
    let user = repositories
        .users
        .create(NewUser {
            email: Email::parse("ada@example.com").unwrap(),
            name: Name::parse("Ada").unwrap(),
            image: None,
        })
        .await
        .unwrap()
        .id;
    World {
        clock,
        queue,
        repositories,
        user,
    }
}

impl World {
    fn service(&self, web: MockWebFetcher) -> CalendarImportService {
        let reminders = ReminderService::new(ReminderPorts {
            calendar: self.repositories.calendar.clone(),
            notifications: self.repositories.notifications.clone(),
            queue: self.queue.clone(),
            clock: self.clock.clone(),
        });
        CalendarImportService::new(
            CalendarImportPorts {
                calendar: self.repositories.calendar.clone(),
                web: Arc::new(web),
                queue: self.queue.clone(),
                clock: self.clock.clone(),
            },
            CalendarImportLimits::default(),
        )
        .with_reminders(Arc::new(reminders))
    }

    /// The jobs of `kind` runnable now, claimed.
    async fn claim_all(&self, kind: &str) -> Vec<sophie_domain::BackgroundJob> {
        self.queue
            .claim_batch(
                "test".to_owned(),
                vec![kind.to_owned()],
                Duration::from_secs(60),
                100,
            )
            .await
            .unwrap()
    }

    async fn event_count(&self) -> usize {
        self.repositories
            .calendar
            .list(
                self.user,
                CalendarFilter::default(),
                PageRequest::first_of(100),
            )
            .await
            .unwrap()
            .items
            .len()
    }
}

fn serving(web: &mut MockWebFetcher, body: &'static str) {
    web.expect_check().returning(|_| Ok(()));
    web.expect_fetch().returning(move |url| {
        Ok(FetchedResource {
            url,
            content_type: Some("text/calendar".to_owned()),
            charset: Some("utf-8".to_owned()),
            bytes: body.as_bytes().to_vec(),
        })
    });
}

fn url_import() -> CalendarImportRequest {
    CalendarImportRequest {
        source: CalendarSource::Url(WebUrl::parse(URL).unwrap()),
        course_id: None,
        time_zone: None,
    }
}

#[tokio::test]
async fn a_refused_url_is_never_fetched_and_leaves_no_subscription() {
    let w = world().await;
    let mut web = MockWebFetcher::new();
    web.expect_check().returning(|_| {
        Err(DomainError::validation(
            "sourceUrl",
            "10.0.0.7 is an address in a private network",
        ))
    });
    web.expect_fetch().never();
    let error = w
        .service(web)
        .import(w.user, url_import())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DomainError::Validation { field, .. } if field == "url"),
        "{error:?}"
    );
    assert!(
        w.repositories
            .calendar
            .subscriptions(w.user)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn subscriptions_are_sent_to_be_fetched_again_once_their_interval_has_passed() {
    let w = world().await;
    let mut web = MockWebFetcher::new();
    serving(&mut web, CALENDAR);
    let service = w.service(web);
    let outcome = service.import(w.user, url_import()).await.unwrap();
    let subscription = outcome.subscription.unwrap();
    assert_eq!(subscription.event_count, 1);

    // Fetched just now: not due.
    assert_eq!(service.refresh_due().await.unwrap(), 0);
    w.clock.advance(TimeDelta::hours(6) + TimeDelta::minutes(1));
    assert_eq!(service.refresh_due().await.unwrap(), 1);
    // A second sweep before the job ran sends no second job.
    service.refresh_due().await.unwrap();
    let jobs = w.claim_all(RefreshCalendar::KIND).await;
    assert_eq!(jobs.len(), 1);
    let job: RefreshCalendar = decode(&jobs[0]).unwrap();
    assert_eq!(
        (job.user_id, job.subscription_id),
        (w.user, subscription.id)
    );
    let refreshed = service
        .refresh(job.user_id, job.subscription_id)
        .await
        .unwrap();
    assert_eq!(refreshed.refreshed_at, Some(w.clock.now()));
    assert_eq!(service.refresh_due().await.unwrap(), 0);
}

#[tokio::test]
async fn an_unreachable_source_is_retried_and_a_gone_one_recorded_with_its_events_kept() {
    let w = world().await;
    let mut web = MockWebFetcher::new();
    serving(&mut web, CALENDAR);
    let subscription = w
        .service(web)
        .import(w.user, url_import())
        .await
        .unwrap()
        .subscription
        .unwrap();

    let mut down = MockWebFetcher::new();
    down.expect_fetch().returning(|_| {
        Err(DomainError::Unavailable {
            service: "web",
            message: "connection refused".to_owned(),
        })
    });
    w.clock.advance(TimeDelta::hours(1));
    let error = w
        .service(down)
        .refresh(w.user, subscription.id)
        .await
        .unwrap_err();
    assert!(
        matches!(error, DomainError::Unavailable { .. }),
        "{error:?}"
    );
    // Recorded, so that the sweep moves on to other subscriptions; its events stay.
    let recorded = w
        .repositories
        .calendar
        .subscription(w.user, subscription.id)
        .await
        .unwrap();
    assert_eq!(recorded.refreshed_at, Some(w.clock.now()));
    assert!(
        recorded
            .last_error
            .as_deref()
            .unwrap()
            .contains("cannot be reached"),
        "{recorded:?}"
    );
    assert_eq!(w.event_count().await, 1);

    let mut gone = MockWebFetcher::new();
    gone.expect_fetch()
        .returning(|_| Err(DomainError::not_found("web page")));
    let recorded = w
        .service(gone)
        .refresh(w.user, subscription.id)
        .await
        .unwrap();
    assert!(
        recorded
            .last_error
            .as_deref()
            .unwrap()
            .contains("no longer at its URL"),
        "{recorded:?}"
    );
    assert_eq!(recorded.event_count, 1);
    assert_eq!(w.event_count().await, 1, "its events kept");
}

#[tokio::test]
async fn an_imported_alarm_is_a_scheduled_reminder() {
    let w = world().await;
    let service = w.service(MockWebFetcher::new());
    let outcome = service
        .import(
            w.user,
            CalendarImportRequest {
                source: CalendarSource::File(CALENDAR.as_bytes().to_vec()),
                course_id: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    let exam = &outcome.imported.events[0];
    assert_eq!(exam.reminders, [60]);
    w.clock.set(at(2027, 3, 20, 7));
    let jobs = w.claim_all(RemindEvent::KIND).await;
    assert_eq!(jobs.len(), 1);
    let job: RemindEvent = decode(&jobs[0]).unwrap();
    assert_eq!((job.event_id, job.at), (exam.id, at(2027, 3, 20, 7)));
}
