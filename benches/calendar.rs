//! The calendar benchmark: a student's timetable of 30 weekly events (lectures, labs and
//! tutorials in Berlin, New York and Tokyo, each with an `EXDATE` and one moved occurrence),
//! and a year of it expanded into occurrences through the calendar service as the API calls
//! it (`GET /calendar-events?from=&to=`: the events and their changes read in two queries,
//! every occurrence of 366 days expanded, sorted and the first page of 100 cut), on memory
//! and on PostgreSQL.
//!
//! Run by `just bench-calendar` (`cargo bench --bench calendar`), on a scratch database of its
//! own. Settings: `BENCH_EVENTS` (30), `BENCH_RUNS` (50 on each storage).

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

mod timing;

use std::time::Instant;

use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::memory::MemoryStore;
use sophie_domain::services::calendar::{CalendarLimits, CalendarService};
use sophie_domain::values::{
    Color, Email, EventSchedule, Name, Reminders, TimeZone as Zone, Title,
};
use sophie_domain::{
    CalendarFilter, EventType, NewCalendarEvent, NewEventException, NewUser, PageRequest,
    Repositories,
};
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;
use timing::{env_or, report};

async fn run(storage: &str, r: Repositories, events: usize, runs: usize) {
    let user = r
        .users
        .create(NewUser {
            name: Name::parse("Ada").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
            image: None,
        })
        .await
        .unwrap()
        .id;
    let zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo"];
    let days = ["MO", "TU", "WE", "TH", "FR"];
    let term = Utc.with_ymd_and_hms(2027, 1, 4, 8, 0, 0).unwrap();
    for i in 0..events {
        let start = term + TimeDelta::hours(i64::try_from(i % 10).unwrap());
        let zone = Zone::parse(zones[i % zones.len()]).unwrap();
        let schedule = EventSchedule::new(start, Some(start + TimeDelta::minutes(90)))
            .unwrap()
            .repeating(
                zone,
                false,
                vec![
                    format!("RRULE:FREQ=WEEKLY;BYDAY={}", days[i % days.len()]),
                    format!(
                        "EXDATE:{}",
                        (start + TimeDelta::weeks(5)).format("%Y%m%dT%H%M%SZ")
                    ),
                ],
            )
            .unwrap();
        let event = r
            .calendar
            .create(
                user,
                NewCalendarEvent {
                    title: Title::parse(format!("Course {i}")).unwrap(),
                    description: None,
                    schedule,
                    reminders: Reminders::parse([15]).unwrap(),
                    event_type: EventType::Lecture,
                    location: None,
                    priority: None,
                    color: Color::default(),
                    google_event_id: None,
                    google_calendar_id: None,
                    course_id: None,
                    document_id: None,
                },
            )
            .await
            .unwrap();
        let moved = start + TimeDelta::weeks(8);
        r.calendar
            .put_exception(
                user,
                event.id,
                NewEventException {
                    original_start: moved,
                    cancelled: false,
                    start_date: moved + TimeDelta::hours(4),
                    end_date: None,
                    title: None,
                    location: None,
                },
            )
            .await
            .unwrap();
    }
    let service = CalendarService::new(
        r.calendar.clone(),
        r.courses.clone(),
        CalendarLimits::default(),
    );
    let filter = CalendarFilter {
        from: Some(term),
        to: Some(term + TimeDelta::days(366)),
        ..CalendarFilter::default()
    };
    let page = PageRequest::first_of(100);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let found = service.occurrences(user, filter, page).await.unwrap();
        times.push(started.elapsed());
        assert_eq!(found.items.len(), 100);
    }
    report(
        &format!("a year of {events} weekly events ({storage})"),
        times,
    );
}

#[tokio::main]
async fn main() {
    let events = env_or("BENCH_EVENTS", 30);
    let runs = env_or("BENCH_RUNS", 50);
    run("memory", MemoryStore::new().repositories(), events, runs).await;
    let db = TestDatabase::new().await;
    run(
        "PostgreSQL",
        PostgresStore::new(db.pool()).repositories(),
        events,
        runs,
    )
    .await;
}
