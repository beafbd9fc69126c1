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
            "/api/v1/flashcard-sets/import",
            "/api/v1/flashcard-sets/{id}",
            "/api/v1/flashcard-sets/{id}/export",
            "/api/v1/flashcard-sets/{id}/flashcards",
            "/api/v1/flashcard-sets/{id}/flashcards/{cardId}"
        ]
    );
}

const IMPORT: &str = "/api/v1/flashcard-sets/import";

/// The `detail` of a problem.
fn detail(reply: &crate::test_support::Reply) -> &str {
    reply["detail"].as_str().unwrap_or_default()
}

#[actix_web::test]
async fn a_csv_with_a_header_and_quoted_fields_is_imported_then_exported() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let csv = "Front,Back,Hint,Notes,Tags\r\n\
        \"Powerhouse of the cell, in one word?\",Mitochondria,,\"Makes \"\"ATP\"\"\",biology cells\r\n\
        Where is DNA kept?,\"The nucleus,\nmostly\",N...,,exam\r\n";
    let reply = ada
        .post_multipart(
            IMPORT,
            &[("file", Some("Cell biology.csv"), csv.as_bytes())],
        )
        .await;
    assert_eq!(reply.status, 201, "{reply}");
    let set = &reply["flashcardSet"];
    assert_eq!(
        reply.location.as_deref().unwrap(),
        format!("/api/v1/flashcard-sets/{}", set["id"].as_str().unwrap())
    );
    assert_eq!(reply["imported"], 2);
    assert_eq!(reply["skipped"], json!([]));
    assert_eq!(set["title"], "Cell biology");
    assert_eq!(set["tags"], json!(["biology", "cells", "exam"]));
    assert_eq!(set["difficulty"], "MEDIUM");
    let cards = set["flashcards"].as_array().unwrap();
    assert_eq!(cards[0]["question"], "Powerhouse of the cell, in one word?");
    assert_eq!(cards[0]["explanation"], "Makes \"ATP\"");
    assert_eq!(cards[0]["hint"], Value::Null);
    assert_eq!(cards[1]["answer"], "The nucleus,\nmostly");
    assert_eq!(cards[1]["hint"], "N...");
    let read = ada.get(reply.location.as_deref().unwrap()).await;
    assert_eq!(&read.body, set, "stored as answered");

    let export = ada
        .get(&format!("{}/export", reply.location.as_deref().unwrap()))
        .await;
    assert_eq!(export.status, 200, "{export}");
    assert_eq!(
        export.header("Content-Type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        export.header("Content-Disposition"),
        Some("attachment; filename=\"Cell biology.csv\"; filename*=UTF-8''Cell%20biology.csv")
    );
    assert_eq!(
        std::str::from_utf8(&export.raw).unwrap(),
        "question,answer,hint,explanation,tags\r\n\
         \"Powerhouse of the cell, in one word?\",Mitochondria,,\"Makes \"\"ATP\"\"\",\
         biology cells exam\r\n\
         Where is DNA kept?,\"The nucleus,\nmostly\",N...,,biology cells exam\r\n"
    );
    let explicit = ada
        .get(&format!(
            "{}/export?format=csv",
            reply.location.as_deref().unwrap()
        ))
        .await;
    assert_eq!(explicit.raw, export.raw);
    let other = ada
        .get(&format!(
            "{}/export?format=xlsx",
            reply.location.as_deref().unwrap()
        ))
        .await;
    assert_eq!(other.status, 422, "{other}");
    assert_eq!(other.fields(), ["format"]);
    // Packages are written by an adapter the program wires in; without one, say so.
    let package = ada
        .get(&format!(
            "{}/export?format=apkg",
            reply.location.as_deref().unwrap()
        ))
        .await;
    assert_eq!(package.status, 501, "{package}");
}

#[actix_web::test]
async fn a_quizlet_export_is_imported_with_a_title_and_a_course() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "French" }))
        .await;
    let course_id = course.id().to_owned();
    let quizlet = "bonjour\thello, good morning\n\"le\" livre\tthe book\nchat\tcat\n";
    let reply = ada
        .post_multipart(
            IMPORT,
            &[
                ("file", Some("quizlet.txt"), quizlet.as_bytes()),
                ("title", None, b"French words".as_slice()),
                ("courseId", None, course_id.as_bytes()),
            ],
        )
        .await;
    assert_eq!(reply.status, 201, "{reply}");
    let set = &reply["flashcardSet"];
    assert_eq!(set["title"], "French words");
    assert_eq!(set["courseId"], course_id.as_str());
    assert_eq!(set["tags"], json!([]));
    let sides: Vec<(&str, &str)> = set["flashcards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["question"].as_str().unwrap(),
                c["answer"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sides,
        [
            ("bonjour", "hello, good morning"),
            ("\"le\" livre", "the book"),
            ("chat", "cat")
        ]
    );

    let bob = app.signed_in("bob@example.com").await;
    let reply = bob
        .post_multipart(
            IMPORT,
            &[
                ("file", Some("quizlet.txt"), quizlet.as_bytes()),
                ("courseId", None, course_id.as_bytes()),
            ],
        )
        .await;
    assert_eq!(reply.status, 404, "another student's course: {reply}");
    assert_eq!(bob.get("/api/v1/flashcard-sets").await["items"], json!([]));
}

#[actix_web::test]
async fn rows_without_an_answer_are_skipped_with_their_line() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let reply = ada
        .post_multipart(
            IMPORT,
            &[(
                "file",
                Some("cards.csv"),
                b"question;answer\nQ1;A1\n\nQ2;\nQ3;A3\n".as_slice(),
            )],
        )
        .await;
    assert_eq!(reply.status, 201, "{reply}");
    assert_eq!(reply["imported"], 2);
    assert_eq!(
        reply["skipped"],
        json!([{ "line": 4, "reason": "the answer is empty" }])
    );
}

#[actix_web::test]
async fn files_that_cannot_be_imported_say_why_and_make_nothing() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;

    let latin1 = ada
        .post_multipart(
            IMPORT,
            &[("file", Some("cafe.csv"), b"Caf\xE9?,coffee\n".as_slice())],
        )
        .await;
    assert_eq!(latin1.status, 422, "{latin1}");
    assert_eq!(latin1.fields(), ["file"]);
    assert!(
        detail(&latin1).contains("the file is not UTF-8 text: save it as UTF-8"),
        "{latin1}"
    );

    let anki = ada
        .post_multipart(
            IMPORT,
            &[(
                "file",
                Some("deck.apkg"),
                b"PK\x03\x04\x14\x00\x00\x00collection.anki21".as_slice(),
            )],
        )
        .await;
    assert_eq!(anki.status, 415, "{anki}");
    assert_eq!(anki.fields(), ["file"]);
    assert!(
        detail(&anki).contains("Anki package, which this server is not set up to read"),
        "{anki}"
    );

    let empty = ada
        .post_multipart(IMPORT, &[("file", Some("empty.csv"), b"\n\n".as_slice())])
        .await;
    assert_eq!(empty.status, 422, "{empty}");
    assert!(detail(&empty).contains("holds no card"), "{empty}");

    let many: String = (0..=sophie_domain::NewFlashcardSet::MAX_CARDS)
        .map(|i| format!("Q{i},A{i}\n"))
        .collect();
    let too_many = ada
        .post_multipart(IMPORT, &[("file", Some("many.csv"), many.as_bytes())])
        .await;
    assert_eq!(too_many.status, 422, "{too_many}");
    assert!(detail(&too_many).contains("at most 500"), "{too_many}");

    // Over the limit (1 MiB in these tests).
    let big = vec![b'a'; 1024 * 1024 + 1];
    let big = ada
        .post_multipart(IMPORT, &[("file", Some("big.csv"), &big)])
        .await;
    assert_eq!(big.status, 413, "{big}");

    let no_file = ada
        .post_multipart(IMPORT, &[("title", None, b"Cards".as_slice())])
        .await;
    assert_eq!(no_file.status, 422, "{no_file}");
    assert_eq!(no_file.fields(), ["file"]);

    let bad_title = ada
        .post_multipart(
            IMPORT,
            &[
                ("file", Some("q.csv"), b"Q,A\n".as_slice()),
                ("title", None, b" ".as_slice()),
            ],
        )
        .await;
    assert_eq!(bad_title.status, 422, "{bad_title}");
    assert_eq!(bad_title.fields(), ["title"]);

    let bad_course = ada
        .post_multipart(
            IMPORT,
            &[
                ("file", Some("q.csv"), b"Q,A\n".as_slice()),
                ("courseId", None, b"not-an-id".as_slice()),
            ],
        )
        .await;
    assert_eq!(bad_course.status, 422, "{bad_course}");
    assert_eq!(bad_course.fields(), ["courseId"]);

    let json_body = ada.post(IMPORT, json!({ "file": "Q,A" })).await;
    assert_eq!(json_body.status, 400, "{json_body}");
    assert!(
        detail(&json_body).contains("multipart/form-data"),
        "{json_body}"
    );

    let anonymous = app
        .anonymous()
        .post_multipart(IMPORT, &[("file", Some("q.csv"), b"Q,A\n".as_slice())])
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous}");

    assert_eq!(
        ada.get("/api/v1/flashcard-sets").await["items"],
        json!([]),
        "nothing was made"
    );
}

#[actix_web::test]
async fn another_students_set_is_not_exported() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let set = ada.post("/api/v1/flashcard-sets", three_cards()).await;
    let export = format!("{}/export", set.location.as_deref().unwrap());
    assert_eq!(ada.get(&export).await.status, 200);
    let hidden = bob.get(&export).await;
    assert_eq!(hidden.status, 404, "{hidden}");
    let missing = bob
        .get(&format!(
            "/api/v1/flashcard-sets/{}/export",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(missing.status, 404, "{missing}");
    assert_eq!(missing.body, hidden.body, "told apart from nothing");
    assert_eq!(app.anonymous().get(&export).await.status, 401);
}

#[test]
fn export_file_names_keep_the_title_without_what_file_systems_refuse() {
    assert_eq!(
        super::export_file_name("Cell biology", "csv"),
        "Cell biology.csv"
    );
    assert_eq!(
        super::export_file_name("../a/b: \"c\"?", "csv"),
        "_a_b_ _c__.csv"
    );
    assert_eq!(super::export_file_name("...", "apkg"), "flashcards.apkg");
    assert_eq!(super::export_file_name("Café", "csv"), "Café.csv");
}
