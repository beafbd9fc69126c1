//! The handlers of `/api/v1/flashcard-sets`, driven through the HTTP API.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

/// Sends `request` as `token`; the status, the `Location` and the JSON body (`null` if none).
async fn send<S, B>(
    app: &S,
    token: &str,
    request: test::TestRequest,
) -> (u16, Option<String>, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = request.insert_header(bearer(token)).send_request(app).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("Location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = test::read_body(response).await;
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, location, json)
}

fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

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
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;

    let (status, location, set) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(three_cards()),
    )
    .await;
    assert_eq!(status, 201, "{set}");
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/flashcard-sets/{}", set["id"].as_str().unwrap())
    );
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

    let (status, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(status, 200);
    assert_eq!(read, set, "read back as created, cards in order");

    let (status, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri("/api/v1/flashcard-sets?tag=cells&difficulty=MEDIUM"),
    )
    .await;
    assert_eq!(status, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], set["id"]);
    assert!(items[0].get("flashcards").is_none(), "lists carry no cards");
    let (_, _, none) = send(
        &app,
        &token,
        test::TestRequest::get().uri("/api/v1/flashcard-sets?difficulty=HARD"),
    )
    .await;
    assert_eq!(none["items"], json!([]));
}

#[actix_web::test]
async fn cards_are_added_changed_and_removed_and_the_set_is_changed_and_deleted() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (_, location, set) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(json!({ "title": "Empty", "description": "For now",
                "difficulty": "HARD", "flashcards": [] })),
    )
    .await;
    let set_uri = location.unwrap();

    let (status, card_uri, card) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{set_uri}/flashcards"))
            .set_json(json!({ "question": "2 + 2?", "answer": "4", "hint": "even" })),
    )
    .await;
    assert_eq!(status, 201, "{card}");
    let card_uri = card_uri.unwrap();
    assert_eq!(
        card_uri,
        format!("{set_uri}/flashcards/{}", card["id"].as_str().unwrap())
    );
    assert_eq!(
        card["difficulty"], "HARD",
        "a card takes the set's difficulty"
    );
    assert_eq!(card["flashcardSetId"], set["id"]);

    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&card_uri)
            .set_json(json!({ "answer": "four", "hint": null, "difficulty": "EASY" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["answer"], "four");
    assert_eq!(changed["hint"], Value::Null, "null clears the hint");
    assert_eq!(changed["question"], "2 + 2?", "untouched fields stay");
    assert_eq!(changed["difficulty"], "EASY");

    let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
    assert_eq!(read["flashcards"], json!([changed]));

    let (status, _, bad) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&card_uri)
            .set_json(json!({ "question": " " })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&bad), ["question"]);

    let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&card_uri)).await;
    assert_eq!(status, 204);
    let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
    assert_eq!(read["flashcards"], json!([]));
    let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&card_uri)).await;
    assert_eq!(status, 404, "a removed card is gone");

    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&set_uri)
            .set_json(json!({ "title": "Arithmetic", "description": null,
                "tags": ["math"], "color": "#ABC" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["title"], "Arithmetic");
    assert_eq!(
        changed["description"],
        Value::Null,
        "null clears the description"
    );
    assert_eq!(changed["tags"], json!(["math"]));
    assert_eq!(changed["color"], "#abc");
    assert_eq!(changed["difficulty"], "HARD");

    let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&set_uri)).await;
    assert_eq!(status, 204);
    let (status, _, _) = send(&app, &token, test::TestRequest::get().uri(&set_uri)).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn a_set_links_to_the_students_course_and_unlinks_with_null() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (_, _, course) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .set_json(json!({ "name": "Biology" })),
    )
    .await;
    let mut body = three_cards();
    body["courseId"] = course["id"].clone();
    let (status, location, set) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(body),
    )
    .await;
    assert_eq!(status, 201, "{set}");
    assert_eq!(set["courseId"], course["id"]);
    let (_, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri(&format!(
            "/api/v1/flashcard-sets?courseId={}",
            course["id"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&location.unwrap())
            .set_json(json!({ "courseId": null })),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(changed["courseId"], Value::Null);
    assert_eq!(changed["title"], "Cell biology");

    let mut body = three_cards();
    body["noteId"] = json!("0190a0a0-0000-7000-8000-000000000000");
    let (status, _, _) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(body),
    )
    .await;
    assert_eq!(status, 404, "a note that is not the student's");
}

#[actix_web::test]
async fn a_bad_card_is_named_by_its_position_and_too_many_cards_are_refused() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(json!({
                "title": "Bad",
                "difficulty": "EASY",
                "flashcards": [
                    { "question": "Fine?", "answer": "Yes" },
                    { "question": "Empty answer?", "answer": "   " }
                ]
            })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["flashcards[1].answer"]);

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(json!({
                "title": " ",
                "difficulty": "EASY",
                "color": "blurple",
                "flashcards": [{ "question": "", "answer": "a", "hint": "" }]
            })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&problem),
        [
            "title",
            "color",
            "flashcards[0].question",
            "flashcards[0].hint"
        ],
        "every problem at once"
    );

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(json!({
                "title": "Unknown difficulty",
                "difficulty": "EASY",
                "flashcards": [{ "question": "q", "answer": "a", "difficulty": "TRIVIAL" }]
            })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["flashcards[0].difficulty"]);

    let cards: Vec<Value> = (0..=sophie_domain::NewFlashcardSet::MAX_CARDS)
        .map(|i| json!({ "question": format!("q{i}"), "answer": "a" }))
        .collect();
    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(json!({ "title": "Huge", "difficulty": "EASY", "flashcards": cards })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["flashcards"]);

    let (_, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri("/api/v1/flashcard-sets"),
    )
    .await;
    assert_eq!(page["items"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn another_students_set_and_its_cards_are_not_found_and_stay_unchanged() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let (_, location, set) = send(
        &app,
        &ada,
        test::TestRequest::post()
            .uri("/api/v1/flashcard-sets")
            .set_json(three_cards()),
    )
    .await;
    let set_uri = location.unwrap();
    let card_uri = format!(
        "{set_uri}/flashcards/{}",
        set["flashcards"][0]["id"].as_str().unwrap()
    );

    for request in [
        test::TestRequest::get().uri(&set_uri),
        test::TestRequest::patch()
            .uri(&set_uri)
            .set_json(json!({ "title": "Mine now" })),
        test::TestRequest::delete().uri(&set_uri),
        test::TestRequest::post()
            .uri(&format!("{set_uri}/flashcards"))
            .set_json(json!({ "question": "q", "answer": "a", "difficulty": "EASY" })),
        test::TestRequest::post()
            .uri(&format!("{set_uri}/flashcards"))
            .set_json(json!({ "question": "q", "answer": "a" })),
        test::TestRequest::patch()
            .uri(&card_uri)
            .set_json(json!({ "answer": "changed" })),
        test::TestRequest::delete().uri(&card_uri),
    ] {
        let (status, _, problem) = send(&app, &bob, request).await;
        assert_eq!(status, 404, "{problem}");
    }
    let (_, _, bobs) = send(
        &app,
        &bob,
        test::TestRequest::get().uri("/api/v1/flashcard-sets"),
    )
    .await;
    assert_eq!(bobs["items"], json!([]));

    let (status, _, read) = send(&app, &ada, test::TestRequest::get().uri(&set_uri)).await;
    assert_eq!(status, 200);
    assert_eq!(read, set, "unchanged");
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
