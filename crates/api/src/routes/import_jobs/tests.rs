//! The handlers of `/api/v1/import-jobs`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sophie_domain::values::{Title, WebUrl};
use sophie_domain::{ImportJob, ImportJobUpdate, ImportSource, JobStatus, NewImportJob, UserId};

use crate::state::AppState;
use crate::test_support::{TestApp, state};

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

#[actix_web::test]
async fn starting_an_import_is_not_implemented_yet() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/import-jobs",
            json!({ "source": "URL", "sourceUrl": "https://example.com" }),
        )
        .await;
    assert_eq!(problem.status, 501);
    assert_eq!(
        problem.header("Content-Type"),
        Some("application/problem+json")
    );
    assert_eq!(problem["type"], "urn:sophie:problem:not-implemented");
    assert_eq!(problem["status"], 501);
    assert_eq!(
        problem["detail"],
        "starting imports is not available in this version of sophie"
    );
    let anonymous = app.anonymous().post_empty("/api/v1/import-jobs").await;
    assert_eq!(anonymous.status, 401);
}
