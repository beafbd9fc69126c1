//! The handlers of `/api/v1/search`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};
use sophie_domain::values::{CardText, Color, Tags, Title};
use sophie_domain::{
    Difficulty, FlashcardSetWithCards, NewFlashcard, NewFlashcardSet, SourceLinks, UserId,
};

use crate::state::AppState;
use crate::test_support::{app, bearer, signed_in, state};

async fn flashcard_set(
    state: &AppState,
    user: UserId,
    title: &str,
    question: &str,
) -> FlashcardSetWithCards {
    state
        .repositories
        .flashcards
        .create_set(
            user,
            NewFlashcardSet {
                title: Title::parse(title).unwrap(),
                description: None,
                difficulty: Difficulty::Medium,
                tags: Tags::default(),
                color: Color::default(),
                links: SourceLinks::default(),
                flashcards: vec![NewFlashcard {
                    question: CardText::parse(question).unwrap(),
                    answer: CardText::parse("The powerhouse of the cell").unwrap(),
                    hint: None,
                    explanation: None,
                    difficulty: Difficulty::Easy,
                }],
            },
        )
        .await
        .unwrap()
}

#[actix_web::test]
async fn search_finds_the_students_notes_and_flashcards_and_nobody_elses() {
    let state = state();
    let (ada, ada_token) = signed_in(&state, "ada@example.com").await;
    let (bob, bob_token) = signed_in(&state, "bob@example.com").await;
    let set = flashcard_set(&state, ada, "Cell biology", "What are mitochondria?").await;
    flashcard_set(&state, bob, "Bob's cards", "Where are mitochondria found?").await;
    let app = app(state).await;

    let note: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/notes")
            .insert_header(bearer(&ada_token))
            .set_json(json!({
                "title": "Organelles",
                "content": "Mitochondria make ATP for the cell.",
            }))
            .to_request(),
    )
    .await;
    let bobs_note = test::TestRequest::post()
        .uri("/api/v1/notes")
        .insert_header(bearer(&bob_token))
        .set_json(json!({ "title": "Mitochondria", "content": "Bob's own mitochondria" }))
        .send_request(&app)
        .await;
    assert_eq!(bobs_note.status(), 201);

    let response = test::TestRequest::get()
        .uri("/api/v1/search?q=MITOCHONDRIA")
        .insert_header(bearer(&ada_token))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 200);
    let found: Value = test::read_body_json(response).await;
    let hits = found["items"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{found}");
    let note_hit = hits.iter().find(|h| h["kind"] == "NOTE").unwrap();
    assert_eq!(note_hit["id"], note["id"]);
    assert_eq!(note_hit["title"], "Organelles");
    assert_eq!(note_hit["parentId"], Value::Null);
    assert!(
        note_hit["snippet"]
            .as_str()
            .unwrap()
            .contains("Mitochondria")
    );
    assert!(note_hit["score"].is_number());
    let card_hit = hits.iter().find(|h| h["kind"] == "FLASHCARD").unwrap();
    assert_eq!(card_hit["id"], set.flashcards[0].id.to_string());
    assert_eq!(card_hit["parentId"], set.set.id.to_string());
    assert_eq!(card_hit["title"], "Cell biology");

    let limited: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/search?q=mitochondria&limit=1")
            .insert_header(bearer(&ada_token))
            .to_request(),
    )
    .await;
    assert_eq!(limited["items"].as_array().unwrap().len(), 1);

    let nothing: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/search?q=Bob%27s")
            .insert_header(bearer(&ada_token))
            .to_request(),
    )
    .await;
    assert_eq!(nothing, json!({ "items": [] }), "never another student's");
}

#[actix_web::test]
async fn a_bad_query_is_named() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let long = "a".repeat(201);
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        (&format!("q={long}") as &str, "q"),
        ("q=cell&limit=0", "limit"),
        ("q=cell&limit=51", "limit"),
    ] {
        let response = test::TestRequest::get()
            .uri(&format!("/api/v1/search?{query}"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    let anonymous = test::TestRequest::get()
        .uri("/api/v1/search?q=cell")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
}
