//! The handlers of `/api/v1/flashcard-sets`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

fn three_cards() -> Value {
    json!({
        "title": "Cell biology",
        "difficulty": "MEDIUM",
        "tags": ["biology", "cells"],
        "flashcards": [
            { "question": "Powerhouse of the cell?", "answer": "The mitochondria" },
            { "question": "Where is DNA kept?", "answer": "The nucleus", "hint": "N...",
              "difficulty": "EASY" },
            { "question": "What makes proteins?", "answer": "Ribosomes",
              "explanation": "They translate mRNA." }
        ]
    })
}

#[actix_web::test]
async fn a_set_is_created_with_its_cards_in_one_request_and_read_back_with_them() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;

    let set = ada.post("/api/v1/flashcard-sets", three_cards()).await;
    assert_eq!(set.status, 201, "{set}");
    let location = set.location.as_deref().unwrap();
    assert_eq!(location, format!("/api/v1/flashcard-sets/{}", set.id()));
    assert_eq!(set["color"], "blue");
    assert_eq!(set["tags"], json!(["biology", "cells"]));
    let cards = set["flashcards"].as_array().unwrap();
    assert_eq!(cards.len(), 3);
    assert_eq!(
        cards[0]["difficulty"], "MEDIUM",
        "a card takes the set's difficulty"
    );
    assert_eq!(cards[1]["difficulty"], "EASY");
    assert_eq!(cards[1]["hint"], "N...");

    let read = ada.get(location).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, set.body, "read back as created, cards in order");

    let page = ada
        .get("/api/v1/flashcard-sets?tag=cells&difficulty=MEDIUM")
        .await;
    assert_eq!(page.status, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], set["id"]);
    assert!(items[0].get("flashcards").is_none(), "lists carry no cards");
    let none = ada.get("/api/v1/flashcard-sets?difficulty=HARD").await;
    assert_eq!(none["items"], json!([]));
}

#[actix_web::test]
async fn cards_are_added_changed_and_removed_and_the_set_is_changed_and_deleted() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let set = ada
        .post(
            "/api/v1/flashcard-sets",
            json!({ "title": "Empty", "description": "For now",
                "difficulty": "HARD", "flashcards": [] }),
        )
        .await;
    let set_uri = set.location.as_deref().unwrap();

    let card = ada
        .post(
            &format!("{set_uri}/flashcards"),
            json!({ "question": "2 + 2?", "answer": "4", "hint": "even" }),
        )
        .await;
    assert_eq!(card.status, 201, "{card}");
    let card_uri = card.location.as_deref().unwrap();
    assert_eq!(card_uri, format!("{set_uri}/flashcards/{}", card.id()));
    assert_eq!(
        card["difficulty"], "HARD",
        "a card takes the set's difficulty"
    );
    assert_eq!(card["flashcardSetId"], set["id"]);

    let changed = ada
        .patch(
            card_uri,
            json!({ "answer": "four", "hint": null, "difficulty": "EASY" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    assert_eq!(changed["answer"], "four");
    assert_eq!(changed["hint"], Value::Null, "null clears the hint");
    assert_eq!(changed["question"], "2 + 2?", "untouched fields stay");
    assert_eq!(changed["difficulty"], "EASY");

    let read = ada.get(set_uri).await;
    assert_eq!(read["flashcards"], json!([changed.body]));

    let bad = ada.patch(card_uri, json!({ "question": " " })).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.fields(), ["question"]);

    assert_eq!(ada.delete(card_uri).await.status, 204);
    let read = ada.get(set_uri).await;
    assert_eq!(read["flashcards"], json!([]));
    assert_eq!(
        ada.delete(card_uri).await.status,
        404,
        "a removed card is gone"
    );

    let changed = ada
        .patch(
            set_uri,
            json!({ "title": "Arithmetic", "description": null,
                "tags": ["math"], "color": "#ABC" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    assert_eq!(changed["title"], "Arithmetic");
    assert_eq!(
        changed["description"],
        Value::Null,
        "null clears the description"
    );
    assert_eq!(changed["tags"], json!(["math"]));
    assert_eq!(changed["color"], "#abc");
    assert_eq!(changed["difficulty"], "HARD");

    assert_eq!(ada.delete(set_uri).await.status, 204);
    assert_eq!(ada.get(set_uri).await.status, 404);
}

#[actix_web::test]
async fn a_set_links_to_the_students_course_and_unlinks_with_null() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    let mut body = three_cards();
    body["courseId"] = course["id"].clone();
    let set = ada.post("/api/v1/flashcard-sets", body).await;
    assert_eq!(set.status, 201, "{set}");
    assert_eq!(set["courseId"], course["id"]);
    let page = ada
        .get(&format!("/api/v1/flashcard-sets?courseId={}", course.id()))
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    let changed = ada
        .patch(
            set.location.as_deref().unwrap(),
            json!({ "courseId": null }),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["courseId"], Value::Null);
    assert_eq!(changed["title"], "Cell biology");

    let mut body = three_cards();
    body["noteId"] = json!("0190a0a0-0000-7000-8000-000000000000");
    let refused = ada.post("/api/v1/flashcard-sets", body).await;
    assert_eq!(refused.status, 404, "a note that is not the student's");
}

#[actix_web::test]
async fn a_bad_card_is_named_by_its_position_and_too_many_cards_are_refused() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/flashcard-sets",
            json!({
                "title": "Bad",
                "difficulty": "EASY",
                "flashcards": [
                    { "question": "Fine?", "answer": "Yes" },
                    { "question": "Empty answer?", "answer": "   " }
                ]
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["flashcards[1].answer"]);

    let problem = ada
        .post(
            "/api/v1/flashcard-sets",
            json!({
                "title": " ",
                "difficulty": "EASY",
                "color": "blurple",
                "flashcards": [{ "question": "", "answer": "a", "hint": "" }]
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(
        problem.fields(),
        [
            "title",
            "color",
            "flashcards[0].question",
            "flashcards[0].hint"
        ],
        "every problem at once"
    );

    let problem = ada
        .post(
            "/api/v1/flashcard-sets",
            json!({
                "title": "Unknown difficulty",
                "difficulty": "EASY",
                "flashcards": [{ "question": "q", "answer": "a", "difficulty": "TRIVIAL" }]
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["flashcards[0].difficulty"]);

    let cards: Vec<Value> = (0..=sophie_domain::NewFlashcardSet::MAX_CARDS)
        .map(|i| json!({ "question": format!("q{i}"), "answer": "a" }))
        .collect();
    let problem = ada
        .post(
            "/api/v1/flashcard-sets",
            json!({ "title": "Huge", "difficulty": "EASY", "flashcards": cards }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["flashcards"]);

    let page = ada.get("/api/v1/flashcard-sets").await;
    assert_eq!(page["items"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn another_students_set_and_its_cards_are_not_found_and_stay_unchanged() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let set = ada.post("/api/v1/flashcard-sets", three_cards()).await;
    let set_uri = set.location.as_deref().unwrap();
    let card_uri = format!(
        "{set_uri}/flashcards/{}",
        set["flashcards"][0]["id"].as_str().unwrap()
    );

    for request in [
        TestRequest::get().uri(set_uri),
        TestRequest::patch()
            .uri(set_uri)
            .set_json(json!({ "title": "Mine now" })),
        TestRequest::delete().uri(set_uri),
        TestRequest::post()
            .uri(&format!("{set_uri}/flashcards"))
            .set_json(json!({ "question": "q", "answer": "a", "difficulty": "EASY" })),
        TestRequest::post()
            .uri(&format!("{set_uri}/flashcards"))
            .set_json(json!({ "question": "q", "answer": "a" })),
        TestRequest::patch()
            .uri(&card_uri)
            .set_json(json!({ "answer": "changed" })),
        TestRequest::delete().uri(&card_uri),
    ] {
        let problem = bob.send(request).await;
        assert_eq!(problem.status, 404, "{problem}");
    }
    let bobs = bob.get("/api/v1/flashcard-sets").await;
    assert_eq!(bobs["items"], json!([]));

    let read = ada.get(set_uri).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, set.body, "unchanged");
}

#[actix_web::test]
async fn every_route_is_documented() {
    use utoipa::OpenApi as _;
    let doc = super::Api::openapi();
    let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/flashcard-sets",
            "/api/v1/flashcard-sets/{id}",
            "/api/v1/flashcard-sets/{id}/flashcards",
            "/api/v1/flashcard-sets/{id}/flashcards/{cardId}"
        ]
    );
}
