//! The handlers of `/api/v1/import-jobs`, driven through the HTTP API.

use std::sync::Arc;
use std::time::Duration;

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sophie_domain::jobs::{Job, ProcessDocument, RunImport, decode};
use sophie_domain::memory::MemoryJobQueue;
use sophie_domain::values::{Title, WebUrl};
use sophie_domain::{
    AudioFormat, ImportJob, ImportJobUpdate, ImportSource, JobQueue, JobStatus, NewImportJob,
    UserId,
};

use crate::state::AppState;
use crate::test_support::{TestApp, state, state_with_queue};

async fn job(state: &AppState, user: UserId, title: &str) -> ImportJob {
    state
        .repositories
        .import_jobs
        .create(
            user,
            NewImportJob {
                source: ImportSource::Youtube,
                source_url: Some(WebUrl::parse("https://youtube.com/watch?v=x").unwrap()),
                title: Some(Title::parse(title).unwrap()),
                document_id: None,
            },
        )
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_student_lists_filters_reads_cancels_and_deletes_imports() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let lecture = job(&app.state, ada.user_id(), "Lecture 1").await;
    let finished = job(&app.state, ada.user_id(), "Lecture 2").await;
    app.state
        .repositories
        .import_jobs
        .update(
            ada.user_id(),
            finished.id,
            ImportJobUpdate {
                status: Some(JobStatus::Completed),
                ..ImportJobUpdate::default()
            },
        )
        .await
        .unwrap();

    let all = ada.get("/api/v1/import-jobs").await;
    let titles: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Lecture 2", "Lecture 1"], "newest first");
    let pending = ada.get("/api/v1/import-jobs?status=PENDING&limit=5").await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    assert_eq!(pending["items"][0]["id"], lecture.id.to_string());
    assert_eq!(pending["nextCursor"], Value::Null);
    let bad_status = ada.get("/api/v1/import-jobs?status=DONE").await;
    assert_eq!(bad_status.status, 422, "a bad value, named");
    assert_eq!(bad_status.fields(), ["status"]);

    let uri = format!("/api/v1/import-jobs/{}", lecture.id);
    let read = ada.get(&uri).await;
    assert_eq!(read["status"], "PENDING");
    assert_eq!(read["source"], "YOUTUBE");
    assert_eq!(read["completedAt"], Value::Null);

    let cancelled = ada.post_empty(&format!("{uri}/cancel")).await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled["status"], "CANCELLED");
    assert!(cancelled["completedAt"].is_string());
    let again = ada.post_empty(&format!("{uri}/cancel")).await;
    assert_eq!(again.status, 409);
    assert_eq!(again["type"], "urn:sophie:problem:conflict");
    let completed = ada
        .post_empty(&format!("/api/v1/import-jobs/{}/cancel", finished.id))
        .await;
    assert_eq!(
        completed.status, 409,
        "a finished import cannot be cancelled"
    );

    assert_eq!(ada.delete(&uri).await.status, 204);
    assert_eq!(ada.get(&uri).await.status, 404);
}

#[actix_web::test]
async fn another_students_import_is_not_found_and_stays_unchanged() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let lecture = job(&app.state, ada.user_id(), "Ada's lecture").await;

    let uri = format!("/api/v1/import-jobs/{}", lecture.id);
    for request in [
        TestRequest::get().uri(&uri),
        TestRequest::post().uri(&format!("{uri}/cancel")),
        TestRequest::delete().uri(&uri),
    ] {
        assert_eq!(bob.send(request).await.status, 404);
    }
    let bobs = bob.get("/api/v1/import-jobs").await;
    assert_eq!(bobs["items"], json!([]));
    let still = app
        .state
        .repositories
        .import_jobs
        .get(ada.user_id(), lecture.id)
        .await
        .unwrap();
    assert_eq!(still.status, JobStatus::Pending);
}

/// Enough of a PDF for the type to be found from its bytes.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
/// The start of a WAV recording (RIFF WAVE), enough to be found from its bytes.
const WAV: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00";

/// The import job waiting in `queue`.
async fn queued(queue: &MemoryJobQueue) -> Option<RunImport> {
    let job = queue
        .claim(
            "w".into(),
            vec![RunImport::KIND.into(), ProcessDocument::KIND.into()],
            Duration::from_secs(60),
        )
        .await
        .unwrap()?;
    assert_eq!(job.kind, RunImport::KIND, "not an import job: {job:?}");
    Some(decode(&job).unwrap())
}

#[actix_web::test]
async fn a_web_page_import_is_answered_202_pending_and_queued() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    let reply = ada
        .post(
            "/api/v1/import-jobs",
            json!({
                "source": "URL",
                "sourceUrl": "https://example.org/cells",
                "title": "Cells",
                "courseId": course.id(),
            }),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply["status"], "PENDING");
    assert_eq!(reply["progress"], 0);
    assert_eq!(reply["source"], "URL");
    assert_eq!(reply["sourceUrl"], "https://example.org/cells");
    assert_eq!(reply["title"], "Cells");
    let location = reply.location.clone().unwrap();
    assert_eq!(location, format!("/api/v1/import-jobs/{}", reply.id()));
    assert_eq!(ada.get_ok(&location).await["status"], "PENDING");

    let job = queued(&queue).await.expect("the import's job");
    assert_eq!(job.import_job_id.to_string(), reply.id());
    assert_eq!(job.user_id, ada.user_id());
    assert_eq!(
        job.course_id.map(|c| c.to_string()).as_deref(),
        course.body["id"].as_str()
    );

    let video = ada
        .post(
            "/api/v1/import-jobs",
            json!({ "source": "YOUTUBE", "sourceUrl": "https://youtu.be/dQw4w9WgXcQ" }),
        )
        .await;
    assert_eq!(video.status, 202, "{video}");
    assert_eq!(video["source"], "YOUTUBE");
    assert!(
        queued(&queue).await.is_some(),
        "the video's job is not queued"
    );
}

#[actix_web::test]
async fn links_that_cannot_be_imported_are_refused_and_nothing_is_kept() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    for (body, field, what) in [
        (
            json!({ "source": "URL", "sourceUrl": "http://10.0.0.1/admin" }),
            "sourceUrl",
            "private network",
        ),
        (
            json!({ "source": "URL", "sourceUrl": "ftp://example.org/file" }),
            "sourceUrl",
            "http",
        ),
        (
            json!({ "source": "YOUTUBE", "sourceUrl": "https://vimeo.com/76979871" }),
            "sourceUrl",
            "YouTube",
        ),
        (
            json!({ "source": "YOUTUBE", "sourceUrl": "https://www.youtube.com/playlist?list=PL1" }),
            "sourceUrl",
            "YouTube",
        ),
        (
            json!({ "source": "FILE", "sourceUrl": "https://example.org/x.pdf" }),
            "source",
            "`URL` or `YOUTUBE`",
        ),
        (
            json!({ "source": "URL", "sourceUrl": "https://example.org/", "title": "" }),
            "title",
            "must not be empty",
        ),
    ] {
        let reply = ada.post("/api/v1/import-jobs", body.clone()).await;
        assert_eq!(reply.status, 422, "{body}: {reply}");
        assert_eq!(reply.fields(), [field], "{body}: {reply}");
        assert!(reply.to_string().contains(what), "{body}: {reply}");
    }
    let foreign = ada
        .post(
            "/api/v1/import-jobs",
            json!({
                "source": "URL",
                "sourceUrl": "https://example.org/",
                "courseId": "0190b3a4-0000-7000-8000-000000000000",
            }),
        )
        .await;
    assert_eq!(foreign.status, 404, "{foreign}");
    let text = ada
        .send(
            TestRequest::post()
                .uri("/api/v1/import-jobs")
                .insert_header(("Content-Type", "text/plain"))
                .set_payload("https://example.org/"),
        )
        .await;
    assert_eq!(text.status, 415, "{text}");
    let malformed = ada
        .send(
            TestRequest::post()
                .uri("/api/v1/import-jobs")
                .insert_header(("Content-Type", "application/json"))
                .set_payload("{\"source\": "),
        )
        .await;
    assert_eq!(malformed.status, 400, "{malformed}");

    let listed = ada.get_ok("/api/v1/import-jobs").await;
    assert_eq!(listed["items"], json!([]), "a refused import was recorded");
    assert!(
        queued(&queue).await.is_none(),
        "a refused import was queued"
    );
    let anonymous = app.anonymous().post_empty("/api/v1/import-jobs").await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn a_file_import_stores_the_document_and_queues_only_the_import() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let reply = ada
        .post_multipart(
            "/api/v1/import-jobs",
            &[("source", None, b"FILE"), ("file", Some("Week 2.pdf"), PDF)],
        )
        .await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply["source"], "FILE");
    assert_eq!(reply["title"], "Week 2");
    let document = reply["documentId"].as_str().unwrap().to_owned();
    let stored = ada.get_ok(&format!("/api/v1/documents/{document}")).await;
    assert_eq!(stored["status"], "PENDING");
    assert_eq!(stored["mimeType"], "application/pdf");
    let job = queued(&queue).await.expect("the import's job");
    assert_eq!(job.import_job_id.to_string(), reply.id());
    assert!(
        queued(&queue).await.is_none(),
        "the document was also queued for processing on its own"
    );
}

#[actix_web::test]
async fn an_audio_import_keeps_the_recording_for_the_worker() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let reply = ada
        .post_multipart(
            "/api/v1/import-jobs",
            &[
                ("source", None, b"AUDIO"),
                ("file", Some("Lecture 4.wav"), WAV),
                ("title", None, b"Lecture four"),
            ],
        )
        .await;
    assert_eq!(reply.status, 202, "{reply}");
    assert_eq!(reply["source"], "AUDIO");
    assert_eq!(reply["title"], "Lecture four");
    let job = queued(&queue).await.expect("the import's job");
    assert_eq!(job.audio_format, Some(AudioFormat::Wav));
    assert!(
        job.blob_key
            .as_deref()
            .unwrap()
            .starts_with(&format!("users/{}/imports/", ada.user_id())),
        "{job:?}"
    );
}

#[actix_web::test]
async fn uploads_of_the_wrong_kind_are_refused_naming_what_is_wrong() {
    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let pdf_as_audio = ada
        .post_multipart(
            "/api/v1/import-jobs",
            &[("source", None, b"AUDIO"), ("file", Some("talk.mp3"), PDF)],
        )
        .await;
    assert_eq!(pdf_as_audio.status, 415, "{pdf_as_audio}");
    assert!(
        pdf_as_audio.to_string().contains("a PDF document"),
        "{pdf_as_audio}"
    );
    let audio_as_file = ada
        .post_multipart(
            "/api/v1/import-jobs",
            &[("source", None, b"FILE"), ("file", Some("talk.wav"), WAV)],
        )
        .await;
    assert_eq!(audio_as_file.status, 415, "{audio_as_file}");
    for (parts, field) in [
        (vec![("file", Some("a.pdf"), PDF)], "source"),
        (
            vec![("source", None, &b"URL"[..]), ("file", Some("a.pdf"), PDF)],
            "source",
        ),
        (
            vec![
                ("source", None, &b"VIDEO"[..]),
                ("file", Some("a.pdf"), PDF),
            ],
            "source",
        ),
        (vec![("source", None, &b"FILE"[..])], "file"),
        (
            vec![
                ("source", None, &b"FILE"[..]),
                ("file", Some("a.pdf"), PDF),
                ("sourceUrl", None, &b"https://example.org"[..]),
            ],
            "sourceUrl",
        ),
    ] {
        let reply = ada.post_multipart("/api/v1/import-jobs", &parts).await;
        assert_eq!(reply.status, 422, "{parts:?}: {reply}");
        assert_eq!(reply.fields(), [field], "{reply}");
    }
    let listed = ada.get_ok("/api/v1/import-jobs").await;
    assert_eq!(listed["items"], json!([]), "a refused upload was recorded");
    assert!(queued(&queue).await.is_none());
}
