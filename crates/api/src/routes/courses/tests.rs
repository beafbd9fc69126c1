//! The handlers of `/api/v1/courses`, driven through the HTTP API.

use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_a_course() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;

    let course = ada
        .post(
            "/api/v1/courses",
            json!({ "name": "Linear Algebra", "code": "MATH 221" }),
        )
        .await;
    assert_eq!(course.status, 201);
    let location = course.location.as_deref().unwrap();
    assert_eq!(course["color"], "blue");
    assert_eq!(location, format!("/api/v1/courses/{}", course.id()));

    let changed = ada
        .patch(location, json!({ "code": null, "term": "Fall 2026" }))
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["code"], Value::Null, "null clears the code");
    assert_eq!(changed["term"], "Fall 2026");
    assert_eq!(changed["name"], "Linear Algebra", "untouched fields stay");

    assert_eq!(ada.delete(location).await.status, 204);
    assert_eq!(ada.get(location).await.status, 404);
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/courses",
            json!({ "name": " ", "color": "blurple" }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(
        problem.header("Content-Type"),
        Some("application/problem+json")
    );
    assert_eq!(problem.fields(), ["name", "color"]);
}

#[actix_web::test]
async fn another_students_course_is_not_found_and_no_session_is_unauthorized() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's course" }))
        .await;
    let uri = format!("/api/v1/courses/{}", course.id());
    assert_eq!(bob.get(&uri).await.status, 404);
    assert_eq!(bob.delete(&uri).await.status, 404);
    assert_eq!(app.anonymous().get("/api/v1/courses").await.status, 401);
    assert_eq!(ada.get("/api/v1/courses/not-a-uuid").await.status, 404);
}
