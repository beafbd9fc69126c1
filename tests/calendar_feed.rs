//! The calendar as a private iCalendar feed, over HTTP on memory and on PostgreSQL: a token
//! made (and replaced) by the student opens the feed without a session; the feed is RFC 5545
//! to the octet (CRLF, lines folded at 75 octets, a `VTIMEZONE` for each zone, `UID`,
//! `DTSTAMP`, `SEQUENCE` raised on each change, `CATEGORIES`, `PRIORITY`, `VALARM`); `ETag`
//! and `Last-Modified` answer `304` while it is unchanged and move when it changes, deletions
//! included; a course narrows it. The ignored tests (run by `scripts/ical/check.sh`) read it
//! with Python's `icalendar` and `recurring-ical-events`, whose occurrences must be the API's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use reqwest::header::{
    CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, ToStrError,
};
use serde_json::{Value, json};

use server::Server;

/// A student's timetable: a weekly lecture in Berlin and a seminar in New York (both across
/// the two daylight-saving changes of 2027), a moved and a cancelled occurrence, an all-day
/// break and a one-off exam in UTC. Returns the ids of the course and of the four events.
async fn timetable(server: &Server, token: &str) -> (String, Vec<String>) {
    let course = server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(token),
            Some(json!({"name": "Analysis"})),
        )
        .await;
    let course = course["id"].as_str().unwrap().to_owned();
    let bodies = [
        json!({
            "title": "Analysis lecture", "eventType": "LECTURE", "courseId": course,
            "startDate": "2027-03-15T09:00:00Z", "endDate": "2027-03-15T10:30:00Z",
            "timeZone": "Europe/Berlin", "priority": "HIGH", "reminders": [15, 60],
            "location": "Hörsaal 1, Gebäude B",
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
        json!({
            "title": "Final exam: Analysis für Informatikerinnen und Informatiker, Teil Ⅱ (Nachholtermin)",
            "eventType": "EXAM", "priority": "URGENT",
            "startDate": "2027-07-20T08:00:00Z", "endDate": "2027-07-20T10:00:00Z",
        }),
    ];
    let mut ids = Vec::new();
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
        ids.push(event["id"].as_str().unwrap().to_owned());
    }
    // The lecture of 3 May moves to Tuesday afternoon; the seminar of 11 March is off.
    server
        .expect(
            200,
            Method::PUT,
            &format!(
                "/api/v1/calendar-events/{}/occurrences/2027-05-03T08:00:00Z",
                ids[0]
            ),
            Some(token),
            Some(json!({"startDate": "2027-05-04T12:00:00Z", "title": "Analysis (moved)"})),
        )
        .await;
    server
        .expect(
            204,
            Method::DELETE,
            &format!(
                "/api/v1/calendar-events/{}/occurrences/2027-03-11T19:00:00Z",
                ids[1]
            ),
            Some(token),
            None,
        )
        .await;
    (course, ids)
}

/// Makes a new feed token; returns the feed's URL.
async fn feed_url(server: &Server, token: &str) -> String {
    let address = server
        .expect(
            200,
            Method::POST,
            "/api/v1/calendar/feed-token",
            Some(token),
            None,
        )
        .await;
    let url = address["url"].as_str().unwrap().to_owned();
    let feed_token = address["token"].as_str().unwrap();
    assert_eq!(
        url,
        format!("{}/api/v1/calendar/feed/{feed_token}.ics", server.base)
    );
    url
}

struct Fetched {
    status: u16,
    body: String,
    etag: Option<String>,
    last_modified: Option<String>,
    content_type: Option<String>,
}

/// GETs `url` without a session, with conditional headers if given.
async fn fetch(server: &Server, url: &str, conditions: &[(&str, &str)]) -> Fetched {
    let mut request = server.http.get(url);
    for (name, value) in conditions {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let header = |name| -> Option<String> {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().map(str::to_owned))
            .transpose()
            .map_err(|e: ToStrError| e.to_string())
            .unwrap()
    };
    let (etag, last_modified, content_type) =
        (header(ETAG), header(LAST_MODIFIED), header(CONTENT_TYPE));
    Fetched {
        status: response.status().as_u16(),
        etag,
        last_modified,
        content_type,
        body: response.text().await.unwrap(),
    }
}

/// The feed's lines, unfolded.
fn unfolded(body: &str) -> Vec<String> {
    body.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

fn count(lines: &[String], line: &str) -> usize {
    lines.iter().filter(|l| *l == line).count()
}

async fn the_feed_is_the_calendar_in_rfc_5545(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let (course, ids) = timetable(server, &ada).await;
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    server
        .expect(
            201,
            Method::POST,
            "/api/v1/calendar-events",
            Some(&bob),
            Some(json!({"title": "Bob's dentist", "eventType": "OTHER", "startDate": "2027-03-16T09:00:00Z"})),
        )
        .await;

    // No feed without a token made by the student.
    let unknown = format!("{}/api/v1/calendar/feed/not-a-token.ics", server.base);
    assert_eq!(fetch(server, &unknown, &[]).await.status, 404);

    let url = feed_url(server, &ada).await;
    let feed = fetch(server, &url, &[]).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert_eq!(
        feed.content_type.as_deref(),
        Some("text/calendar; charset=utf-8")
    );
    let body = &feed.body;
    assert!(body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    for line in body.split("\r\n") {
        assert!(!line.contains('\n'), "a bare line feed: {line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let lines = unfolded(body);
    // Each event once (the moved lecture twice: the series and its override), each zone
    // described once, UTC not at all.
    for (id, times) in ids.iter().zip([2, 1, 1, 1]) {
        assert_eq!(count(&lines, &format!("UID:{id}@sophie")), times, "{id}");
    }
    assert_eq!(count(&lines, "BEGIN:VEVENT"), 5);
    assert!(!body.contains("dentist"), "Bob's event is in Ada's feed");
    assert_eq!(count(&lines, "TZID:Europe/Berlin"), 1);
    assert_eq!(count(&lines, "TZID:America/New_York"), 1);
    assert_eq!(count(&lines, "BEGIN:VTIMEZONE"), 2);
    for expected in [
        "DTSTART;TZID=Europe/Berlin:20270315T100000",
        "DTEND;TZID=Europe/Berlin:20270315T113000",
        "RRULE:FREQ=WEEKLY;UNTIL=20271108T225959Z;BYDAY=MO",
        "EXDATE;TZID=Europe/Berlin:20270405T100000",
        "RECURRENCE-ID;TZID=Europe/Berlin:20270503T100000",
        "DTSTART;TZID=Europe/Berlin:20270504T140000",
        "SUMMARY:Analysis (moved)",
        "LOCATION:Hörsaal 1\\, Gebäude B",
        "DTSTART;TZID=America/New_York:20270204T140000",
        "EXDATE;TZID=America/New_York:20270311T140000",
        "DTSTART;VALUE=DATE:20270322",
        "DTEND;VALUE=DATE:20270327",
        "DTSTART:20270720T080000Z",
        "SUMMARY:Final exam: Analysis für Informatikerinnen und Informatiker\\, Teil Ⅱ (Nachholtermin)",
        "CATEGORIES:LECTURE",
        "CATEGORIES:EXAM",
        "PRIORITY:3",
        "PRIORITY:1",
        "TRIGGER:-PT15M",
        "TRIGGER:-PT60M",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "no line {expected:?} in\n{body}"
        );
    }
    // Two reminders on the lecture and on its moved occurrence, and the urgent exam's two by
    // default (a day and an hour before).
    assert_eq!(count(&lines, "BEGIN:VALARM"), 6);
    assert_eq!(count(&lines, "TRIGGER:-PT1440M"), 1);
    // The lecture was changed once (its moved occurrence), the seminar once (its
    // cancellation); the others never.
    assert_eq!(count(&lines, "SEQUENCE:1"), 3);
    assert_eq!(count(&lines, "SEQUENCE:0"), 2);

    // Unchanged: 304 by tag and by date, with no body.
    let etag = feed.etag.clone().unwrap();
    let modified = feed.last_modified.clone().unwrap();
    for conditions in [
        vec![(IF_NONE_MATCH.as_str(), etag.as_str())],
        vec![(IF_MODIFIED_SINCE.as_str(), modified.as_str())],
    ] {
        let again = fetch(server, &url, &conditions).await;
        assert_eq!(again.status, 304, "{conditions:?}");
        assert!(again.body.is_empty());
        assert_eq!(again.etag.as_deref(), Some(etag.as_str()));
    }

    // A change raises the event's SEQUENCE and moves the tag and the date.
    server
        .expect(
            200,
            Method::PATCH,
            &format!("/api/v1/calendar-events/{}", ids[3]),
            Some(&ada),
            Some(json!({"location": "Audimax"})),
        )
        .await;
    let changed = fetch(server, &url, &[(IF_NONE_MATCH.as_str(), etag.as_str())]).await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.etag.as_deref(), Some(etag.as_str()));
    let lines = unfolded(&changed.body);
    let exam = lines
        .iter()
        .position(|l| *l == format!("UID:{}@sophie", ids[3]))
        .unwrap();
    assert!(lines[exam..].iter().any(|l| l == "LOCATION:Audimax"));
    assert_eq!(
        lines[exam..].iter().find(|l| l.starts_with("SEQUENCE:")),
        Some(&"SEQUENCE:1".to_owned())
    );

    // A deletion, too, moves `Last-Modified`, however soon it comes.
    let before = fetch(server, &url, &[]).await;
    let before_modified = before.last_modified.unwrap();
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/calendar-events/{}", ids[2]),
            Some(&ada),
            None,
        )
        .await;
    let after = fetch(
        server,
        &url,
        &[(IF_MODIFIED_SINCE.as_str(), before_modified.as_str())],
    )
    .await;
    assert_eq!(after.status, 200, "a deletion answered 304");
    assert!(!after.body.contains("Spring break"));

    // One course's feed.
    let analysis = fetch(server, &format!("{url}?courseId={course}"), &[]).await;
    assert_eq!(analysis.status, 200);
    let lines = unfolded(&analysis.body);
    assert_eq!(count(&lines, &format!("UID:{}@sophie", ids[0])), 2);
    assert_eq!(count(&lines, "BEGIN:VEVENT"), 2);
    assert!(lines.iter().any(|l| l == "X-WR-CALNAME:Analysis"));
    let bobs_course = server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(&bob),
            Some(json!({"name": "Bob's"})),
        )
        .await;
    let foreign = format!("{url}?courseId={}", bobs_course["id"].as_str().unwrap());
    assert_eq!(fetch(server, &foreign, &[]).await.status, 404);
    assert_eq!(
        fetch(server, &format!("{url}?courseId=12"), &[])
            .await
            .status,
        422
    );

    // A new token revokes the old URL.
    let renewed = feed_url(server, &ada).await;
    assert_ne!(renewed, url);
    assert_eq!(fetch(server, &url, &[]).await.status, 404);
    assert_eq!(fetch(server, &renewed, &[]).await.status, 200);
    // The feed token is no session.
    let feed_token = renewed.rsplit('/').next().unwrap().trim_end_matches(".ics");
    server
        .expect(401, Method::GET, "/api/v1/me", Some(feed_token), None)
        .await;
}

/// The occurrences the API answers in `[from, to)`, as `(uid, start, end, title)`: instants in
/// UTC, all-day ones as dates in the event's zone (what the feed writes).
async fn api_occurrences(
    server: &Server,
    token: &str,
    from: &str,
    to: &str,
) -> BTreeSet<(String, String, String, String)> {
    let mut found = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/calendar-events?from={from}&to={to}&limit=100");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = server
            .expect(200, Method::GET, &path, Some(token), None)
            .await;
        for item in page["items"].as_array().unwrap() {
            let zone: Tz = item["timeZone"].as_str().unwrap().parse().unwrap();
            let all_day = item["allDay"].as_bool().unwrap();
            let when = |field: &str| -> String {
                let at: DateTime<Utc> = item[field].as_str().unwrap().parse().unwrap();
                if all_day {
                    at.with_timezone(&zone).format("%Y-%m-%d").to_string()
                } else {
                    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                }
            };
            found.insert((
                format!("{}@sophie", item["eventId"].as_str().unwrap()),
                when("occurrenceStart"),
                when("occurrenceEnd"),
                item["title"].as_str().unwrap().to_owned(),
            ));
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

async fn an_independent_reader_finds_the_apis_occurrences(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    timetable(server, &ada).await;
    let url = feed_url(server, &ada).await;
    let feed = fetch(server, &url, &[]).await;
    assert_eq!(feed.status, 200);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &feed.body).unwrap();

    let (from, to) = ("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z");
    let python = std::process::Command::new("python3")
        .arg("scripts/ical/occurrences.py")
        .arg(file.path())
        .args([from, to])
        .output()
        .expect("python3 runs");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    let read: Vec<Value> = serde_json::from_slice(&python.stdout).unwrap();
    let read: BTreeSet<(String, String, String, String)> = read
        .iter()
        .map(|o| {
            (
                o["uid"].as_str().unwrap().to_owned(),
                o["start"].as_str().unwrap().to_owned(),
                o["end"].as_str().unwrap().to_owned(),
                o["summary"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let answered = api_occurrences(server, &ada, from, to).await;
    // 34 lectures (35 Mondays, one excluded), 39 seminars (40, one cancelled), the break and
    // the exam.
    assert_eq!(answered.len(), 34 + 39 + 2);
    assert_eq!(read, answered);
}

#[tokio::test]
async fn in_memory_the_feed_is_the_calendar_in_rfc_5545() {
    Box::pin(the_feed_is_the_calendar_in_rfc_5545(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
async fn on_postgres_the_feed_is_the_calendar_in_rfc_5545() {
    Box::pin(the_feed_is_the_calendar_in_rfc_5545(&Server::start().await)).await;
}

#[tokio::test]
#[ignore = "needs Python's icalendar and recurring-ical-events: bash scripts/ical/check.sh"]
async fn in_memory_an_independent_reader_finds_the_apis_occurrences() {
    Box::pin(an_independent_reader_finds_the_apis_occurrences(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
#[ignore = "needs Python's icalendar and recurring-ical-events: bash scripts/ical/check.sh"]
async fn on_postgres_an_independent_reader_finds_the_apis_occurrences() {
    Box::pin(an_independent_reader_finds_the_apis_occurrences(
        &Server::start().await,
    ))
    .await;
}
