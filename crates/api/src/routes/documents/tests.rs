//! The handlers of `/api/v1/documents`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};
use sophie_domain::values::{Color, FileSize, Name, ShortText, Title};
use sophie_domain::{
    CourseId, Document, DocumentStatus, DocumentUpdate, NewCourse, NewDocument, UserId,
};

use crate::state::AppState;
use crate::test_support::{app, bearer, signed_in, state};

async fn upload(
    state: &AppState,
    user: UserId,
    title: &str,
    course_id: Option<CourseId>,
) -> Document {
    state
        .repositories
        .documents
        .create(
            user,
            NewDocument {
                course_id,
                title: Title::parse(title).unwrap(),
                file_name: ShortText::parse(format!("{title}.pdf")).unwrap(),
                mime_type: ShortText::parse("application/pdf").unwrap(),
                file_size: FileSize::new(1234).unwrap(),
                storage_key: format!("{user}/{title}"),
                checksum_sha256: "0".repeat(64),
            },
        )
        .await
        .unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    let mut titles: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

#[actix_web::test]
async fn a_student_lists_reads_renames_refiles_and_deletes_a_document() {
    let state = state();
    let (ada, token) = signed_in(&state, "ada@example.com").await;
    let course = state
        .repositories
        .courses
        .create(
            ada,
            NewCourse {
                name: Name::parse("Biology").unwrap(),
                code: None,
                description: None,
                color: Color::default(),
                term: None,
                instructor: None,
            },
        )
        .await
        .unwrap();
    let filed = upload(&state, ada, "Syllabus", Some(course.id)).await;
    let loose = upload(&state, ada, "Slides", None).await;
    state
        .repositories
        .documents
        .update(
            ada,
            loose.id,
            DocumentUpdate {
                status: Some(DocumentStatus::Ready),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();
    let app = app(state).await;
    let get = |uri: String| {
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&token))
            .to_request()
    };

    let all: Value = test::call_and_read_body_json(&app, get("/api/v1/documents".into())).await;
    assert_eq!(titles(&all), ["Slides", "Syllabus"]);
    assert_eq!(all["nextCursor"], Value::Null);
    let by_course: Value = test::call_and_read_body_json(
        &app,
        get(format!("/api/v1/documents?courseId={}", course.id)),
    )
    .await;
    assert_eq!(titles(&by_course), ["Syllabus"]);
    let ready: Value =
        test::call_and_read_body_json(&app, get("/api/v1/documents?status=READY".into())).await;
    assert_eq!(titles(&ready), ["Slides"]);
    assert_eq!(ready["items"][0]["status"], "READY");
    let pending: Value =
        test::call_and_read_body_json(&app, get("/api/v1/documents?status=PENDING&limit=1".into()))
            .await;
    assert_eq!(titles(&pending), ["Syllabus"]);

    let uri = format!("/api/v1/documents/{}", filed.id);
    let read: Value = test::call_and_read_body_json(&app, get(uri.clone())).await;
    assert_eq!(read["fileName"], "Syllabus.pdf");
    assert_eq!(read["mimeType"], "application/pdf");
    assert_eq!(read["fileSize"], 1234);
    assert_eq!(read["courseId"], course.id.to_string());

    let changed = test::TestRequest::patch()
        .uri(&uri)
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "Syllabus 2026", "courseId": null }))
        .send_request(&app)
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = test::read_body_json(changed).await;
    assert_eq!(changed["title"], "Syllabus 2026");
    assert_eq!(changed["courseId"], Value::Null, "null unfiles");
    assert_eq!(changed["status"], "PENDING", "untouched fields stay");

    let deleted = test::TestRequest::delete()
        .uri(&uri)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = test::call_service(&app, get(uri)).await;
    assert_eq!(gone.status(), 404);
}

#[actix_web::test]
async fn uploading_is_not_implemented_yet() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = test::TestRequest::post()
        .uri("/api/v1/documents")
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "Upload" }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 501);
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(problem["type"], "urn:sophie:problem:not-implemented");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("uploading documents")
    );
    let anonymous = test::TestRequest::post()
        .uri("/api/v1/documents")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let state = state();
    let (ada, token) = signed_in(&state, "ada@example.com").await;
    let document = upload(&state, ada, "Notes", None).await;
    let app = app(state).await;
    let response = test::TestRequest::patch()
        .uri(&format!("/api/v1/documents/{}", document.id))
        .insert_header(bearer(&token))
        .set_json(json!({ "title": " " }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(problem["errors"][0]["field"], "title");

    // The worker's fields are not the student's to change.
    let response = test::TestRequest::patch()
        .uri(&format!("/api/v1/documents/{}", document.id))
        .insert_header(bearer(&token))
        .set_json(json!({ "status": "READY" }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 422);

    for (query, field) in [("status=DONE", "status"), ("courseId=42", "courseId")] {
        let response = test::TestRequest::get()
            .uri(&format!("/api/v1/documents?{query}"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn another_students_document_and_course_are_not_found() {
    let state = state();
    let (ada, ada_token) = signed_in(&state, "ada@example.com").await;
    let (bob, bob_token) = signed_in(&state, "bob@example.com").await;
    let adas = upload(&state, ada, "Ada's", None).await;
    let bobs = upload(&state, bob, "Bob's", None).await;
    let app = app(state).await;

    let uri = format!("/api/v1/documents/{}", adas.id);
    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request
            .insert_header(bearer(&bob_token))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 404);
    }
    let unchanged: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&ada_token))
            .to_request(),
    )
    .await;
    assert_eq!(unchanged["title"], "Ada's");

    let course: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&ada_token))
            .set_json(json!({ "name": "Ada's course" }))
            .to_request(),
    )
    .await;
    let refiled = test::TestRequest::patch()
        .uri(&format!("/api/v1/documents/{}", bobs.id))
        .insert_header(bearer(&bob_token))
        .set_json(json!({ "courseId": course["id"] }))
        .send_request(&app)
        .await;
    assert_eq!(refiled.status(), 404);
}
