//! The handlers of `/api/v1/chat-sessions`, driven through the HTTP API.

use std::sync::Arc;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use sophie_domain::DomainError;
use sophie_domain::ports::MockStudyGenerator;
use sophie_domain::services::chat::NOTHING_FOUND;
use sophie_domain::services::generation::GenerationLimits;

use crate::test_support::{TestApp, state};

/// The events of a `text/event-stream` body, as (event, data).
fn events(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8(body.to_vec())
        .unwrap()
        .split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').unwrap();
            (
                event.strip_prefix("event: ").unwrap().to_owned(),
                data.strip_prefix("data: ").unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_student_starts_lists_renames_and_deletes_a_chat() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;

    let course = ada
        .post("/api/v1/courses", json!({ "name": "Linear Algebra" }))
        .await;
    let course_id = course.id();

    let chat = ada
        .post(
            "/api/v1/chat-sessions",
            json!({ "title": "Eigenvalues", "courseId": course_id }),
        )
        .await;
    assert_eq!(chat.status, 201);
    let location = chat.location.as_deref().unwrap();
    assert_eq!(chat["title"], "Eigenvalues");
    assert_eq!(chat["courseId"], course_id);
    assert_eq!(location, format!("/api/v1/chat-sessions/{}", chat.id()));
    let unfiled = ada
        .post("/api/v1/chat-sessions", json!({ "title": "Anything" }))
        .await;
    assert_eq!(unfiled.status, 201);

    let all = ada.get("/api/v1/chat-sessions").await;
    let titles: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Anything", "Eigenvalues"], "newest first");
    assert_eq!(all["nextCursor"], Value::Null);
    let filed = ada
        .get(&format!(
            "/api/v1/chat-sessions?courseId={course_id}&limit=10"
        ))
        .await;
    assert_eq!(filed["items"].as_array().unwrap().len(), 1);
    assert_eq!(filed["items"][0]["title"], "Eigenvalues");

    let renamed = ada
        .patch(location, json!({ "title": "Eigenvectors" }))
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed["title"], "Eigenvectors");
    assert_eq!(renamed["courseId"], course_id, "untouched fields stay");
    let unfiled = ada.patch(location, json!({ "courseId": null })).await;
    assert_eq!(unfiled["courseId"], Value::Null, "null unfiles the chat");
    assert_eq!(unfiled["title"], "Eigenvectors");

    assert_eq!(ada.delete(location).await.status, 204);
    assert_eq!(ada.get(location).await.status, 404);
}

#[actix_web::test]
async fn questions_and_answers_are_stored_and_listed_oldest_first() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let chat = ada
        .post("/api/v1/chat-sessions", json!({ "title": "Questions" }))
        .await;
    let messages = format!("/api/v1/chat-sessions/{}/messages", chat.id());

    for text in ["first", "second", "third"] {
        let exchange = ada.post(&messages, json!({ "content": text })).await;
        assert_eq!(exchange.status, 201);
        assert_eq!(exchange.location.as_deref(), Some(messages.as_str()));
        let question = &exchange["question"];
        assert_eq!(question["content"], text);
        assert_eq!(question["messageType"], "USER");
        assert_eq!(question["references"], json!([]));
        assert_eq!(question["chatSessionId"], chat["id"]);
        let answer = &exchange["answer"];
        assert_eq!(answer["messageType"], "ASSISTANT");
        assert_eq!(
            answer["content"], NOTHING_FOUND,
            "with no material, the answer says nothing was found"
        );
        assert_eq!(answer["references"], json!([]));
    }

    let first_page = ada.get(&format!("{messages}?limit=2")).await;
    let contents = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        contents(&first_page.body),
        ["first", NOTHING_FOUND],
        "oldest first"
    );
    let cursor = first_page["nextCursor"].as_str().unwrap();
    let rest = ada
        .get(&format!("{messages}?limit=10&cursor={cursor}"))
        .await;
    assert_eq!(
        contents(&rest.body),
        ["second", NOTHING_FOUND, "third", NOTHING_FOUND]
    );
    assert_eq!(rest["nextCursor"], Value::Null);

    let empty = ada.post(&messages, json!({ "content": "   " })).await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty["errors"][0]["field"], "content");
    let typed = ada
        .post(
            &messages,
            json!({ "content": "hi", "messageType": "ASSISTANT" }),
        )
        .await;
    assert_eq!(typed.status, 422, "a student cannot post as the assistant");
}

#[actix_web::test]
async fn another_students_chat_is_not_found_and_stays_unchanged() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let chat = ada
        .post("/api/v1/chat-sessions", json!({ "title": "Ada's chat" }))
        .await;
    let uri = format!("/api/v1/chat-sessions/{}", chat.id());
    let messages = format!("{uri}/messages");
    ada.post(&messages, json!({ "content": "mine" })).await;

    for request in [
        TestRequest::get().uri(&uri),
        TestRequest::get().uri(&messages),
        TestRequest::post()
            .uri(&messages)
            .set_json(json!({ "content": "hello" })),
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        TestRequest::delete().uri(&uri),
    ] {
        assert_eq!(bob.send(request).await.status, 404);
    }

    let still = ada.get(&uri).await;
    assert_eq!(still["title"], "Ada's chat");
    let listed = ada.get(&messages).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "the question and its answer"
    );
    assert_eq!(listed["items"][0]["content"], "mine");
    let bobs = bob.get("/api/v1/chat-sessions").await;
    assert_eq!(bobs["items"], json!([]));
}

#[actix_web::test]
async fn filing_a_chat_under_another_students_course_is_not_found() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's course" }))
        .await;
    let course_id = course.id();

    let create = bob
        .post(
            "/api/v1/chat-sessions",
            json!({ "title": "Sneaky", "courseId": course_id }),
        )
        .await;
    assert_eq!(create.status, 404);

    let chat = bob
        .post("/api/v1/chat-sessions", json!({ "title": "Bob's chat" }))
        .await;
    let uri = format!("/api/v1/chat-sessions/{}", chat.id());
    let refile = bob.patch(&uri, json!({ "courseId": course_id })).await;
    assert_eq!(refile.status, 404);
    let unchanged = bob.get(&uri).await;
    assert_eq!(unchanged["courseId"], Value::Null);

    let bad = bob
        .post(
            "/api/v1/chat-sessions",
            json!({ "title": "", "courseId": "not-a-uuid" }),
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[actix_web::test]
async fn an_answer_cites_the_students_note_and_an_untitled_chat_takes_the_question() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let note = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Cells", "content": "Mitochondria make ATP from glucose. Ribosomes make proteins." }),
        )
        .await;
    assert_eq!(note.status, 201);
    let chat = ada.post("/api/v1/chat-sessions", json!({})).await;
    assert_eq!(chat.status, 201);
    assert_eq!(chat["title"], "New chat");
    let messages = format!("/api/v1/chat-sessions/{}/messages", chat.id());

    let exchange = ada
        .post(
            &messages,
            json!({ "content": "What do mitochondria make?" }),
        )
        .await;
    assert_eq!(exchange.status, 201);
    let answer = &exchange["answer"];
    assert_eq!(
        answer["content"],
        "Your material says: Mitochondria make ATP from glucose. [1]"
    );
    assert_eq!(answer["references"].as_array().unwrap().len(), 1);
    let reference = &answer["references"][0];
    assert_eq!(reference["kind"], "NOTE");
    assert_eq!(reference["noteId"], note["id"]);
    assert_eq!(reference["quote"], "Mitochondria make ATP from glucose.");
    assert_eq!(reference["title"], "Cells");
    assert_eq!(
        exchange["chatSession"]["title"], "What do mitochondria make?",
        "an untitled chat is named by its first question"
    );

    let again = ada
        .post(&messages, json!({ "content": "And ribosomes?" }))
        .await;
    assert_eq!(
        again["chatSession"]["title"], "What do mitochondria make?",
        "only the first"
    );

    let bobs = bob.post("/api/v1/chat-sessions", json!({})).await;
    let bob_asks = bob
        .post(
            &format!("/api/v1/chat-sessions/{}/messages", bobs.id()),
            json!({ "content": "What do mitochondria make?" }),
        )
        .await;
    assert_eq!(bob_asks.status, 201);
    assert_eq!(
        bob_asks["answer"]["content"], NOTHING_FOUND,
        "another student's notes answer nothing"
    );
    let foreign = bob
        .post(
            &format!("/api/v1/chat-sessions/{}/messages", bobs.id()),
            json!({ "content": "What is it?", "documentIds": [note["id"]] }),
        )
        .await;
    assert_eq!(
        foreign.status, 404,
        "an id that is no document of bob's (the end-to-end test names another student's)"
    );
}

#[actix_web::test]
async fn an_answer_streams_as_server_sent_events() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    ada.post(
        "/api/v1/notes",
        json!({ "title": "Cells", "content": "Mitochondria make ATP from glucose." }),
    )
    .await;
    let chat = ada
        .post("/api/v1/chat-sessions", json!({ "title": "Cells" }))
        .await;
    let messages = format!("/api/v1/chat-sessions/{}/messages", chat.id());
    let reply = ada
        .send(
            TestRequest::post()
                .uri(&messages)
                .insert_header(("Accept", "text/event-stream"))
                .set_json(json!({ "content": "What do mitochondria make?" })),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "text/event-stream"
    );
    let events = events(&reply.raw);
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
    let tokens = kinds.iter().filter(|kind| **kind == "token").count();
    assert!(tokens >= 2, "the text comes in pieces: {kinds:?}");
    assert_eq!(&kinds[tokens..], ["references", "message", "done"]);
    let streamed: String = events[..tokens]
        .iter()
        .map(|(_, data)| serde_json::from_str::<String>(data).unwrap())
        .collect();
    let message: Value = serde_json::from_str(&events[tokens + 1].1).unwrap();
    assert_eq!(
        message["content"], streamed,
        "the pieces are the stored answer"
    );
    let references: Value = serde_json::from_str(&events[tokens].1).unwrap();
    assert_eq!(references, message["references"]);
    let listed = ada.get(&messages).await;
    assert_eq!(
        listed["items"][1]["content"], streamed,
        "the answer is stored"
    );
}

#[actix_web::test]
async fn a_model_failing_midway_ends_the_stream_with_an_error_and_keeps_the_question() {
    let mut generator = MockStudyGenerator::new();
    generator
        .expect_answer_streaming()
        .returning(|_, _, _, sink| {
            sink("Mitochondria make ");
            Err(DomainError::Unavailable {
                service: "language model",
                message: "the answer's stream broke off".to_owned(),
            })
        });
    let app =
        TestApp::start(state().with_answers(Arc::new(generator), GenerationLimits::default()))
            .await;
    let ada = app.signed_in("ada@example.com").await;
    ada.post(
        "/api/v1/notes",
        json!({ "title": "Cells", "content": "Mitochondria make ATP from glucose." }),
    )
    .await;
    let chat = ada.post("/api/v1/chat-sessions", json!({})).await;
    let messages = format!("/api/v1/chat-sessions/{}/messages", chat.id());
    let reply = ada
        .send(
            TestRequest::post()
                .uri(&messages)
                .insert_header(("Accept", "text/event-stream"))
                .set_json(json!({ "content": "What do mitochondria make?" })),
        )
        .await;
    assert_eq!(reply.status, 201, "the stream had begun");
    let events = events(&reply.raw);
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["token", "error"]);
    let problem: Value = serde_json::from_str(&events[1].1).unwrap();
    assert_eq!(problem["status"], 503);
    assert_eq!(problem["type"], "urn:sophie:problem:unavailable");
    let listed = ada.get(&messages).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["items"][0]["messageType"], "USER",
        "the question stays"
    );

    // A refusal comes before the stream: an ordinary problem answer.
    let missing = ada
        .send(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/chat-sessions/{}/messages",
                    uuid::Uuid::new_v4()
                ))
                .insert_header(("Accept", "text/event-stream"))
                .set_json(json!({ "content": "Anyone there?" })),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
}
