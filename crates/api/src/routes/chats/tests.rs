//! The handlers of `/api/v1/chat-sessions`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

#[actix_web::test]
async fn a_student_starts_lists_renames_and_deletes_a_chat() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;

    let course: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&token))
            .set_json(json!({ "name": "Linear Algebra" }))
            .to_request(),
    )
    .await;
    let course_id = course["id"].as_str().unwrap();

    let created = test::TestRequest::post()
        .uri("/api/v1/chat-sessions")
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "Eigenvalues", "courseId": course_id }))
        .send_request(&app)
        .await;
    assert_eq!(created.status(), 201);
    let location = created
        .headers()
        .get("Location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let chat: Value = test::read_body_json(created).await;
    assert_eq!(chat["title"], "Eigenvalues");
    assert_eq!(chat["courseId"], course_id);
    assert_eq!(
        location,
        format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap())
    );
    let unfiled = test::TestRequest::post()
        .uri("/api/v1/chat-sessions")
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "Anything" }))
        .send_request(&app)
        .await;
    assert_eq!(unfiled.status(), 201);

    let all: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    let titles: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Anything", "Eigenvalues"], "newest first");
    assert_eq!(all["nextCursor"], Value::Null);
    let filed: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&format!(
                "/api/v1/chat-sessions?courseId={course_id}&limit=10"
            ))
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(filed["items"].as_array().unwrap().len(), 1);
    assert_eq!(filed["items"][0]["title"], "Eigenvalues");

    let renamed = test::TestRequest::patch()
        .uri(&location)
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "Eigenvectors" }))
        .send_request(&app)
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = test::read_body_json(renamed).await;
    assert_eq!(renamed["title"], "Eigenvectors");
    assert_eq!(renamed["courseId"], course_id, "untouched fields stay");
    let unfiled: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::patch()
            .uri(&location)
            .insert_header(bearer(&token))
            .set_json(json!({ "courseId": null }))
            .to_request(),
    )
    .await;
    assert_eq!(unfiled["courseId"], Value::Null, "null unfiles the chat");
    assert_eq!(unfiled["title"], "Eigenvectors");

    let deleted = test::TestRequest::delete()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = test::TestRequest::get()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(gone.status(), 404);
}

#[actix_web::test]
async fn messages_are_stored_as_sent_and_listed_oldest_first() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let chat: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&token))
            .set_json(json!({ "title": "Questions" }))
            .to_request(),
    )
    .await;
    let messages = format!(
        "/api/v1/chat-sessions/{}/messages",
        chat["id"].as_str().unwrap()
    );

    for text in ["first", "second", "third"] {
        let posted = test::TestRequest::post()
            .uri(&messages)
            .insert_header(bearer(&token))
            .set_json(json!({ "content": text }))
            .send_request(&app)
            .await;
        assert_eq!(posted.status(), 201);
        assert_eq!(posted.headers().get("Location").unwrap(), messages.as_str());
        let message: Value = test::read_body_json(posted).await;
        assert_eq!(message["content"], text);
        assert_eq!(message["messageType"], "USER");
        assert_eq!(message["references"], json!([]));
        assert_eq!(message["chatSessionId"], chat["id"]);
    }

    let first_page: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&format!("{messages}?limit=2"))
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    let contents = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(contents(&first_page), ["first", "second"], "oldest first");
    assert_eq!(first_page["items"].as_array().unwrap().len(), 2);
    let cursor = first_page["nextCursor"].as_str().unwrap();
    let second_page: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&format!("{messages}?limit=2&cursor={cursor}"))
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(contents(&second_page), ["third"]);
    assert_eq!(second_page["nextCursor"], Value::Null);

    let empty = test::TestRequest::post()
        .uri(&messages)
        .insert_header(bearer(&token))
        .set_json(json!({ "content": "   " }))
        .send_request(&app)
        .await;
    assert_eq!(empty.status(), 422);
    let problem: Value = test::read_body_json(empty).await;
    assert_eq!(problem["errors"][0]["field"], "content");
    let typed = test::TestRequest::post()
        .uri(&messages)
        .insert_header(bearer(&token))
        .set_json(json!({ "content": "hi", "messageType": "ASSISTANT" }))
        .send_request(&app)
        .await;
    assert_eq!(
        typed.status(),
        422,
        "a student cannot post as the assistant"
    );
}

#[actix_web::test]
async fn another_students_chat_is_not_found_and_stays_unchanged() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let chat: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&ada))
            .set_json(json!({ "title": "Ada's chat" }))
            .to_request(),
    )
    .await;
    let uri = format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap());
    let messages = format!("{uri}/messages");
    test::call_service(
        &app,
        test::TestRequest::post()
            .uri(&messages)
            .insert_header(bearer(&ada))
            .set_json(json!({ "content": "mine" }))
            .to_request(),
    )
    .await;

    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::get().uri(&messages),
        test::TestRequest::post()
            .uri(&messages)
            .set_json(json!({ "content": "hello" })),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }

    let still: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&ada))
            .to_request(),
    )
    .await;
    assert_eq!(still["title"], "Ada's chat");
    let listed: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&messages)
            .insert_header(bearer(&ada))
            .to_request(),
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["content"], "mine");
    let bobs: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&bob))
            .to_request(),
    )
    .await;
    assert_eq!(bobs["items"], json!([]));
}

#[actix_web::test]
async fn filing_a_chat_under_another_students_course_is_not_found() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let course: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&ada))
            .set_json(json!({ "name": "Ada's course" }))
            .to_request(),
    )
    .await;
    let course_id = course["id"].as_str().unwrap();

    let create = test::TestRequest::post()
        .uri("/api/v1/chat-sessions")
        .insert_header(bearer(&bob))
        .set_json(json!({ "title": "Sneaky", "courseId": course_id }))
        .send_request(&app)
        .await;
    assert_eq!(create.status(), 404);

    let chat: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&bob))
            .set_json(json!({ "title": "Bob's chat" }))
            .to_request(),
    )
    .await;
    let uri = format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap());
    let refile = test::TestRequest::patch()
        .uri(&uri)
        .insert_header(bearer(&bob))
        .set_json(json!({ "courseId": course_id }))
        .send_request(&app)
        .await;
    assert_eq!(refile.status(), 404);
    let unchanged: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&bob))
            .to_request(),
    )
    .await;
    assert_eq!(unchanged["courseId"], Value::Null);

    let bad = test::TestRequest::post()
        .uri("/api/v1/chat-sessions")
        .insert_header(bearer(&bob))
        .set_json(json!({ "title": "", "courseId": "not-a-uuid" }))
        .send_request(&app)
        .await;
    assert_eq!(bad.status(), 422);
}
