//! The handlers of `/api/v1/courses`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_a_course() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;

    let created = test::TestRequest::post()
        .uri("/api/v1/courses")
        .insert_header(bearer(&token))
        .set_json(json!({ "name": "Linear Algebra", "code": "MATH 221" }))
        .send_request(&app)
        .await;
    assert_eq!(created.status(), 201);
    let location = created
        .headers()
        .get("Location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let course: Value = test::read_body_json(created).await;
    assert_eq!(course["color"], "blue");
    assert_eq!(
        location,
        format!("/api/v1/courses/{}", course["id"].as_str().unwrap())
    );

    let changed = test::TestRequest::patch()
        .uri(&location)
        .insert_header(bearer(&token))
        .set_json(json!({ "code": null, "term": "Fall 2026" }))
        .send_request(&app)
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = test::read_body_json(changed).await;
    assert_eq!(changed["code"], Value::Null, "null clears the code");
    assert_eq!(changed["term"], "Fall 2026");
    assert_eq!(changed["name"], "Linear Algebra", "untouched fields stay");

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
async fn bad_input_is_named_field_by_field() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = test::TestRequest::post()
        .uri("/api/v1/courses")
        .insert_header(bearer(&token))
        .set_json(json!({ "name": " ", "color": "blurple" }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers().get("Content-Type").unwrap(),
        "application/problem+json"
    );
    let problem: Value = test::read_body_json(response).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "color"]);
}

#[actix_web::test]
async fn another_students_course_is_not_found_and_no_session_is_unauthorized() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let created: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&ada))
            .set_json(json!({ "name": "Ada's course" }))
            .to_request(),
    )
    .await;
    let uri = format!("/api/v1/courses/{}", created["id"].as_str().unwrap());
    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    let anonymous = test::TestRequest::get()
        .uri("/api/v1/courses")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
    let not_a_uuid = test::TestRequest::get()
        .uri("/api/v1/courses/not-a-uuid")
        .insert_header(bearer(&ada))
        .send_request(&app)
        .await;
    assert_eq!(not_a_uuid.status(), 404);
}
