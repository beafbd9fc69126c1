//! The Google Calendar client against a Calendar API v3 double on 127.0.0.1
//! (`google_calendar/double.rs`): calendars, inserts under sophie's ids (a retry is a
//! conflict, not a duplicate), patches, deletions, full and incremental listings in pages, an
//! expired sync token, rate limits, a missing permission, server errors and a bad token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "google_calendar/double.rs"]
mod double;
mod fake_server;

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone as _, Utc};
use double::{Double, TOKEN};
use sophie_ai::{GoogleCalendar, GoogleCalendarConfig};
use sophie_domain::DomainError;
use sophie_domain::ports::{CalendarProvider, RemoteEvent, RemoteStatus, RemoteTime};

fn client(double: &Double) -> GoogleCalendar {
    GoogleCalendar::new(&GoogleCalendarConfig {
        base_url: double.base_url(),
        ..GoogleCalendarConfig::default()
    })
    .unwrap()
}

/// An event of sophie's, its id a UUID's hex (within base32hex).
fn event(n: u32, summary: &str) -> RemoteEvent {
    let at = Utc.with_ymd_and_hms(2027, 1, 10 + n, 15, 0, 0).unwrap();
    RemoteEvent {
        id: format!("0a1b2c3d4e5f60718293a4b5c6d7e8f{n}"),
        status: RemoteStatus::Confirmed,
        summary: Some(summary.to_owned()),
        description: Some("From sophie".to_owned()),
        location: Some("Hall B".to_owned()),
        start: Some(RemoteTime::At {
            at,
            time_zone: Some("America/New_York".to_owned()),
        }),
        end: Some(RemoteTime::At {
            at: at + chrono::TimeDelta::hours(1),
            time_zone: Some("America/New_York".to_owned()),
        }),
        recurrence: Vec::new(),
        reminders: Some(vec![10, 60]),
        color_id: Some("11".to_owned()),
        private: BTreeMap::from([("sophieEventId".to_owned(), format!("event-{n}"))]),
        updated: None,
        recurring_event_id: None,
        original_start: None,
    }
}

#[tokio::test]
async fn an_insert_keeps_sophies_id_and_a_retried_one_is_a_conflict() {
    let double = Double::start().await;
    let google = client(&double);
    let sent = event(1, "Midterm");
    let stored = google.insert(TOKEN, "primary", &sent).await.unwrap();
    assert_eq!(stored.id, sent.id);
    assert!(stored.updated.is_some());
    // The double answers in New York's offset: the instants are the same.
    assert_eq!(stored.start, sent.start);
    assert_eq!(stored.end, sent.end);
    assert_eq!(stored.reminders, Some(vec![10, 60]));
    assert_eq!(stored.color_id.as_deref(), Some("11"));
    assert_eq!(stored.private["sophieEventId"], "event-1");

    let retried = google.insert(TOKEN, "primary", &sent).await;
    assert!(
        matches!(&retried, Err(DomainError::Conflict { field, .. }) if field.as_deref() == Some("id")),
        "{retried:?}"
    );
    let page = google.list(TOKEN, "primary", None, None).await.unwrap();
    assert_eq!(page.events.len(), 1, "the retry made a duplicate");
}

#[tokio::test]
async fn the_rules_google_sets_on_events_are_told_as_refusals() {
    let double = Double::start().await;
    let google = client(&double);
    // A repeating event without a zone on its times.
    let repeating = RemoteEvent {
        recurrence: vec!["RRULE:FREQ=WEEKLY;COUNT=3".to_owned()],
        start: Some(RemoteTime::At {
            at: Utc.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap(),
            time_zone: None,
        }),
        ..event(2, "Lecture")
    };
    let refused = google.insert(TOKEN, "primary", &repeating).await;
    assert!(
        matches!(&refused, Err(DomainError::Validation { message, .. }) if message.contains("time zone")),
        "{refused:?}"
    );
    // An event with no end.
    let open_ended = RemoteEvent {
        end: None,
        ..event(3, "Deadline")
    };
    assert!(matches!(
        google.insert(TOKEN, "primary", &open_ended).await,
        Err(DomainError::Validation { .. })
    ));
    // All-day events go as dates.
    let all_day = RemoteEvent {
        start: Some(RemoteTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
        )),
        end: Some(RemoteTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 20).unwrap(),
        )),
        reminders: None,
        ..event(4, "Spring break")
    };
    let stored = google.insert(TOKEN, "primary", &all_day).await.unwrap();
    assert_eq!(stored.start, all_day.start);
    assert_eq!(stored.reminders, None, "the calendar's default reminders");
}

#[tokio::test]
async fn listings_page_then_give_only_the_changes_since_their_sync_token() {
    let double = Double::start().await;
    let google = client(&double);
    for n in 1..=3 {
        google
            .insert(TOKEN, "primary", &event(n, &format!("Event {n}")))
            .await
            .unwrap();
    }
    // A full listing, two pages: the sync token comes with the last.
    let first = google.list(TOKEN, "primary", None, None).await.unwrap();
    assert_eq!(first.events.len(), 2);
    assert_eq!(first.next_sync_token, None);
    let token = first.next_page_token.unwrap();
    let second = google
        .list(TOKEN, "primary", None, Some(&token))
        .await
        .unwrap();
    assert_eq!(second.events.len(), 1);
    assert_eq!(second.next_page_token, None);
    let sync = second.next_sync_token.unwrap();

    // A patch from sophie, an edit in Google, a deletion: three changes, the deleted one as
    // `cancelled` with its id only.
    let patched = RemoteEvent {
        location: None,
        ..event(1, "Event 1, moved online")
    };
    let answer = google.patch(TOKEN, "primary", &patched).await.unwrap();
    assert_eq!(answer.location, None, "a patch clears what sophie cleared");
    double.edit("primary", &event(2, "").id, "Renamed in Google");
    google
        .delete(TOKEN, "primary", &event(3, "").id)
        .await
        .unwrap();
    // Deleting it again is no error: it is gone, as asked.
    google
        .delete(TOKEN, "primary", &event(3, "").id)
        .await
        .unwrap();

    let changes = google
        .list(TOKEN, "primary", Some(&sync), None)
        .await
        .unwrap();
    let mut all = changes.events.clone();
    if let Some(page) = &changes.next_page_token {
        let rest = google
            .list(TOKEN, "primary", Some(&sync), Some(page))
            .await
            .unwrap();
        all.extend(rest.events);
    }
    assert_eq!(all.len(), 3, "{all:?}");
    let by_id = |n: u32| all.iter().find(|e| e.id == event(n, "").id).unwrap();
    assert_eq!(by_id(1).summary.as_deref(), Some("Event 1, moved online"));
    assert_eq!(by_id(2).summary.as_deref(), Some("Renamed in Google"));
    assert_eq!(by_id(3).status, RemoteStatus::Cancelled);
    assert_eq!(by_id(3).start, None);

    // A patch of the event deleted meanwhile: not found.
    assert!(matches!(
        google.patch(TOKEN, "primary", &event(3, "Back")).await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_patch_switches_between_timed_and_all_day_and_back_to_confirmed() {
    let double = Double::start().await;
    let google = client(&double);
    let tentative = RemoteEvent {
        status: RemoteStatus::Tentative,
        ..event(1, "Reading week")
    };
    google.insert(TOKEN, "primary", &tentative).await.unwrap();
    let all_day = RemoteEvent {
        start: Some(RemoteTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 15).unwrap(),
        )),
        end: Some(RemoteTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 20).unwrap(),
        )),
        description: None,
        color_id: None,
        reminders: None,
        ..event(1, "Reading week")
    };
    let patched = google.patch(TOKEN, "primary", &all_day).await.unwrap();
    assert_eq!(patched.start, all_day.start);
    assert_eq!(patched.end, all_day.end);
    assert_eq!(patched.status, RemoteStatus::Confirmed);
    assert_eq!(
        (patched.description, patched.color_id, patched.reminders),
        (None, None, None)
    );
    // And back to a timed event.
    let timed = google
        .patch(TOKEN, "primary", &event(1, "Reading week"))
        .await
        .unwrap();
    assert_eq!(timed.start, event(1, "").start);
}

#[tokio::test]
async fn an_expired_sync_token_asks_for_a_full_listing() {
    let double = Double::start().await;
    let google = client(&double);
    google
        .insert(TOKEN, "primary", &event(1, "A"))
        .await
        .unwrap();
    let sync = google
        .list(TOKEN, "primary", None, None)
        .await
        .unwrap()
        .next_sync_token
        .unwrap();
    double.expire_sync_tokens();
    let gone = google.list(TOKEN, "primary", Some(&sync), None).await;
    assert!(
        matches!(&gone, Err(DomainError::Conflict { field, .. }) if field.as_deref() == Some("syncToken")),
        "{gone:?}"
    );
    // The full listing still works, and its new token is accepted.
    let full = google.list(TOKEN, "primary", None, None).await.unwrap();
    assert_eq!(full.events.len(), 1);
    google
        .list(TOKEN, "primary", full.next_sync_token.as_deref(), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn rate_limits_permissions_server_errors_and_bad_tokens_are_told_apart() {
    let double = Double::start().await;
    let google = client(&double);

    double.fail_next(&[(429, "rateLimitExceeded", Some(7))]);
    let limited = google.list(TOKEN, "primary", None, None).await;
    assert!(
        matches!(
            limited,
            Err(DomainError::RateLimited {
                retry_after_seconds: 7
            })
        ),
        "{limited:?}"
    );
    double.fail_next(&[(403, "rateLimitExceeded", None)]);
    assert!(matches!(
        google.list(TOKEN, "primary", None, None).await,
        Err(DomainError::RateLimited { .. })
    ));

    // A missing permission is not retried: one request.
    let before = double.server.requests().len();
    double.fail_next(&[(403, "insufficientPermissions", None)]);
    let forbidden = google.insert(TOKEN, "primary", &event(1, "A")).await;
    assert!(
        matches!(&forbidden, Err(DomainError::Forbidden(why)) if why.contains("insufficientPermissions")),
        "{forbidden:?}"
    );
    assert_eq!(double.server.requests().len(), before + 1);

    // A 503 then an answer: retried, and done.
    double.fail_next(&[(503, "backendError", None)]);
    let stored = google
        .insert(TOKEN, "primary", &event(1, "A"))
        .await
        .unwrap();
    assert_eq!(stored.id, event(1, "A").id);

    // Server errors that do not stop: unavailable after the retries.
    double.fail_next(&[
        (500, "backendError", None),
        (500, "backendError", None),
        (500, "backendError", None),
    ]);
    assert!(matches!(
        google.list(TOKEN, "primary", None, None).await,
        Err(DomainError::Unavailable { .. })
    ));

    assert!(matches!(
        google.list("ya29.revoked", "primary", None, None).await,
        Err(DomainError::Unauthorized)
    ));
}

#[tokio::test]
async fn calendars_are_listed_and_sophies_own_is_made() {
    let double = Double::start().await;
    let google = client(&double);
    let made = google
        .create_calendar(TOKEN, "sophie", "Europe/Berlin")
        .await
        .unwrap();
    let calendars = google.calendars(TOKEN).await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert!(calendars.iter().any(|c| c.primary));
    // A calendar id holding `@` reaches its own calendar, not the primary one.
    let stored = google
        .insert(TOKEN, &made.id, &event(1, "A"))
        .await
        .unwrap();
    let listed = google.list(TOKEN, &made.id, None, None).await.unwrap();
    assert_eq!(listed.events, vec![stored]);
    let primary = google.list(TOKEN, "primary", None, None).await.unwrap();
    assert!(primary.events.is_empty());
}
