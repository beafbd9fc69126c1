//! The handlers of `/api/v1/documents`, driven through the HTTP API.

use serde_json::{Value, json};
use sophie_domain::values::{Color, FileSize, Name, ShortText, Title};
use sophie_domain::{
    CourseId, Document, DocumentStatus, DocumentUpdate, NewCourse, NewDocument, UserId,
};

use crate::state::AppState;
use crate::test_support::{TestApp, state};

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
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = app
        .state
        .repositories
        .courses
        .create(
            ada.user_id(),
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
    let filed = upload(&app.state, ada.user_id(), "Syllabus", Some(course.id)).await;
    let loose = upload(&app.state, ada.user_id(), "Slides", None).await;
    app.state
        .repositories
        .documents
        .update(
            ada.user_id(),
            loose.id,
            DocumentUpdate {
                status: Some(DocumentStatus::Ready),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();

    let all = ada.get_ok("/api/v1/documents").await;
    assert_eq!(titles(&all), ["Slides", "Syllabus"]);
    assert_eq!(all["nextCursor"], Value::Null);
    let by_course = ada
        .get_ok(&format!("/api/v1/documents?courseId={}", course.id))
        .await;
    assert_eq!(titles(&by_course), ["Syllabus"]);
    let ready = ada.get_ok("/api/v1/documents?status=READY").await;
    assert_eq!(titles(&ready), ["Slides"]);
    assert_eq!(ready["items"][0]["status"], "READY");
    let pending = ada.get_ok("/api/v1/documents?status=PENDING&limit=1").await;
    assert_eq!(titles(&pending), ["Syllabus"]);

    let uri = format!("/api/v1/documents/{}", filed.id);
    let read = ada.get_ok(&uri).await;
    assert_eq!(read["fileName"], "Syllabus.pdf");
    assert_eq!(read["mimeType"], "application/pdf");
    assert_eq!(read["fileSize"], 1234);
    assert_eq!(read["courseId"], course.id.to_string());

    let changed = ada
        .patch(&uri, json!({ "title": "Syllabus 2026", "courseId": null }))
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["title"], "Syllabus 2026");
    assert_eq!(changed["courseId"], Value::Null, "null unfiles");
    assert_eq!(changed["status"], "PENDING", "untouched fields stay");

    assert_eq!(ada.delete(&uri).await.status, 204);
    assert_eq!(ada.get(&uri).await.status, 404);
}

#[actix_web::test]
async fn uploading_is_not_implemented_yet() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post("/api/v1/documents", json!({ "title": "Upload" }))
        .await;
    assert_eq!(problem.status, 501);
    assert_eq!(problem["type"], "urn:sophie:problem:not-implemented");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("uploading documents")
    );
    let anonymous = app.anonymous().post_empty("/api/v1/documents").await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let document = upload(&app.state, ada.user_id(), "Notes", None).await;
    let uri = format!("/api/v1/documents/{}", document.id);
    let problem = ada.patch(&uri, json!({ "title": " " })).await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem["errors"][0]["field"], "title");

    // The worker's fields are not the student's to change.
    let refused = ada.patch(&uri, json!({ "status": "READY" })).await;
    assert_eq!(refused.status, 422);

    for (query, field) in [("status=DONE", "status"), ("courseId=42", "courseId")] {
        let problem = ada.get(&format!("/api/v1/documents?{query}")).await;
        assert_eq!(problem.status, 422, "{query}");
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn another_students_document_and_course_are_not_found() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let adas = upload(&app.state, ada.user_id(), "Ada's", None).await;
    let bobs = upload(&app.state, bob.user_id(), "Bob's", None).await;

    let uri = format!("/api/v1/documents/{}", adas.id);
    assert_eq!(bob.get(&uri).await.status, 404);
    assert_eq!(
        bob.patch(&uri, json!({ "title": "Bob's now" }))
            .await
            .status,
        404
    );
    assert_eq!(bob.delete(&uri).await.status, 404);
    let unchanged = ada.get(&uri).await;
    assert_eq!(unchanged["title"], "Ada's");

    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's course" }))
        .await;
    let refiled = bob
        .patch(
            &format!("/api/v1/documents/{}", bobs.id),
            json!({ "courseId": course["id"] }),
        )
        .await;
    assert_eq!(refiled.status, 404);
}
