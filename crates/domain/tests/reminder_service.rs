//! Reminders of calendar events through the reminder service, on the in-memory adapters with a
//! clock the test moves: each reminder is scheduled as a job at its instant and sent once as
//! an `EVENT_REMINDER` notification; a moved event's reminder moves, a deleted one's is not
//! sent; a weekly lecture's occurrences each get theirs, across a daylight-saving change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sophie_domain::jobs::{Job, RemindEvent, decode};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::services::calendar::{CalendarLimits, CalendarService};
use sophie_domain::services::reminders::{ReminderPorts, ReminderService};
use sophie_domain::values::{
    Color, Email, EventSchedule, Name, Reminders, TimeZone as Zone, Title,
};
use sophie_domain::{
    CalendarEventUpdate, Clock, EventType, JobQueue, NewCalendarEvent, NewUser, Notification,
    NotificationFilter, NotificationType, PageRequest, Repositories, UserId,
};

struct World {
    clock: Arc<FixedClock>,
    queue: Arc<MemoryJobQueue>,
    repositories: Repositories,
    reminders: Arc<ReminderService>,
    calendar: CalendarService,
    user: UserId,
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

async fn world() -> World {
    let clock = Arc::new(FixedClock::new(at(2027, 3, 1, 8, 0)));
    let store = MemoryStore::with_clock(clock.clone());
    let repositories = store.repositories();
    let queue = Arc::new(MemoryJobQueue::with_clock(clock.clone()));
    let reminders = Arc::new(ReminderService::new(ReminderPorts {
        calendar: repositories.calendar.clone(),
        notifications: repositories.notifications.clone(),
        queue: queue.clone(),
        clock: clock.clone(),
    }));
    let calendar = CalendarService::new(
        repositories.calendar.clone(),
        repositories.courses.clone(),
        CalendarLimits::default(),
    )
    .with_reminders(reminders.clone());
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
        reminders,
        calendar,
        user,
    }
}

fn event(title: &str, start: DateTime<Utc>, minutes: &[u32]) -> NewCalendarEvent {
    NewCalendarEvent {
        title: Title::parse(title).unwrap(),
        description: None,
        schedule: EventSchedule::new(start, Some(start + TimeDelta::hours(1))).unwrap(),
        reminders: Reminders::parse(minutes.iter().copied()).unwrap(),
        event_type: EventType::Exam,
        location: None,
        priority: None,
        color: Color::default(),
        google_event_id: None,
        google_calendar_id: None,
        course_id: None,
        document_id: None,
    }
}

impl World {
    /// Runs every reminder job due by the clock, as the worker would; returns how many ran.
    async fn run_due(&self) -> usize {
        let mut ran = 0;
        while let Some(row) = self
            .queue
            .claim(
                "test".to_owned(),
                vec![RemindEvent::KIND.to_owned()],
                Duration::from_secs(60),
            )
            .await
            .unwrap()
        {
            let job: RemindEvent = decode(&row).unwrap();
            self.reminders.remind(job).await.unwrap();
            self.queue
                .complete(row.id, "test".to_owned())
                .await
                .unwrap();
            ran += 1;
        }
        ran
    }

    async fn reminders_sent(&self) -> Vec<Notification> {
        let mut sent = self
            .repositories
            .notifications
            .list(
                self.user,
                NotificationFilter::default(),
                PageRequest::first_of(100),
            )
            .await
            .unwrap()
            .items;
        sent.retain(|n| n.notification_type == NotificationType::EventReminder);
        sent.sort_by_key(|n| n.created_at);
        sent
    }

    fn set(&self, now: DateTime<Utc>) {
        self.clock.set(now);
    }
}

#[tokio::test]
async fn each_reminder_is_sent_once_at_its_time() {
    let w = world().await;
    let exam = w
        .calendar
        .create(
            w.user,
            event("Midterm", at(2027, 3, 3, 9, 0), &[60, 24 * 60]),
        )
        .await
        .unwrap();
    // Nothing is due yet; the day-before reminder is the next.
    assert_eq!(w.run_due().await, 0);
    assert_eq!(
        w.reminders.schedule(w.user, exam.id).await.unwrap(),
        Some(at(2027, 3, 2, 9, 0))
    );

    w.set(at(2027, 3, 2, 9, 0));
    assert!(w.run_due().await >= 1);
    let sent = w.reminders_sent().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].link.as_deref(),
        Some(format!("/api/v1/calendar-events/{}", exam.id).as_str())
    );
    assert!(
        sent[0].message.contains("Wednesday, March 3 at 09:00"),
        "{}",
        sent[0].message
    );

    // A job that runs again (a retry, a second worker) sends nothing new.
    w.set(at(2027, 3, 2, 9, 1));
    w.reminders
        .remind(RemindEvent {
            user_id: w.user,
            event_id: exam.id,
            at: at(2027, 3, 2, 9, 0),
        })
        .await
        .unwrap();
    assert_eq!(w.reminders_sent().await.len(), 1);

    w.set(at(2027, 3, 3, 8, 0));
    w.run_due().await;
    assert_eq!(w.reminders_sent().await.len(), 2);
    // After the exam, nothing more is scheduled.
    w.set(at(2027, 3, 4, 8, 0));
    assert_eq!(w.run_due().await, 0);
    assert_eq!(w.reminders.schedule(w.user, exam.id).await.unwrap(), None);
}

#[tokio::test]
async fn a_moved_event_is_reminded_at_its_new_time_and_a_deleted_one_not_at_all() {
    let w = world().await;
    let exam = w
        .calendar
        .create(w.user, event("Midterm", at(2027, 3, 3, 9, 0), &[60]))
        .await
        .unwrap();
    let moved = at(2027, 3, 5, 9, 0);
    w.calendar
        .update(
            w.user,
            exam.id,
            CalendarEventUpdate {
                schedule: Some(EventSchedule::new(moved, None).unwrap()),
                ..CalendarEventUpdate::default()
            },
        )
        .await
        .unwrap();
    // The job of the old time runs and finds nothing due.
    w.set(at(2027, 3, 3, 8, 0));
    w.run_due().await;
    assert!(w.reminders_sent().await.is_empty());
    w.set(at(2027, 3, 5, 8, 0));
    w.run_due().await;
    assert_eq!(w.reminders_sent().await.len(), 1);

    let gone = w
        .calendar
        .create(w.user, event("Quiz", at(2027, 3, 10, 9, 0), &[60]))
        .await
        .unwrap();
    w.repositories
        .calendar
        .delete(w.user, gone.id)
        .await
        .unwrap();
    w.set(at(2027, 3, 10, 8, 30));
    w.run_due().await;
    assert_eq!(w.reminders_sent().await.len(), 1);
}

#[tokio::test]
async fn every_occurrence_of_a_weekly_lecture_is_reminded_at_its_local_time() {
    let w = world().await;
    // Mondays 10:00 in Berlin from 22 March 2027 (summer time from the 28th), three times.
    let start = at(2027, 3, 22, 9, 0);
    let lecture = w
        .calendar
        .create(
            w.user,
            NewCalendarEvent {
                schedule: EventSchedule::new(start, Some(start + TimeDelta::hours(2)))
                    .unwrap()
                    .repeating(
                        Zone::parse("Europe/Berlin").unwrap(),
                        false,
                        vec!["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3".to_owned()],
                    )
                    .unwrap(),
                ..event("Lecture", start, &[15])
            },
        )
        .await
        .unwrap();
    // 09:45 local each Monday: 08:45 UTC, then 07:45 UTC in summer time.
    for (sent_before, due) in [
        at(2027, 3, 22, 8, 45),
        at(2027, 3, 29, 7, 45),
        at(2027, 4, 5, 7, 45),
    ]
    .into_iter()
    .enumerate()
    {
        // Not a minute early, and at its minute.
        w.set(due - TimeDelta::minutes(1));
        w.run_due().await;
        assert_eq!(w.reminders_sent().await.len(), sent_before, "{due}");
        w.set(due);
        w.run_due().await;
        assert_eq!(w.reminders_sent().await.len(), sent_before + 1, "{due}");
    }
    let sent = w.reminders_sent().await;
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter().all(|n| n.message.contains("at 10:00")),
        "{sent:?}"
    );
    // After the last lecture, nothing is left to schedule.
    w.set(at(2027, 4, 5, 12, 0));
    assert_eq!(
        w.reminders.schedule(w.user, lecture.id).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn an_event_made_inside_its_reminder_is_reminded_at_once() {
    let w = world().await;
    let now = w.clock.now();
    w.calendar
        .create(
            w.user,
            event("Office hours", now + TimeDelta::minutes(20), &[60]),
        )
        .await
        .unwrap();
    assert_eq!(w.run_due().await, 1);
    assert_eq!(w.reminders_sent().await.len(), 1);
    // Once sent, it is not sent again, nor scheduled again.
    assert_eq!(w.run_due().await, 0);
}

#[tokio::test]
async fn an_event_months_ahead_is_looked_at_again_until_its_reminder() {
    let w = world().await;
    let exam = w
        .calendar
        .create(w.user, event("Final", at(2027, 6, 1, 9, 0), &[24 * 60]))
        .await
        .unwrap();
    // Three months ahead: a look again in 35 days, then at the reminder itself.
    let first = w
        .reminders
        .schedule(w.user, exam.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, at(2027, 4, 5, 8, 0));
    let mut now = first;
    while now < at(2027, 5, 31, 9, 0) {
        w.set(now);
        w.run_due().await;
        now += TimeDelta::days(7);
    }
    assert!(w.reminders_sent().await.is_empty());
    w.set(at(2027, 5, 31, 9, 0));
    w.run_due().await;
    assert_eq!(w.reminders_sent().await.len(), 1);
}

#[tokio::test]
async fn a_reminder_read_and_deleted_is_not_sent_again_by_the_next() {
    let w = world().await;
    w.calendar
        .create(
            w.user,
            event("Midterm", at(2027, 3, 3, 9, 0), &[60, 24 * 60]),
        )
        .await
        .unwrap();
    w.set(at(2027, 3, 2, 9, 0));
    w.run_due().await;
    let first = w.reminders_sent().await;
    assert_eq!(first.len(), 1);
    w.repositories
        .notifications
        .delete(w.user, first[0].id)
        .await
        .unwrap();
    w.set(at(2027, 3, 3, 8, 0));
    w.run_due().await;
    let sent = w.reminders_sent().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].created_at >= at(2027, 3, 3, 8, 0));
}
