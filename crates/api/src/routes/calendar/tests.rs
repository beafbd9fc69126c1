//! The handlers of `/api/v1/calendar-events`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

macro_rules! post_json {
    ($app:expr, $token:expr, $uri:expr, $body:expr) => {
        test::TestRequest::post()
            .uri($uri)
            .insert_header(bearer($token))
            .set_json($body)
            .send_request($app)
            .await
    };
}

macro_rules! patch_json {
    ($app:expr, $token:expr, $uri:expr, $body:expr) => {
        test::TestRequest::patch()
            .uri($uri)
            .insert_header(bearer($token))
            .set_json($body)
            .send_request($app)
            .await
    };
}

macro_rules! get_json {
    ($app:expr, $token:expr, $uri:expr) => {{
        let response = test::TestRequest::get()
            .uri($uri)
            .insert_header(bearer($token))
            .send_request($app)
            .await;
        assert_eq!(response.status(), 200, "GET {}", $uri);
        let body: Value = test::read_body_json(response).await;
        body
    }};
}

fn fields_named(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

/// The titles of a page, in the order given.
fn titles(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_an_event() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let course = post_json!(
        &app,
        &token,
        "/api/v1/courses",
        json!({ "name": "Biology" })
    );
    let course: Value = test::read_body_json(course).await;

    let created = post_json!(
        &app,
        &token,
        "/api/v1/calendar-events",
        json!({
            "title": "Midterm",
            "description": "Chapters 1-4",
            "startDate": "2026-10-15T09:00:00+02:00",
            "endDate": "2026-10-15T11:00:00+02:00",
            "eventType": "EXAM",
            "location": "Hall B",
            "priority": "HIGH",
            "courseId": course["id"],
        })
    );
    assert_eq!(created.status(), 201);
    let location = created
        .headers()
        .get("Location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let event: Value = test::read_body_json(created).await;
    assert_eq!(
        location,
        format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap())
    );
    assert_eq!(event["startDate"], "2026-10-15T07:00:00Z", "kept in UTC");
    assert_eq!(event["endDate"], "2026-10-15T09:00:00Z");
    assert_eq!(event["eventType"], "EXAM");
    assert_eq!(event["priority"], "HIGH");
    assert_eq!(event["color"], "blue", "blue by default");
    assert_eq!(event["courseId"], course["id"]);
    assert_eq!(event["googleEventId"], Value::Null);
    assert_eq!(get_json!(&app, &token, &location), event);

    // Moving the start alone keeps the stored end.
    let moved = patch_json!(
        &app,
        &token,
        &location,
        json!({ "startDate": "2026-10-15T08:00:00Z", "priority": null, "location": null })
    );
    assert_eq!(moved.status(), 200);
    let moved: Value = test::read_body_json(moved).await;
    assert_eq!(moved["startDate"], "2026-10-15T08:00:00Z");
    assert_eq!(moved["endDate"], "2026-10-15T09:00:00Z");
    assert_eq!(moved["priority"], Value::Null, "null clears");
    assert_eq!(moved["location"], Value::Null);
    assert_eq!(
        moved["description"], "Chapters 1-4",
        "untouched fields stay"
    );

    let open_ended = patch_json!(
        &app,
        &token,
        &location,
        json!({ "endDate": null, "eventType": "DEADLINE", "courseId": null })
    );
    assert_eq!(open_ended.status(), 200);
    let open_ended: Value = test::read_body_json(open_ended).await;
    assert_eq!(open_ended["endDate"], Value::Null, "null clears the end");
    assert_eq!(open_ended["startDate"], "2026-10-15T08:00:00Z");
    assert_eq!(open_ended["eventType"], "DEADLINE");
    assert_eq!(open_ended["courseId"], Value::Null);

    // Without an end, any later start is fine; both may change at once.
    let both = patch_json!(
        &app,
        &token,
        &location,
        json!({ "startDate": "2026-11-01T10:00:00Z", "endDate": "2026-11-01T12:00:00Z" })
    );
    assert_eq!(both.status(), 200);
    let both: Value = test::read_body_json(both).await;
    assert_eq!(both["startDate"], "2026-11-01T10:00:00Z");
    assert_eq!(both["endDate"], "2026-11-01T12:00:00Z");

    let deleted = test::TestRequest::delete()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = test::TestRequest::get()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(gone.status(), 404);
}

#[actix_web::test]
async fn an_event_never_ends_before_it_starts() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let backwards = post_json!(
        &app,
        &token,
        "/api/v1/calendar-events",
        json!({
            "title": "Backwards",
            "startDate": "2026-10-15T10:00:00Z",
            "endDate": "2026-10-15T09:00:00Z",
            "eventType": "LECTURE",
        })
    );
    assert_eq!(backwards.status(), 422);
    let problem: Value = test::read_body_json(backwards).await;
    assert_eq!(fields_named(&problem), ["endDate"]);

    let event = post_json!(
        &app,
        &token,
        "/api/v1/calendar-events",
        json!({
            "title": "Lecture",
            "startDate": "2026-10-15T09:00:00Z",
            "endDate": "2026-10-15T10:00:00Z",
            "eventType": "LECTURE",
        })
    );
    let event: Value = test::read_body_json(event).await;
    let uri = format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap());
    for body in [
        json!({ "startDate": "2026-10-15T11:00:00Z" }),
        json!({ "endDate": "2026-10-15T08:00:00Z" }),
        json!({ "startDate": "2026-10-16T09:00:00Z", "endDate": "2026-10-15T09:00:00Z" }),
    ] {
        let response = patch_json!(&app, &token, &uri, &body);
        assert_eq!(response.status(), 422, "{body}");
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(fields_named(&problem), ["endDate"]);
    }
    assert_eq!(get_json!(&app, &token, &uri), event, "unchanged");
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = post_json!(
        &app,
        &token,
        "/api/v1/calendar-events",
        json!({
            "title": " ",
            "startDate": "2026-10-15T09:00:00Z",
            "eventType": "EXAM",
            "color": "blurple",
        })
    );
    assert_eq!(response.status(), 422);
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(fields_named(&problem), ["title", "color"]);

    for (body, field) in [
        (
            json!({ "title": "x", "startDate": "2026-10-15T09:00:00Z", "eventType": "PARTY" }),
            "eventType",
        ),
        (
            json!({ "title": "x", "startDate": "2026-10-15T09:00:00Z", "eventType": "EXAM",
                    "priority": "SOON" }),
            "priority",
        ),
        (
            json!({ "title": "x", "startDate": "tomorrow", "eventType": "EXAM" }),
            "startDate",
        ),
        (json!({ "title": "x", "eventType": "EXAM" }), "body"),
    ] {
        let response = post_json!(&app, &token, "/api/v1/calendar-events", body);
        assert_eq!(response.status(), 422, "{field}");
        let problem: Value = test::read_body_json(response).await;
        let named = fields_named(&problem)[0].to_owned();
        assert_eq!(named, field);
    }

    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z", "to"),
        ("eventType=exam", "eventType"),
        ("courseId=1", "courseId"),
    ] {
        let response = test::TestRequest::get()
            .uri(&format!("/api/v1/calendar-events?{query}"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(fields_named(&problem), [field], "{query}");
    }
}

#[actix_web::test]
async fn events_are_listed_by_start_date_and_filtered_by_range_course_and_kind() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let course = post_json!(
        &app,
        &token,
        "/api/v1/courses",
        json!({ "name": "Biology" })
    );
    let course: Value = test::read_body_json(course).await;
    // Created out of order, so the list's order is the start date's.
    for body in [
        json!({ "title": "Exam", "startDate": "2026-10-20T09:00:00Z",
                "endDate": "2026-10-20T11:00:00Z", "eventType": "EXAM",
                "courseId": course["id"] }),
        json!({ "title": "Lecture 1", "startDate": "2026-10-01T09:00:00Z",
                "endDate": "2026-10-01T10:00:00Z", "eventType": "LECTURE",
                "courseId": course["id"] }),
        json!({ "title": "Project week", "startDate": "2026-10-05T00:00:00Z",
                "endDate": "2026-10-12T00:00:00Z", "eventType": "ASSIGNMENT" }),
        json!({ "title": "Lecture 2", "startDate": "2026-10-08T09:00:00Z",
                "eventType": "LECTURE" }),
    ] {
        let response = post_json!(&app, &token, "/api/v1/calendar-events", body);
        assert_eq!(response.status(), 201);
    }
    let all = get_json!(&app, &token, "/api/v1/calendar-events");
    assert_eq!(
        titles(&all),
        ["Lecture 1", "Project week", "Lecture 2", "Exam"]
    );

    // From the 7th to the 15th: the project still runs on the 7th; the exam is after.
    let week = get_json!(
        &app,
        &token,
        "/api/v1/calendar-events?from=2026-10-07T00:00:00Z&to=2026-10-15T00:00:00Z"
    );
    assert_eq!(titles(&week), ["Project week", "Lecture 2"]);
    let from = get_json!(
        &app,
        &token,
        "/api/v1/calendar-events?from=2026-10-12T00:00:00Z"
    );
    assert_eq!(
        titles(&from),
        ["Project week", "Exam"],
        "an end at `from` counts"
    );
    let to = get_json!(
        &app,
        &token,
        "/api/v1/calendar-events?to=2026-10-05T00:00:00Z"
    );
    assert_eq!(titles(&to), ["Lecture 1"], "`to` excludes a start at it");

    let course_id = course["id"].as_str().unwrap();
    let by_course = get_json!(
        &app,
        &token,
        &format!("/api/v1/calendar-events?courseId={course_id}")
    );
    assert_eq!(titles(&by_course), ["Lecture 1", "Exam"]);
    let lectures = get_json!(&app, &token, "/api/v1/calendar-events?eventType=LECTURE");
    assert_eq!(titles(&lectures), ["Lecture 1", "Lecture 2"]);
    let combined = get_json!(
        &app,
        &token,
        &format!("/api/v1/calendar-events?eventType=LECTURE&courseId={course_id}")
    );
    assert_eq!(titles(&combined), ["Lecture 1"]);

    // Paging follows the start date too.
    let first = get_json!(&app, &token, "/api/v1/calendar-events?limit=3");
    assert_eq!(titles(&first), ["Lecture 1", "Project week", "Lecture 2"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = get_json!(
        &app,
        &token,
        &format!("/api/v1/calendar-events?limit=3&cursor={cursor}")
    );
    assert_eq!(titles(&second), ["Exam"]);
    assert_eq!(second["nextCursor"], Value::Null);
}

#[actix_web::test]
async fn another_students_event_and_course_are_not_found() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let event = post_json!(
        &app,
        &ada,
        "/api/v1/calendar-events",
        json!({ "title": "Ada's", "startDate": "2026-10-01T09:00:00Z",
                "eventType": "OTHER" })
    );
    let event: Value = test::read_body_json(event).await;
    let uri = format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap());
    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "startDate": "2027-01-01T00:00:00Z" })),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    assert_eq!(get_json!(&app, &ada, &uri), event, "unchanged");
    let bobs = get_json!(&app, &bob, "/api/v1/calendar-events");
    assert_eq!(bobs["items"], json!([]));

    let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
    let course: Value = test::read_body_json(course).await;
    let linked = post_json!(
        &app,
        &bob,
        "/api/v1/calendar-events",
        json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                "eventType": "OTHER", "courseId": course["id"] })
    );
    assert_eq!(linked.status(), 404);
    let missing_document = post_json!(
        &app,
        &bob,
        "/api/v1/calendar-events",
        json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                "eventType": "OTHER", "documentId": uuid::Uuid::new_v4() })
    );
    assert_eq!(missing_document.status(), 404);
}
