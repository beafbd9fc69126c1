//! iCalendar imports over HTTP, on memory and on PostgreSQL: an Outlook export (a Windows zone
//! defined by its `VTIMEZONE`, a moved and a cancelled occurrence, `DURATION`, an all-day
//! break, an alarm) read into the calendar; a second import changing nothing and a changed one
//! changing one event; bad files refused whole; a URL kept as a subscription that follows its
//! source; and a student's own feed read back by another student with every occurrence equal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fakes;
mod server;

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};

use fakes::{Fake, Response};
use server::Server;
use sophie_persistence::testing::TestDatabase;

const TIMETABLE: &str = include_str!("fixtures/calendar/timetable.ics");

/// Uploads `ics` as the `file` part, with the other parts given; returns the status and body.
async fn import_file(
    server: &Server,
    token: &str,
    ics: &str,
    parts: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(ics.as_bytes().to_vec())
            .file_name("timetable.ics")
            .mime_str("text/calendar")
            .unwrap(),
    );
    for (name, value) in parts {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/calendar-events/import", server.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The occurrences of the student's calendar in 2027 as (title, start, end), sorted.
async fn year_2027(server: &Server, token: &str) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/calendar-events?from=2027-01-01T00:00:00Z\
                        &to=2028-01-01T00:00:00Z&limit=100"
            .to_owned();
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = server
            .expect(200, Method::GET, &path, Some(token), None)
            .await;
        for item in page["items"].as_array().unwrap() {
            found.push((
                item["title"].as_str().unwrap().to_owned(),
                item["occurrenceStart"].as_str().unwrap().to_owned(),
                item["occurrenceEnd"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    found.sort();
    found
}

fn starts_of<'a>(occurrences: &'a [(String, String, String)], title: &str) -> Vec<&'a str> {
    occurrences
        .iter()
        .filter(|(t, _, _)| t == title)
        .map(|(_, start, _)| start.as_str())
        .collect()
}

async fn a_file_import_is_the_calendar_and_importing_again_changes_nothing(server: &Server) {
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let course = server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(&token),
            Some(json!({"name": "Mathematics"})),
        )
        .await;
    let course = course["id"].as_str().unwrap();
    let parts = [("courseId", course), ("timeZone", "Europe/Berlin")];
    let (status, first) = import_file(server, &token, TIMETABLE, &parts).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (&first["created"], &first["updated"], &first["unchanged"]),
        (&json!(4), &json!(0), &json!(0)),
        "{first}"
    );
    let events = first["events"].as_array().unwrap();
    assert!(events.iter().all(|e| e["courseId"] == course));
    let lecture = &events[0];
    assert_eq!(
        lecture["timeZone"], "Europe/Berlin",
        "the Windows zone, named"
    );
    assert_eq!(lecture["reminders"], json!([15]));
    assert_eq!(lecture["location"], "Hörsaal 1, Gebäude B");
    assert_eq!(lecture["eventType"], "LECTURE");
    let exam = &events[3];
    assert_eq!(
        (&exam["eventType"], &exam["priority"]),
        (&json!("EXAM"), &json!("URGENT"))
    );

    let year = year_2027(server, &token).await;
    let lectures = starts_of(&year, "Linear Algebra lecture");
    // 18 Mondays from 15 March to 12 July, less the cancelled 29 March and the moved 3 May;
    // 10:00 in Berlin is 09:00 UTC before the change to summer time, 08:00 after it.
    assert_eq!(lectures.len(), 16, "{lectures:?}");
    assert_eq!(lectures[0], "2027-03-15T09:00:00Z");
    assert!(lectures.contains(&"2027-03-22T09:00:00Z"));
    assert!(!lectures.iter().any(|s| s.starts_with("2027-03-29")));
    assert!(lectures.contains(&"2027-04-05T08:00:00Z"));
    assert!(!lectures.iter().any(|s| s.starts_with("2027-05-03")));
    assert_eq!(*lectures.last().unwrap(), "2027-07-12T08:00:00Z");
    assert!(year.contains(&(
        "Linear Algebra lecture (moved)".to_owned(),
        "2027-05-04T12:00:00Z".to_owned(),
        "2027-05-04T13:30:00Z".to_owned()
    )));
    // 14:00 in New York: 19:00 UTC, then 18:00 after 14 March; 90 minutes each.
    let seminars = starts_of(&year, "Research seminar");
    assert_eq!(
        seminars,
        [
            "2027-03-04T19:00:00Z",
            "2027-03-11T19:00:00Z",
            "2027-03-18T18:00:00Z",
            "2027-03-25T18:00:00Z",
            "2027-04-01T18:00:00Z",
            "2027-04-08T18:00:00Z"
        ]
    );
    assert!(year.contains(&(
        "Research seminar".to_owned(),
        "2027-03-04T19:00:00Z".to_owned(),
        "2027-03-04T20:30:00Z".to_owned()
    )));
    // The break's dates at midnight in the zone asked for; the exam's end from its DURATION.
    assert!(year.contains(&(
        "Spring break".to_owned(),
        "2027-03-21T23:00:00Z".to_owned(),
        "2027-03-26T23:00:00Z".to_owned()
    )));
    assert!(year.contains(&(
        "Final exam".to_owned(),
        "2027-07-20T08:00:00Z".to_owned(),
        "2027-07-20T10:00:00Z".to_owned()
    )));

    // The same file again: nothing changes, nothing doubles.
    let (status, again) = import_file(server, &token, TIMETABLE, &parts).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&again["created"], &again["updated"], &again["unchanged"]),
        (&json!(0), &json!(0), &json!(4)),
        "{again}"
    );
    assert_eq!(year_2027(server, &token).await, year);

    // The exam moved by the source: that event changes, in place, its sequence raised.
    let moved = TIMETABLE.replace("DTSTART:20270720T080000Z", "DTSTART:20270721T080000Z");
    let (status, changed) = import_file(server, &token, &moved, &parts).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            &changed["created"],
            &changed["updated"],
            &changed["unchanged"]
        ),
        (&json!(0), &json!(1), &json!(3)),
        "{changed}"
    );
    let exam_now = &changed["events"][0];
    assert_eq!(exam_now["id"], exam["id"]);
    assert_eq!(exam_now["startDate"], "2027-07-21T08:00:00Z");
    assert_eq!(exam_now["sequence"], 1);

    // Bad files are refused whole, with the reason; nothing of them is kept.
    let refused = |body: &Value| {
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (status, body) = import_file(server, &token, "Name,Date\nExam,2027-07-20\n", &[]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "file");
    let half = TIMETABLE
        .replace("UID:final-2027@uni.example", "UID:new-event@uni.example")
        .replace("UID:break-2027@uni.example\r\n", "");
    let (status, body) = import_file(server, &token, &half, &[]).await;
    assert_eq!(status, 422, "{body}");
    assert!(refused(&body).contains("no UID"), "{body}");
    let bad_rule = TIMETABLE.replace("RRULE:FREQ=WEEKLY;COUNT=6", "RRULE:FREQ=WEEKLY;COUNT=six");
    let (status, body) = import_file(server, &token, &bad_rule, &[]).await;
    assert_eq!(status, 422, "{body}");
    let bad_zone = TIMETABLE.replace("America/New_York", "Mars/Olympus_Mons");
    let (status, body) = import_file(server, &token, &bad_zone, &[]).await;
    assert_eq!(status, 422, "{body}");
    assert!(refused(&body).contains("Mars/Olympus_Mons"), "{body}");
    let (status, body) = import_file(server, &token, TIMETABLE, &[("timeZone", "Berlin")]).await;
    assert_eq!(
        (status, &body["errors"][0]["field"]),
        (422, &json!("timeZone"))
    );
    assert_eq!(year_2027(server, &token).await.len(), year.len());
    let listed = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar-events?limit=100",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        4,
        "nothing half-imported"
    );

    // Another student's course is not a place to import into.
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    let (status, _) = import_file(server, &bob, TIMETABLE, &[("courseId", course)]).await;
    assert_eq!(status, 404);
    let (status, theirs) = import_file(server, &bob, TIMETABLE, &[]).await;
    assert_eq!((status, &theirs["created"]), (200, &json!(4)), "{theirs}");
}

/// Serves `versions` of a calendar at `/term.ics`, the next one after each request (the last
/// one stays).
async fn calendar_site(versions: Arc<Mutex<Vec<String>>>) -> Fake {
    Fake::start(move |request, _| {
        if request.path() != "/term.ics" {
            return Response::status(404);
        }
        let mut versions = versions.lock().unwrap();
        let body = if versions.len() > 1 {
            versions.remove(0)
        } else {
            versions[0].clone()
        };
        Response::new(200, "text/calendar; charset=utf-8", body)
    })
    .await
}

async fn a_url_import_is_a_subscription_that_follows_its_source(db: Option<TestDatabase>) {
    let dropped = TIMETABLE
        .split("BEGIN:VEVENT")
        .filter(|part| !part.contains("UID:break-2027@uni.example"))
        .collect::<Vec<_>>()
        .join("BEGIN:VEVENT")
        .replace("SUMMARY:Final exam", "SUMMARY:Final exam (Hall C)");
    let versions = Arc::new(Mutex::new(vec![
        TIMETABLE.to_owned(),
        dropped,
        "this is not a calendar".to_owned(),
    ]));
    let site = calendar_site(versions).await;
    let allow = format!("127.0.0.1:{}", site.port);
    let server = Server::start_with(db, &[("IMPORT_FETCH_ALLOW", &allow)]).await;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let url = format!("{}/term.ics", site.base);

    let first = server
        .expect(
            200,
            Method::POST,
            "/api/v1/calendar-events/import",
            Some(&token),
            Some(json!({"url": url, "timeZone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(first["created"], 4, "{first}");
    let subscription = &first["subscription"];
    assert_eq!(subscription["url"], url.as_str());
    assert_eq!(subscription["eventCount"], 4);
    assert_eq!(subscription["lastError"], Value::Null);
    let id = subscription["id"].as_str().unwrap();
    assert!(
        first["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["subscriptionId"] == id)
    );

    // The source drops the break and renames the exam; a refresh follows it.
    let refreshed = server
        .expect(
            200,
            Method::POST,
            &format!("/api/v1/calendar/subscriptions/{id}/refresh"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refreshed["eventCount"], 3, "{refreshed}");
    let year = year_2027(&server, &token).await;
    assert!(starts_of(&year, "Spring break").is_empty());
    assert_eq!(starts_of(&year, "Final exam (Hall C)").len(), 1);

    // A source that no longer reads is recorded; its events stay.
    let failed = server
        .expect(
            200,
            Method::POST,
            &format!("/api/v1/calendar/subscriptions/{id}/refresh"),
            Some(&token),
            None,
        )
        .await;
    assert!(
        failed["lastError"]
            .as_str()
            .unwrap()
            .contains("not iCalendar"),
        "{failed}"
    );
    assert_eq!(failed["eventCount"], 3);
    assert_eq!(year_2027(&server, &token).await, year);

    // Another student sees, refreshes and removes nothing of it.
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    let theirs = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar/subscriptions",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(theirs, json!([]));
    server
        .expect(
            404,
            Method::DELETE,
            &format!("/api/v1/calendar/subscriptions/{id}"),
            Some(&bob),
            None,
        )
        .await;
    server
        .expect(
            404,
            Method::POST,
            &format!("/api/v1/calendar/subscriptions/{id}/refresh"),
            Some(&bob),
            None,
        )
        .await;

    // Addresses inside a private network are refused before anything is fetched.
    let body = server
        .expect(
            422,
            Method::POST,
            "/api/v1/calendar-events/import",
            Some(&token),
            Some(json!({"url": "http://10.0.0.7/term.ics"})),
        )
        .await;
    assert_eq!(body["errors"][0]["field"], "url");

    let mine = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar/subscriptions",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/calendar/subscriptions/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert!(
        year_2027(&server, &token).await.is_empty(),
        "its events went with it"
    );
}

/// A student's own timetable, made through the API.
async fn timetable(server: &Server, token: &str) {
    let bodies = [
        json!({
            "title": "Analysis lecture", "eventType": "LECTURE",
            "startDate": "2027-03-15T09:00:00Z", "endDate": "2027-03-15T10:30:00Z",
            "timeZone": "Europe/Berlin", "reminders": [15],
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271108",
                           "EXDATE;TZID=Europe/Berlin:20270405T100000"],
        }),
        json!({
            "title": "Seminar", "eventType": "LAB",
            "startDate": "2027-02-04T19:00:00Z", "endDate": "2027-02-04T20:00:00Z",
            "timeZone": "America/New_York",
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=40"],
        }),
        json!({
            "title": "Spring break", "eventType": "OTHER", "allDay": true,
            "startDate": "2027-03-21T23:00:00Z", "endDate": "2027-03-26T23:00:00Z",
            "timeZone": "Europe/Berlin",
        }),
    ];
    let mut lecture = String::new();
    for body in bodies {
        let event = server
            .expect(
                201,
                Method::POST,
                "/api/v1/calendar-events",
                Some(token),
                Some(body),
            )
            .await;
        if lecture.is_empty() {
            lecture = event["id"].as_str().unwrap().to_owned();
        }
    }
    server
        .expect(
            200,
            Method::PUT,
            &format!("/api/v1/calendar-events/{lecture}/occurrences/2027-05-03T08:00:00Z"),
            Some(token),
            Some(json!({"startDate": "2027-05-04T12:00:00Z", "title": "Analysis (moved)"})),
        )
        .await;
}

async fn a_feed_read_back_by_another_student_has_the_same_occurrences(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    timetable(server, &ada).await;
    let address = server
        .expect(
            200,
            Method::POST,
            "/api/v1/calendar/feed-token",
            Some(&ada),
            None,
        )
        .await;
    let feed = reqwest::get(address["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    // An all-day event's dates have no zone in iCalendar (RFC 5545 forbids a TZID on a
    // date): the reader's own zone places them, Berlin for both students here.
    let (status, body) = import_file(server, &bob, &feed, &[("timeZone", "Europe/Berlin")]).await;
    assert_eq!((status, &body["created"]), (200, &json!(3)), "{body}");
    let theirs = year_2027(server, &bob).await;
    assert!(theirs.len() > 60, "{}", theirs.len());
    assert_eq!(theirs, year_2027(server, &ada).await);
}

#[tokio::test]
async fn in_memory_a_file_import_is_the_calendar_and_importing_again_changes_nothing() {
    let server = Server::start_in_memory().await;
    a_file_import_is_the_calendar_and_importing_again_changes_nothing(&server).await;
}

#[tokio::test]
async fn on_postgres_a_file_import_is_the_calendar_and_importing_again_changes_nothing() {
    let server = Server::start().await;
    a_file_import_is_the_calendar_and_importing_again_changes_nothing(&server).await;
}

#[tokio::test]
async fn in_memory_a_url_import_is_a_subscription_that_follows_its_source() {
    a_url_import_is_a_subscription_that_follows_its_source(None).await;
}

#[tokio::test]
async fn on_postgres_a_url_import_is_a_subscription_that_follows_its_source() {
    a_url_import_is_a_subscription_that_follows_its_source(Some(TestDatabase::new().await)).await;
}

#[tokio::test]
async fn in_memory_a_feed_read_back_by_another_student_has_the_same_occurrences() {
    let server = Server::start_in_memory().await;
    a_feed_read_back_by_another_student_has_the_same_occurrences(&server).await;
}

#[tokio::test]
async fn on_postgres_a_feed_read_back_by_another_student_has_the_same_occurrences() {
    let server = Server::start().await;
    a_feed_read_back_by_another_student_has_the_same_occurrences(&server).await;
}
