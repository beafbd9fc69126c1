//! The handlers of `/api/v1/import-jobs`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};
use sophie_domain::values::{Title, WebUrl};
use sophie_domain::{ImportJob, ImportJobUpdate, ImportSource, JobStatus, NewImportJob, UserId};

use crate::state::AppState;
use crate::test_support::{app, bearer, signed_in, state};

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
    let state = state();
    let (ada, token) = signed_in(&state, "ada@example.com").await;
    let lecture = job(&state, ada, "Lecture 1").await;
    let finished = job(&state, ada, "Lecture 2").await;
    state
        .repositories
        .import_jobs
        .update(
            ada,
            finished.id,
            ImportJobUpdate {
                status: Some(JobStatus::Completed),
                ..ImportJobUpdate::default()
            },
        )
        .await
        .unwrap();
    let app = app(state).await;

    let all: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/import-jobs")
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    let titles: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Lecture 2", "Lecture 1"], "newest first");
    let pending: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/import-jobs?status=PENDING&limit=5")
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    assert_eq!(pending["items"][0]["id"], lecture.id.to_string());
    assert_eq!(pending["nextCursor"], Value::Null);
    let bad_status = test::TestRequest::get()
        .uri("/api/v1/import-jobs?status=DONE")
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(bad_status.status(), 400);

    let uri = format!("/api/v1/import-jobs/{}", lecture.id);
    let read: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(read["status"], "PENDING");
    assert_eq!(read["source"], "YOUTUBE");
    assert_eq!(read["completedAt"], Value::Null);

    let cancelled = test::TestRequest::post()
        .uri(&format!("{uri}/cancel"))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(cancelled.status(), 200);
    let cancelled: Value = test::read_body_json(cancelled).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert!(cancelled["completedAt"].is_string());
    let again = test::TestRequest::post()
        .uri(&format!("{uri}/cancel"))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(again.status(), 409);
    let problem: Value = test::read_body_json(again).await;
    assert_eq!(problem["type"], "urn:sophie:problem:conflict");
    let completed = test::TestRequest::post()
        .uri(&format!("/api/v1/import-jobs/{}/cancel", finished.id))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(
        completed.status(),
        409,
        "a finished import cannot be cancelled"
    );

    let deleted = test::TestRequest::delete()
        .uri(&uri)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = test::TestRequest::get()
        .uri(&uri)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(gone.status(), 404);
}

#[actix_web::test]
async fn another_students_import_is_not_found_and_stays_unchanged() {
    let state = state();
    let (ada, _) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let lecture = job(&state, ada, "Ada's lecture").await;
    let app = app(state.clone()).await;

    let uri = format!("/api/v1/import-jobs/{}", lecture.id);
    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::post().uri(&format!("{uri}/cancel")),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    let bobs: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/import-jobs")
            .insert_header(bearer(&bob))
            .to_request(),
    )
    .await;
    assert_eq!(bobs["items"], json!([]));
    let still = state
        .repositories
        .import_jobs
        .get(ada, lecture.id)
        .await
        .unwrap();
    assert_eq!(still.status, JobStatus::Pending);
}

#[actix_web::test]
async fn starting_an_import_is_not_implemented_yet() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = test::TestRequest::post()
        .uri("/api/v1/import-jobs")
        .insert_header(bearer(&token))
        .set_json(json!({ "source": "URL", "sourceUrl": "https://example.com" }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 501);
    assert_eq!(
        response.headers().get("Content-Type").unwrap(),
        "application/problem+json"
    );
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(problem["type"], "urn:sophie:problem:not-implemented");
    assert_eq!(problem["status"], 501);
    assert_eq!(
        problem["detail"],
        "starting imports is not available in this version of sophie"
    );
    let anonymous = test::TestRequest::post()
        .uri("/api/v1/import-jobs")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
}
