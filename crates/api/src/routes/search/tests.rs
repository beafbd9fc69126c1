//! The handlers of `/api/v1/search`, driven through the HTTP API.

use serde_json::{Value, json};
use sophie_domain::values::{CardText, Color, Tags, Title};
use sophie_domain::{
    Difficulty, FlashcardSetWithCards, NewFlashcard, NewFlashcardSet, SourceLinks, UserId,
};

use crate::state::AppState;
use crate::test_support::{TestApp, state};

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
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let set = flashcard_set(
        &app.state,
        ada.user_id(),
        "Cell biology",
        "What are mitochondria?",
    )
    .await;
    flashcard_set(
        &app.state,
        bob.user_id(),
        "Bob's cards",
        "Where are mitochondria found?",
    )
    .await;

    let note = ada
        .post(
            "/api/v1/notes",
            json!({
                "title": "Organelles",
                "content": "Mitochondria make ATP for the cell.",
            }),
        )
        .await;
    let bobs_note = bob
        .post(
            "/api/v1/notes",
            json!({ "title": "Mitochondria", "content": "Bob's own mitochondria" }),
        )
        .await;
    assert_eq!(bobs_note.status, 201);

    let found = ada.get("/api/v1/search?q=MITOCHONDRIA").await;
    assert_eq!(found.status, 200);
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

    let limited = ada.get("/api/v1/search?q=mitochondria&limit=1").await;
    assert_eq!(limited["items"].as_array().unwrap().len(), 1);

    let nothing = ada.get("/api/v1/search?q=Bob%27s").await;
    assert_eq!(
        nothing.body,
        json!({ "items": [] }),
        "never another student's"
    );
}

#[actix_web::test]
async fn a_bad_query_is_named() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let long = "a".repeat(201);
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        (&format!("q={long}") as &str, "q"),
        ("q=cell&limit=0", "limit"),
        ("q=cell&limit=51", "limit"),
    ] {
        let problem = ada.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(problem.status, 422, "{query}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    let anonymous = app.anonymous().get("/api/v1/search?q=cell").await;
    assert_eq!(anonymous.status, 401);
}
