//! The handlers of `/api/v1/chat-sessions`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

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
async fn messages_are_stored_as_sent_and_listed_oldest_first() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let chat = ada
        .post("/api/v1/chat-sessions", json!({ "title": "Questions" }))
        .await;
    let messages = format!("/api/v1/chat-sessions/{}/messages", chat.id());

    for text in ["first", "second", "third"] {
        let message = ada.post(&messages, json!({ "content": text })).await;
        assert_eq!(message.status, 201);
        assert_eq!(message.location.as_deref(), Some(messages.as_str()));
        assert_eq!(message["content"], text);
        assert_eq!(message["messageType"], "USER");
        assert_eq!(message["references"], json!([]));
        assert_eq!(message["chatSessionId"], chat["id"]);
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
        ["first", "second"],
        "oldest first"
    );
    assert_eq!(first_page["items"].as_array().unwrap().len(), 2);
    let cursor = first_page["nextCursor"].as_str().unwrap();
    let second_page = ada
        .get(&format!("{messages}?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(contents(&second_page.body), ["third"]);
    assert_eq!(second_page["nextCursor"], Value::Null);

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
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
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
