//! The handlers of the `generate` operations and `/api/v1/generation-jobs`, driven through the
//! HTTP API. The generation itself runs in the worker (not started here); see the domain's
//! service tests and the end-to-end tests.

use serde_json::{Value, json};
use sophie_domain::NewDocument;
use sophie_domain::values::{FileSize, ShortText, Title};

use crate::test_support::{TestApp, state};

#[actix_web::test]
async fn a_generation_is_recorded_pending_and_queued_and_can_be_followed_and_deleted() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let note = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Cells", "content": "Mitochondria make ATP." }),
        )
        .await;
    let mut locations = Vec::new();
    for (what, kind) in [
        ("flashcard-sets", "FLASHCARDS"),
        ("quizzes", "QUIZ"),
        ("study-guides", "STUDY_GUIDE"),
    ] {
        let started = ada
            .post(
                &format!("/api/v1/{what}/generate"),
                json!({ "noteId": note["id"], "count": 5, "difficulty": "HARD", "title": "Mine" }),
            )
            .await;
        assert_eq!(started.status, 202, "{what}: {:?}", started.body);
        assert_eq!(started["kind"], kind);
        assert_eq!(started["status"], "PENDING");
        assert_eq!(started["progress"], 0);
        assert_eq!(started["noteId"], note["id"]);
        assert_eq!(started["settings"]["count"], 5);
        assert_eq!(started["settings"]["difficulty"], "HARD");
        assert_eq!(started["settings"]["title"], "Mine");
        assert_eq!(started["resultId"], Value::Null);
        let location = started.location.clone().unwrap();
        assert_eq!(
            location,
            format!("/api/v1/generation-jobs/{}", started.id())
        );
        assert_eq!(ada.get(&location).await["id"], started["id"]);
        locations.push(location);
    }
    let listed = ada.get("/api/v1/generation-jobs").await;
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["STUDY_GUIDE", "QUIZ", "FLASHCARDS"], "newest first");
    assert_eq!(bob.get("/api/v1/generation-jobs").await["items"], json!([]));
    assert_eq!(bob.get(&locations[0]).await.status, 404);
    assert_eq!(bob.delete(&locations[0]).await.status, 404);
    assert_eq!(
        ada.get(&locations[0]).await.status,
        200,
        "bob's delete did nothing"
    );
    assert_eq!(ada.delete(&locations[0]).await.status, 204);
    assert_eq!(ada.get(&locations[0]).await.status, 404);
}

#[actix_web::test]
async fn bad_requests_are_refused_naming_the_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let note = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Cells", "content": "Text." }),
        )
        .await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    for (what, body, field) in [
        ("flashcard-sets", json!({}), "source"),
        (
            "quizzes",
            json!({ "noteId": note["id"], "courseId": course["id"] }),
            "source",
        ),
        (
            "flashcard-sets",
            json!({ "noteId": note["id"], "count": 0 }),
            "count",
        ),
        (
            "quizzes",
            json!({ "noteId": note["id"], "count": 51 }),
            "count",
        ),
        (
            "flashcard-sets",
            json!({ "noteId": note["id"], "types": ["TRUE_FALSE"] }),
            "types",
        ),
        (
            "study-guides",
            json!({ "noteId": note["id"], "title": " " }),
            "title",
        ),
        (
            "quizzes",
            json!({ "noteId": note["id"], "types": ["ESSAY"] }),
            "types[0]",
        ),
        ("quizzes", json!({ "noteId": "not-a-uuid" }), "noteId"),
        (
            "quizzes",
            json!({ "noteId": note["id"], "colour": "red" }),
            "colour",
        ),
    ] {
        let refused = ada
            .post(&format!("/api/v1/{what}/generate"), body.clone())
            .await;
        assert_eq!(refused.status, 422, "{what} {body}: {:?}", refused.body);
        assert_eq!(
            refused["errors"][0]["field"], field,
            "{body}: {:?}",
            refused.body
        );
    }
    for body in [
        json!({ "noteId": note["id"] }),
        json!({ "courseId": course["id"] }),
    ] {
        assert_eq!(
            bob.post("/api/v1/quizzes/generate", body).await.status,
            404,
            "bob generates from ada's material"
        );
    }
    assert_eq!(ada.get("/api/v1/generation-jobs").await["items"], json!([]));
}

#[actix_web::test]
async fn a_document_still_processing_is_a_conflict() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let document = app
        .state
        .repositories
        .documents
        .create(
            ada.user_id(),
            NewDocument {
                course_id: None,
                title: Title::parse("Lecture").unwrap(),
                file_name: ShortText::parse("lecture.pdf").unwrap(),
                mime_type: ShortText::parse("application/pdf").unwrap(),
                file_size: FileSize::new(10).unwrap(),
                storage_key: "lecture".to_owned(),
                checksum_sha256: "ab".repeat(32),
            },
        )
        .await
        .unwrap();
    let refused = ada
        .post(
            "/api/v1/flashcard-sets/generate",
            json!({ "documentId": document.id }),
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("once it is processed"),
        "{:?}",
        refused.body
    );
}
