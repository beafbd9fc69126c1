//! The handlers of `/api/v1/calendar-events`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

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
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;

    let event = ada
        .post(
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
            }),
        )
        .await;
    assert_eq!(event.status, 201);
    let location = event.location.as_deref().unwrap();
    assert_eq!(location, format!("/api/v1/calendar-events/{}", event.id()));
    assert_eq!(event["startDate"], "2026-10-15T07:00:00Z", "kept in UTC");
    assert_eq!(event["endDate"], "2026-10-15T09:00:00Z");
    assert_eq!(event["eventType"], "EXAM");
    assert_eq!(event["priority"], "HIGH");
    assert_eq!(event["color"], "blue", "blue by default");
    assert_eq!(event["courseId"], course["id"]);
    assert_eq!(event["googleEventId"], Value::Null);
    assert_eq!(ada.get_ok(location).await, event.body);

    // Moving the start alone keeps the stored end.
    let moved = ada
        .patch(
            location,
            json!({ "startDate": "2026-10-15T08:00:00Z", "priority": null, "location": null }),
        )
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(moved["startDate"], "2026-10-15T08:00:00Z");
    assert_eq!(moved["endDate"], "2026-10-15T09:00:00Z");
    assert_eq!(moved["priority"], Value::Null, "null clears");
    assert_eq!(moved["location"], Value::Null);
    assert_eq!(
        moved["description"], "Chapters 1-4",
        "untouched fields stay"
    );

    let open_ended = ada
        .patch(
            location,
            json!({ "endDate": null, "eventType": "DEADLINE", "courseId": null }),
        )
        .await;
    assert_eq!(open_ended.status, 200);
    assert_eq!(open_ended["endDate"], Value::Null, "null clears the end");
    assert_eq!(open_ended["startDate"], "2026-10-15T08:00:00Z");
    assert_eq!(open_ended["eventType"], "DEADLINE");
    assert_eq!(open_ended["courseId"], Value::Null);

    // Without an end, any later start is fine; both may change at once.
    let both = ada
        .patch(
            location,
            json!({ "startDate": "2026-11-01T10:00:00Z", "endDate": "2026-11-01T12:00:00Z" }),
        )
        .await;
    assert_eq!(both.status, 200);
    assert_eq!(both["startDate"], "2026-11-01T10:00:00Z");
    assert_eq!(both["endDate"], "2026-11-01T12:00:00Z");

    assert_eq!(ada.delete(location).await.status, 204);
    assert_eq!(ada.get(location).await.status, 404);
}

#[actix_web::test]
async fn an_event_never_ends_before_it_starts() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let backwards = ada
        .post(
            "/api/v1/calendar-events",
            json!({
                "title": "Backwards",
                "startDate": "2026-10-15T10:00:00Z",
                "endDate": "2026-10-15T09:00:00Z",
                "eventType": "LECTURE",
            }),
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert_eq!(backwards.fields(), ["endDate"]);

    let event = ada
        .post(
            "/api/v1/calendar-events",
            json!({
                "title": "Lecture",
                "startDate": "2026-10-15T09:00:00Z",
                "endDate": "2026-10-15T10:00:00Z",
                "eventType": "LECTURE",
            }),
        )
        .await;
    let uri = format!("/api/v1/calendar-events/{}", event.id());
    for body in [
        json!({ "startDate": "2026-10-15T11:00:00Z" }),
        json!({ "endDate": "2026-10-15T08:00:00Z" }),
        json!({ "startDate": "2026-10-16T09:00:00Z", "endDate": "2026-10-15T09:00:00Z" }),
    ] {
        let problem = ada.patch(&uri, &body).await;
        assert_eq!(problem.status, 422, "{body}");
        assert_eq!(problem.fields(), ["endDate"]);
    }
    assert_eq!(ada.get_ok(&uri).await, event.body, "unchanged");
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/calendar-events",
            json!({
                "title": " ",
                "startDate": "2026-10-15T09:00:00Z",
                "eventType": "EXAM",
                "color": "blurple",
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["title", "color"]);

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
        let problem = ada.post("/api/v1/calendar-events", body).await;
        assert_eq!(problem.status, 422, "{field}");
        assert_eq!(problem.fields()[0], field);
    }

    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-13-01T00:00:00Z", "to"),
        ("from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z", "to"),
        ("eventType=exam", "eventType"),
        ("courseId=1", "courseId"),
    ] {
        let problem = ada.get(&format!("/api/v1/calendar-events?{query}")).await;
        assert_eq!(problem.status, 422, "{query}");
        assert_eq!(problem.fields(), [field], "{query}");
    }
}

#[actix_web::test]
async fn events_are_listed_by_start_date_and_filtered_by_range_course_and_kind() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
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
        assert_eq!(ada.post("/api/v1/calendar-events", body).await.status, 201);
    }
    let all = ada.get_ok("/api/v1/calendar-events").await;
    assert_eq!(
        titles(&all),
        ["Lecture 1", "Project week", "Lecture 2", "Exam"]
    );

    // From the 7th to the 15th: the project still runs on the 7th; the exam is after.
    let week = ada
        .get_ok("/api/v1/calendar-events?from=2026-10-07T00:00:00Z&to=2026-10-15T00:00:00Z")
        .await;
    assert_eq!(titles(&week), ["Project week", "Lecture 2"]);
    let from = ada
        .get_ok("/api/v1/calendar-events?from=2026-10-12T00:00:00Z")
        .await;
    assert_eq!(
        titles(&from),
        ["Project week", "Exam"],
        "an end at `from` counts"
    );
    let to = ada
        .get_ok("/api/v1/calendar-events?to=2026-10-05T00:00:00Z")
        .await;
    assert_eq!(titles(&to), ["Lecture 1"], "`to` excludes a start at it");

    let course_id = course.id();
    let by_course = ada
        .get_ok(&format!("/api/v1/calendar-events?courseId={course_id}"))
        .await;
    assert_eq!(titles(&by_course), ["Lecture 1", "Exam"]);
    let lectures = ada
        .get_ok("/api/v1/calendar-events?eventType=LECTURE")
        .await;
    assert_eq!(titles(&lectures), ["Lecture 1", "Lecture 2"]);
    let combined = ada
        .get_ok(&format!(
            "/api/v1/calendar-events?eventType=LECTURE&courseId={course_id}"
        ))
        .await;
    assert_eq!(titles(&combined), ["Lecture 1"]);

    // Paging follows the start date too.
    let first = ada.get_ok("/api/v1/calendar-events?limit=3").await;
    assert_eq!(titles(&first), ["Lecture 1", "Project week", "Lecture 2"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = ada
        .get_ok(&format!("/api/v1/calendar-events?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(titles(&second), ["Exam"]);
    assert_eq!(second["nextCursor"], Value::Null);
}

#[actix_web::test]
async fn another_students_event_and_course_are_not_found() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let event = ada
        .post(
            "/api/v1/calendar-events",
            json!({ "title": "Ada's", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER" }),
        )
        .await;
    let uri = format!("/api/v1/calendar-events/{}", event.id());
    for request in [
        TestRequest::get().uri(&uri),
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "startDate": "2027-01-01T00:00:00Z" })),
        TestRequest::delete().uri(&uri),
    ] {
        assert_eq!(bob.send(request).await.status, 404);
    }
    assert_eq!(ada.get_ok(&uri).await, event.body, "unchanged");
    let bobs = bob.get_ok("/api/v1/calendar-events").await;
    assert_eq!(bobs["items"], json!([]));

    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's" }))
        .await;
    let linked = bob
        .post(
            "/api/v1/calendar-events",
            json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER", "courseId": course["id"] }),
        )
        .await;
    assert_eq!(linked.status, 404);
    let missing_document = bob
        .post(
            "/api/v1/calendar-events",
            json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER", "documentId": uuid::Uuid::new_v4() }),
        )
        .await;
    assert_eq!(missing_document.status, 404);
}
