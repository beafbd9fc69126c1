//! The handlers of `/api/v1/documents`, driven through the HTTP API.

use serde_json::{Value, json};
use sophie_domain::values::{Color, FileSize, Name, ShortText, Title};
use sophie_domain::{
    CourseId, Document, DocumentStatus, DocumentUpdate, NewCourse, NewDocument, UserId,
};

use std::sync::Arc;
use std::time::Duration;

use sophie_domain::jobs::{Job, ProcessDocument, decode};
use sophie_domain::memory::MemoryJobQueue;
use sophie_domain::{DocumentId, JobQueue};

use crate::state::AppState;
use crate::test_support::{TestApp, state, state_with_queue};

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
async fn uploading_needs_a_session() {
    let app = TestApp::start(state()).await;
    let anonymous = app
        .anonymous()
        .post_multipart("/api/v1/documents", &[("file", Some("a.txt"), b"text")])
        .await;
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

/// Enough of a PDF for the type to be found from its bytes.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

#[actix_web::test]
async fn an_upload_is_stored_answered_202_and_queued_for_processing() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let reply = ada
        .post_multipart(
            "/api/v1/documents",
            &[
                ("file", Some("Week 1 – cells.pdf"), PDF),
                ("title", None, b"Cells"),
            ],
        )
        .await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply["status"], "PENDING");
    assert_eq!(reply["title"], "Cells");
    assert_eq!(reply["fileName"], "Week 1 – cells.pdf");
    assert_eq!(reply["mimeType"], "application/pdf");
    assert_eq!(reply["fileSize"], PDF.len());
    assert_eq!(
        reply["checksumSha256"].as_str().unwrap().len(),
        64,
        "{reply}"
    );
    let location = reply.location.clone().unwrap();
    assert_eq!(location, format!("/api/v1/documents/{}", reply.id()));
    assert_eq!(ada.get_ok(&location).await["status"], "PENDING");

    // The processing job is waiting for a worker.
    let job = queue
        .claim(
            "w".into(),
            vec![ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("a processing job");
    let job: ProcessDocument = decode(&job).unwrap();
    assert_eq!(job.document_id.to_string(), reply.id());
    assert_eq!(job.user_id, ada.user_id());

    // The original bytes come back, as an attachment that cannot be rendered in place.
    let file = ada.get(&format!("{location}/file")).await;
    assert_eq!(file.status, 200);
    assert_eq!(&file.raw[..], PDF);
    assert_eq!(file.header("Content-Type"), Some("application/pdf"));
    assert_eq!(file.header("X-Content-Type-Options"), Some("nosniff"));
    let disposition = file.header("Content-Disposition").unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''Week%201%20%E2%80%93%20cells.pdf"),
        "{disposition}"
    );

    // Nobody else can read, download or reprocess it.
    let bob = app.signed_in("bob@example.com").await;
    assert_eq!(bob.get(&format!("{location}/file")).await.status, 404);
    assert_eq!(
        bob.post_empty(&format!("{location}/reprocess"))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn the_title_defaults_to_the_file_name_and_text_is_found_from_the_bytes() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let reply = ada
        .post_multipart(
            "/api/v1/documents",
            &[(
                "file",
                Some("../notes/photosynthesis.pdf"),
                b"Light reactions happen in the thylakoid.",
            )],
        )
        .await;
    assert_eq!(reply.status, 202, "{reply}");
    // Named .pdf, but plain text inside: the bytes decide.
    assert_eq!(reply["mimeType"], "text/plain");
    assert_eq!(reply["title"], "photosynthesis");
    assert_eq!(reply["fileName"], "photosynthesis.pdf");
}

#[actix_web::test]
async fn uploads_that_cannot_be_taken_say_why() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let reply = ada
        .post_multipart("/api/v1/documents", &[("file", Some("slides.pdf"), png)])
        .await;
    assert_eq!(reply.status, 415, "{reply}");
    assert_eq!(reply.fields(), ["file"]);
    assert!(
        reply["detail"]
            .as_str()
            .unwrap()
            .contains("the file is a PNG image, which sophie cannot read"),
        "{reply}"
    );

    // Over the limit (1 MiB in these tests).
    let big = vec![b'a'; 1024 * 1024 + 1];
    let reply = ada
        .post_multipart("/api/v1/documents", &[("file", Some("big.txt"), &big)])
        .await;
    assert_eq!(reply.status, 413, "{reply}");
    assert!(
        reply["detail"]
            .as_str()
            .unwrap()
            .contains("1048576 bytes (1 MiB)"),
        "{reply}"
    );

    let reply = ada.post("/api/v1/documents", json!({"file": "x"})).await;
    assert_eq!(reply.status, 415, "{reply}");

    let reply = ada
        .post_multipart("/api/v1/documents", &[("title", None, b"No file")])
        .await;
    assert_eq!(reply.status, 422, "{reply}");
    assert_eq!(reply.fields(), ["file"]);

    let reply = ada
        .post_multipart(
            "/api/v1/documents",
            &[("file", Some("a.txt"), b"text"), ("owner", None, b"bob")],
        )
        .await;
    assert_eq!(reply.status, 422, "{reply}");
    assert_eq!(reply.fields(), ["owner"]);

    let reply = ada
        .post_multipart(
            "/api/v1/documents",
            &[
                ("file", Some("a.txt"), b"text"),
                ("courseId", None, b"nope"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422, "{reply}");
    assert_eq!(reply.fields(), ["courseId"]);

    // Another student's course is as good as none.
    let bob = app.signed_in("bob@example.com").await;
    let course = bob.post("/api/v1/courses", json!({"name": "Bob's"})).await;
    let reply = ada
        .post_multipart(
            "/api/v1/documents",
            &[
                ("file", Some("a.txt"), b"text"),
                ("courseId", None, course.id().as_bytes()),
            ],
        )
        .await;
    assert_eq!(reply.status, 404, "{reply}");

    // Nothing was kept of any of it.
    let listed = ada.get_ok("/api/v1/documents").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");
}

#[actix_web::test]
async fn reprocessing_waits_for_the_run_in_progress_and_deleting_removes_the_file() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let uploaded = ada
        .post_multipart(
            "/api/v1/documents",
            &[("file", Some("a.md"), b"# A\n\nText.")],
        )
        .await;
    let location = uploaded.location.clone().unwrap();
    let reply = ada.post_empty(&format!("{location}/reprocess")).await;
    assert_eq!(reply.status, 409, "{reply}");

    // Once processing failed, the student may try again: a new job is queued.
    let id: DocumentId = uploaded.id().parse().unwrap();
    app.state
        .repositories
        .documents
        .update(
            ada.user_id(),
            id,
            DocumentUpdate {
                status: Some(DocumentStatus::Failed),
                error_message: Some(Some("the embeddings service was unavailable".into())),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();
    let first = queue
        .claim(
            "w".into(),
            vec![ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .unwrap();
    queue.complete(first.id, "w".into()).await.unwrap();
    let reply = ada.post_empty(&format!("{location}/reprocess")).await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply["status"], "PENDING");
    assert_eq!(reply["errorMessage"], Value::Null);
    let again = queue
        .claim(
            "w".into(),
            vec![ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(again.is_some_and(|job| job.id != first.id));

    assert_eq!(ada.delete(&location).await.status, 204);
    assert_eq!(ada.get(&format!("{location}/file")).await.status, 404);
    assert_eq!(ada.get(&location).await.status, 404);
}

#[actix_web::test]
async fn the_upload_form_is_documented_with_the_part_names_it_takes() {
    let app = TestApp::start(state()).await;
    let doc = app.anonymous().get_ok("/api/openapi.json").await;
    let form = &doc["components"]["schemas"]["UploadForm"]["properties"];
    let mut names: Vec<&str> = form
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["courseId", "file", "title"], "{form}");
    assert_eq!(
        doc["components"]["schemas"]["UploadForm"]["additionalProperties"], false,
        "parts other than these are refused"
    );
    // Only the file is required, and no part can be null: a form has no null.
    assert_eq!(
        doc["components"]["schemas"]["UploadForm"]["required"],
        serde_json::json!(["file"])
    );
    for name in ["courseId", "title"] {
        let schema = form[name].to_string();
        assert!(schema.contains(r#""type":"string""#), "{schema}");
        assert!(
            !schema.contains(r#""null""#),
            "{name} may be null: {schema}"
        );
    }
}
