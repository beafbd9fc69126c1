//! Repeating events over HTTP, on memory and on PostgreSQL: a weekly lecture keeps its local
//! time across both daylight-saving changes in Berlin and in New York, `EXDATE`, `COUNT` and
//! `UNTIL` bound it, one occurrence is moved and another cancelled, an all-day block stays on
//! its dates, and bad rules, zones and ranges are refused naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};

use server::Server;

async fn create(server: &Server, token: &str, body: Value) -> Value {
    server
        .expect(
            201,
            Method::POST,
            "/api/v1/calendar-events",
            Some(token),
            Some(body),
        )
        .await
}

/// Every occurrence in the range, following the cursor.
async fn occurrences(server: &Server, token: &str, from: &str, to: &str) -> Vec<Value> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/calendar-events?from={from}&to={to}&limit=25");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = server
            .expect(200, Method::GET, &path, Some(token), None)
            .await;
        found.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

/// The occurrences' starts as wall times in `zone`.
fn local(zone: Tz, items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|o| {
            instant(&o["occurrenceStart"])
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .collect()
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn repeating_events_hold_their_local_time(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let berlin: Tz = "Europe/Berlin".parse().unwrap();
    let new_york: Tz = "America/New_York".parse().unwrap();

    // Mondays 10:00 in Berlin, 15 March to 8 November 2027, but not on 5 April.
    let lecture = create(
        server,
        &ada,
        json!({
            "title": "Cell biology", "eventType": "LECTURE",
            "startDate": "2027-03-15T09:00:00Z", "endDate": "2027-03-15T10:30:00Z",
            "timeZone": "Europe/Berlin",
            "recurrence": [
                "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20271108T235959Z",
                "EXDATE;TZID=Europe/Berlin:20270405T100000"
            ],
            "reminders": [30, 10]
        }),
    )
    .await;
    assert_eq!(lecture["timeZone"], "Europe/Berlin");
    assert_eq!(lecture["reminders"], json!([10, 30]));
    let id = lecture["id"].as_str().unwrap();

    let found = occurrences(server, &ada, "2027-03-01T00:00:00Z", "2027-12-31T00:00:00Z").await;
    assert_eq!(found.len(), 34, "35 Mondays, one excluded");
    assert!(local(berlin, &found).iter().all(|t| t.ends_with(" 10:00")));
    assert!(!local(berlin, &found).contains(&"2027-04-05 10:00".to_owned()));
    // Before 28 March, between, and after 31 October: 09:00, 08:00 and 09:00 UTC.
    let utc: Vec<String> = [0, 2, 33]
        .iter()
        .map(|i| {
            instant(&found[*i]["occurrenceStart"])
                .format("%H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(utc, ["09:00", "08:00", "09:00"]);
    for o in &found {
        assert_eq!(o["eventId"], id);
        assert_eq!(o["title"], "Cell biology");
        assert_eq!(
            instant(&o["occurrenceEnd"]) - instant(&o["occurrenceStart"]),
            chrono::TimeDelta::minutes(90)
        );
    }

    // Mondays and Wednesdays 09:30 in New York, 20 times: across 14 March.
    create(
        server,
        &ada,
        json!({
            "title": "Statistics", "eventType": "LECTURE",
            "startDate": "2027-03-01T14:30:00Z", "timeZone": "America/New_York",
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20"]
        }),
    )
    .await;
    let found = occurrences(server, &ada, "2027-02-01T00:00:00Z", "2027-07-01T00:00:00Z").await;
    let statistics: Vec<Value> = found
        .into_iter()
        .filter(|o| o["title"] == "Statistics")
        .collect();
    assert_eq!(statistics.len(), 20, "COUNT");
    assert!(
        local(new_york, &statistics)
            .iter()
            .all(|t| t.ends_with(" 09:30"))
    );
    assert_eq!(
        instant(&statistics[19]["occurrenceStart"])
            .format("%H:%M")
            .to_string(),
        "13:30",
        "EDT after 14 March"
    );

    // One lecture moved to Tuesday afternoon in another room, the next one cancelled.
    let moved = server
        .expect(
            200,
            Method::PUT,
            &format!("/api/v1/calendar-events/{id}/occurrences/2027-05-03T08:00:00Z"),
            Some(&ada),
            Some(json!({ "startDate": "2027-05-04T13:00:00Z", "location": "Room 2" })),
        )
        .await;
    assert_eq!(moved["endDate"], "2027-05-04T14:30:00Z");
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/calendar-events/{id}/occurrences/2027-05-10T08:00:00Z"),
            Some(&ada),
            None,
        )
        .await;
    let may = occurrences(server, &ada, "2027-05-01T00:00:00Z", "2027-05-20T00:00:00Z").await;
    let may: Vec<&Value> = may.iter().filter(|o| o["eventId"] == id).collect();
    assert_eq!(may.len(), 2, "{may:?}");
    assert_eq!(may[0]["occurrenceStart"], "2027-05-04T13:00:00Z");
    assert_eq!(may[0]["originalStart"], "2027-05-03T08:00:00Z");
    assert_eq!(may[0]["location"], "Room 2");
    assert_eq!(may[1]["occurrenceStart"], "2027-05-17T08:00:00Z");
    // Changing nothing restores the cancelled one.
    server
        .expect(
            200,
            Method::PUT,
            &format!("/api/v1/calendar-events/{id}/occurrences/2027-05-10T08:00:00Z"),
            Some(&ada),
            Some(json!({})),
        )
        .await;
    let may = occurrences(server, &ada, "2027-05-01T00:00:00Z", "2027-05-20T00:00:00Z").await;
    assert_eq!(may.iter().filter(|o| o["eventId"] == id).count(), 3);

    // Not an occurrence, not a repeating event, not hers.
    server
        .expect(
            404,
            Method::PUT,
            &format!("/api/v1/calendar-events/{id}/occurrences/2027-05-04T08:00:00Z"),
            Some(&ada),
            Some(json!({})),
        )
        .await;
    let once = create(
        server,
        &ada,
        json!({ "title": "Exam", "eventType": "EXAM", "startDate": "2027-06-01T08:00:00Z" }),
    )
    .await;
    let refused = server
        .expect(
            422,
            Method::DELETE,
            &format!(
                "/api/v1/calendar-events/{}/occurrences/2027-06-01T08:00:00Z",
                once["id"].as_str().unwrap()
            ),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(fields(&refused), ["recurrence"]);
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    server
        .expect(
            404,
            Method::DELETE,
            &format!("/api/v1/calendar-events/{id}/occurrences/2027-05-17T08:00:00Z"),
            Some(&bob),
            None,
        )
        .await;
    assert!(
        occurrences(server, &bob, "2027-03-01T00:00:00Z", "2027-12-31T00:00:00Z")
            .await
            .is_empty()
    );

    // A two-day block every week, on its local dates across the change.
    let start = berlin.with_ymd_and_hms(2027, 3, 22, 0, 0, 0).unwrap();
    let block = create(
        server,
        &ada,
        json!({
            "title": "Lab block", "eventType": "LAB", "allDay": true,
            "startDate": start.with_timezone(&Utc).to_rfc3339(),
            "endDate": (start + chrono::TimeDelta::days(2)).with_timezone(&Utc).to_rfc3339(),
            "timeZone": "Europe/Berlin",
            "recurrence": ["RRULE:FREQ=WEEKLY;UNTIL=20270405"]
        }),
    )
    .await;
    let found = occurrences(server, &ada, "2027-03-20T00:00:00Z", "2027-04-20T00:00:00Z").await;
    let blocks: Vec<Value> = found
        .into_iter()
        .filter(|o| o["eventId"] == block["id"])
        .collect();
    assert_eq!(
        local(berlin, &blocks),
        ["2027-03-22 00:00", "2027-03-29 00:00", "2027-04-05 00:00"]
    );
    let end = instant(&blocks[1]["occurrenceEnd"]).with_timezone(&berlin);
    assert_eq!(end.format("%Y-%m-%d %H:%M").to_string(), "2027-03-31 00:00");
}

async fn bad_rules_zones_and_ranges_are_named(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let event = |extra: Value| {
        let mut body = json!({
            "title": "Lecture", "eventType": "LECTURE", "startDate": "2027-03-15T09:00:00Z"
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, field) in [
        (json!({ "timeZone": "Mars/Olympus" }), "timeZone"),
        (
            json!({ "recurrence": ["RRULE:FREQ=SOMETIMES"] }),
            "recurrence",
        ),
        (json!({ "recurrence": ["EXRULE:FREQ=DAILY"] }), "recurrence"),
        (json!({ "allDay": true }), "startDate"),
        (
            json!({ "startDate": "2027-03-15T09:00:00.500Z", "recurrence": ["RRULE:FREQ=DAILY"] }),
            "startDate",
        ),
        (
            json!({ "recurrence": ["RRULE:FREQ=YEARLY;BYMINUTE=0,15,30,45"] }),
            "recurrence",
        ),
        (json!({ "reminders": [50_000] }), "reminders"),
    ] {
        let refused = server
            .expect(
                422,
                Method::POST,
                "/api/v1/calendar-events",
                Some(&ada),
                Some(event(extra.clone())),
            )
            .await;
        assert_eq!(fields(&refused), [field], "{extra}: {refused}");
    }
    // A change that would make the stored rule unreadable is refused too.
    let lecture = create(
        server,
        &ada,
        event(json!({ "recurrence": ["RRULE:FREQ=DAILY;UNTIL=20270401T000000Z"] })),
    )
    .await;
    let refused = server
        .expect(
            422,
            Method::PATCH,
            &format!(
                "/api/v1/calendar-events/{}",
                lecture["id"].as_str().unwrap()
            ),
            Some(&ada),
            Some(json!({ "startDate": "2027-05-01T09:00:00Z" })),
        )
        .await;
    assert_eq!(
        fields(&refused),
        ["recurrence"],
        "UNTIL before the new start"
    );

    // Ranges: at most 366 days, at most 5,000 occurrences.
    let refused = server
        .expect(
            422,
            Method::GET,
            "/api/v1/calendar-events?from=2027-01-01T00:00:00Z&to=2028-06-01T00:00:00Z",
            Some(&ada),
            None,
        )
        .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("366 days"),
        "{refused}"
    );
    create(
        server,
        &ada,
        event(json!({ "recurrence": ["RRULE:FREQ=HOURLY"] })),
    )
    .await;
    let refused = server
        .expect(
            422,
            Method::GET,
            "/api/v1/calendar-events?from=2027-01-01T00:00:00Z&to=2027-12-31T00:00:00Z",
            Some(&ada),
            None,
        )
        .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("5000"),
        "{refused}"
    );
}

#[tokio::test]
async fn in_memory_repeating_events_hold_their_local_time() {
    Box::pin(repeating_events_hold_their_local_time(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
async fn on_postgres_repeating_events_hold_their_local_time() {
    Box::pin(repeating_events_hold_their_local_time(
        &Server::start().await,
    ))
    .await;
}

#[tokio::test]
async fn in_memory_bad_rules_zones_and_ranges_are_named() {
    Box::pin(bad_rules_zones_and_ranges_are_named(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
async fn on_postgres_bad_rules_zones_and_ranges_are_named() {
    Box::pin(bad_rules_zones_and_ranges_are_named(&Server::start().await)).await;
}

/// The student's `EVENT_REMINDER` notifications linking to `event`.
async fn reminders_of(server: &Server, token: &str, event: &str) -> Vec<Value> {
    let notifications = server
        .expect(
            200,
            Method::GET,
            "/api/v1/notifications?limit=100",
            Some(token),
            None,
        )
        .await;
    let link = format!("/api/v1/calendar-events/{event}");
    notifications["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "EVENT_REMINDER" && n["link"] == link.as_str())
        .cloned()
        .collect()
}

async fn reminders_arrive_once_from_the_worker(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let now = Utc::now();
    let at = |minutes: i64| (now + chrono::TimeDelta::minutes(minutes)).to_rfc3339();
    // Office hours in twenty minutes, with a reminder an hour before: due at once.
    let soon = create(
        server,
        &ada,
        json!({"title": "Office hours", "eventType": "OFFICE_HOURS", "startDate": at(20),
               "reminders": [60]}),
    )
    .await;
    let soon = soon["id"].as_str().unwrap().to_owned();
    // An exam in three hours, reminded an hour before: not yet.
    let later = create(
        server,
        &ada,
        json!({"title": "Exam", "eventType": "EXAM", "startDate": at(180), "reminders": [60]}),
    )
    .await;
    let later = later["id"].as_str().unwrap().to_owned();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let sent = loop {
        let sent = reminders_of(server, &ada, &soon).await;
        if !sent.is_empty() || std::time::Instant::now() > deadline {
            break sent;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["title"], "Office hours");

    // A change schedules the reminder again; it is not sent twice.
    server
        .expect(
            200,
            Method::PATCH,
            &format!("/api/v1/calendar-events/{soon}"),
            Some(&ada),
            Some(json!({"location": "Room 4"})),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(reminders_of(server, &ada, &soon).await.len(), 1);
    assert!(reminders_of(server, &ada, &later).await.is_empty());

    // Left out, reminders are the priority's.
    let urgent = create(
        server,
        &ada,
        json!({"title": "Thesis due", "eventType": "DEADLINE", "priority": "URGENT",
               "startDate": at(10_000)}),
    )
    .await;
    assert_eq!(urgent["reminders"], json!([60, 1440]));
    let low = create(
        server,
        &ada,
        json!({"title": "Reading", "eventType": "OTHER", "priority": "LOW",
               "startDate": at(10_000)}),
    )
    .await;
    assert_eq!(low["reminders"], json!([]));

    // A student's own defaults come before the priority's; given ones before both.
    let me = server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me",
            Some(&ada),
            Some(json!({"defaultReminders": [30, 2880, 30]})),
        )
        .await;
    assert_eq!(me["defaultReminders"], json!([30, 2880]));
    let mine = create(
        server,
        &ada,
        json!({"title": "Essay due", "eventType": "DEADLINE", "priority": "URGENT",
               "startDate": at(10_000)}),
    )
    .await;
    assert_eq!(mine["reminders"], json!([30, 2880]));
    let given = create(
        server,
        &ada,
        json!({"title": "Lab", "eventType": "LAB", "reminders": [5],
               "startDate": at(10_000)}),
    )
    .await;
    assert_eq!(given["reminders"], json!([5]));
    let body = server
        .expect(
            422,
            Method::PATCH,
            "/api/v1/me",
            Some(&ada),
            Some(json!({"defaultReminders": [1, 2, 3, 4, 5, 6]})),
        )
        .await;
    assert_eq!(body["errors"][0]["field"], "defaultReminders");
    server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me",
            Some(&ada),
            Some(json!({"defaultReminders": null})),
        )
        .await;
    let back = create(
        server,
        &ada,
        json!({"title": "Thesis draft", "eventType": "DEADLINE", "priority": "HIGH",
               "startDate": at(10_000)}),
    )
    .await;
    assert_eq!(back["reminders"], json!([1440]));
}

#[tokio::test]
async fn in_memory_reminders_arrive_once_from_the_worker() {
    Box::pin(reminders_arrive_once_from_the_worker(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
async fn on_postgres_reminders_arrive_once_from_the_worker() {
    Box::pin(reminders_arrive_once_from_the_worker(
        &Server::start().await,
    ))
    .await;
}

async fn the_agenda_names_what_to_study(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let post = |path: &'static str, body: Value| {
        let ada = ada.clone();
        async move {
            server
                .expect(201, Method::POST, path, Some(&ada), Some(body))
                .await
        }
    };
    let course = post("/api/v1/courses", json!({"name": "Biology"})).await;
    let course = course["id"].as_str().unwrap().to_owned();
    let set = post(
        "/api/v1/flashcard-sets",
        json!({"title": "Organelles", "difficulty": "EASY", "courseId": course, "flashcards": [
            {"question": "What makes ATP?", "answer": "The mitochondria"},
            {"question": "Where is the DNA?", "answer": "In the nucleus"},
        ]}),
    )
    .await;
    // One card reviewed (and forgotten): it comes due again within minutes.
    let card = set["flashcards"][0]["id"].as_str().unwrap().to_owned();
    server
        .expect(
            201,
            Method::POST,
            &format!("/api/v1/flashcards/{card}/reviews"),
            Some(&ada),
            Some(json!({"rating": "AGAIN"})),
        )
        .await;
    let question = json!([{"type": "TRUE_FALSE", "question": "The nucleus holds DNA.",
                           "correctAnswer": "true", "points": 1}]);
    let taken = post(
        "/api/v1/quizzes",
        json!({"title": "Taken", "difficulty": "EASY", "courseId": course, "questions": question}),
    )
    .await;
    let to_take = post(
        "/api/v1/quizzes",
        json!({"title": "To take", "difficulty": "EASY", "courseId": course, "questions": question}),
    )
    .await;
    post(
        "/api/v1/quizzes",
        json!({"title": "Another course's", "difficulty": "EASY", "questions": question}),
    )
    .await;
    let answer =
        json!({"answers": [{"questionId": taken["questions"][0]["id"], "answer": "true"}]});
    server
        .expect(
            201,
            Method::POST,
            &format!(
                "/api/v1/quizzes/{}/responses",
                taken["id"].as_str().unwrap()
            ),
            Some(&ada),
            Some(answer),
        )
        .await;

    let in_days = |days: i64| (Utc::now() + chrono::TimeDelta::days(days)).to_rfc3339();
    let exam = create(
        server,
        &ada,
        json!({"title": "Biology exam", "eventType": "EXAM", "courseId": course,
               "startDate": in_days(2)}),
    )
    .await;
    create(
        server,
        &ada,
        json!({"title": "Dentist", "eventType": "OTHER", "startDate": in_days(3)}),
    )
    .await;
    create(
        server,
        &ada,
        json!({"title": "Next month", "eventType": "OTHER", "startDate": in_days(20)}),
    )
    .await;

    let agenda = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar/agenda",
            Some(&ada),
            None,
        )
        .await;
    let items = agenda["items"].as_array().unwrap();
    let titles: Vec<&str> = items
        .iter()
        .map(|i| i["occurrence"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Biology exam", "Dentist"],
        "a week ahead, earliest first"
    );
    assert_eq!(items[0]["occurrence"]["eventId"], exam["id"]);
    let study = &items[0]["study"];
    assert_eq!(study["courseId"], course.as_str());
    assert_eq!(study["dueFlashcards"], 1, "{study}");
    assert_eq!(
        study["quizzes"],
        json!([{"id": to_take["id"], "title": "To take"}])
    );
    assert!(items[1]["study"].is_null());

    let month = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar/agenda?days=31",
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(month["items"].as_array().unwrap().len(), 3);
    for days in ["0", "32", "x"] {
        server
            .expect(
                422,
                Method::GET,
                &format!("/api/v1/calendar/agenda?days={days}"),
                Some(&ada),
                None,
            )
            .await;
    }
}

#[tokio::test]
async fn in_memory_the_agenda_names_what_to_study() {
    Box::pin(the_agenda_names_what_to_study(
        &Server::start_in_memory().await,
    ))
    .await;
}

#[tokio::test]
async fn on_postgres_the_agenda_names_what_to_study() {
    Box::pin(the_agenda_names_what_to_study(&Server::start().await)).await;
}
