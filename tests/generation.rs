//! Generation and chat end to end, through the real program with the offline generator: a
//! lecture uploaded, a flashcard set, a quiz and a study guide generated from it with sources
//! on the right pages, a question answered with references, and another student unable to
//! generate from or ask about the first one's material. Then an answer streamed from a model
//! (a fake OpenAI-compatible server on 127.0.0.1) as it writes it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fakes;
mod server;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use server::Server;
use sophie_persistence::testing::TestDatabase;

const MINUTE: Duration = Duration::from_secs(60);

/// The page of `lecture.pdf` each of its subjects is on (tests/fixtures/README.md).
const PAGES: [(&str, i64); 4] = [
    ("Mitochondria", 1),
    ("Ribosomes", 2),
    ("Golgi", 3),
    ("Lysosomes", 4),
];

/// Starts a generation of `what` (`flashcard-sets`, `quizzes`, `study-guides`) and polls it
/// until it ends; returns the job.
async fn generate(server: &Server, token: &str, what: &str, body: Value) -> Value {
    let response = server
        .call(
            Method::POST,
            &format!("/api/v1/{what}/generate"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(response.status().as_u16(), 202, "{what}");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let job: Value = response.json().await.unwrap();
    assert_eq!(job["status"], "PENDING");
    assert_eq!(
        location,
        format!("/api/v1/generation-jobs/{}", job["id"].as_str().unwrap())
    );
    let deadline = tokio::time::Instant::now() + MINUTE;
    loop {
        let job = server
            .expect(200, Method::GET, &location, Some(token), None)
            .await;
        if job["status"] == "COMPLETED" || job["status"] == "FAILED" {
            return job;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks each source names the document and the page its quote is on.
fn check_sources(sources: &Value, document: &str) -> usize {
    let sources = sources.as_array().expect("sources");
    assert!(!sources.is_empty(), "an item without sources");
    let mut placed = 0;
    for source in sources {
        assert_eq!(source["documentId"], document, "{source}");
        assert!(source["chunkId"].is_string(), "{source}");
        let quote = source["quote"].as_str().unwrap();
        assert!(!quote.trim().is_empty());
        let page = source["pageNumber"].as_i64().unwrap();
        assert!((1..=4).contains(&page), "{source}");
        for (subject, on) in PAGES {
            if quote.contains(subject) {
                assert_eq!(
                    page, on,
                    "a quote about {subject} cited on the wrong page: {source}"
                );
                placed += 1;
            }
        }
    }
    placed
}

async fn a_lecture_becomes_cards_a_quiz_a_guide_and_answers(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let uploaded = server.upload(&ada, "lecture.pdf").await;
    let document = uploaded["id"].as_str().unwrap().to_owned();
    let processed = server.processed(&ada, &document, MINUTE).await;
    assert_eq!(processed["status"], "READY");

    let job = generate(
        server,
        &ada,
        "flashcard-sets",
        json!({ "documentId": document, "count": 20 }),
    )
    .await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    assert_eq!(job["kind"], "FLASHCARDS");
    assert_eq!(job["progress"], 100);
    assert_eq!(job["model"], "offline");
    let set = server
        .expect(
            200,
            Method::GET,
            &format!(
                "/api/v1/flashcard-sets/{}",
                job["resultId"].as_str().unwrap()
            ),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(
        set["documentId"],
        document.as_str(),
        "the set is linked to its source"
    );
    let cards = set["flashcards"].as_array().unwrap();
    assert!(
        !cards.is_empty() && cards.len() <= 20,
        "{} cards",
        cards.len()
    );
    let mut placed = 0;
    let mut fronts = std::collections::BTreeSet::new();
    for card in cards {
        placed += check_sources(&card["sources"], &document);
        assert!(
            fronts.insert(card["question"].as_str().unwrap().to_lowercase()),
            "a duplicate card: {card}"
        );
    }
    assert!(placed > 0, "no card quotes a page's subject");

    let job = generate(
        server,
        &ada,
        "quizzes",
        json!({ "documentId": document, "count": 10, "difficulty": "EASY" }),
    )
    .await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    let quiz = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/quizzes/{}", job["resultId"].as_str().unwrap()),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(quiz["difficulty"], "EASY");
    let questions = quiz["questions"].as_array().unwrap();
    assert!(!questions.is_empty() && questions.len() <= 10);
    for question in questions {
        check_sources(&question["sources"], &document);
        if question["questionType"] == "MULTIPLE_CHOICE" {
            let options: Vec<String> = question["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap().to_lowercase())
                .collect();
            let distinct: std::collections::BTreeSet<&String> = options.iter().collect();
            assert_eq!(
                distinct.len(),
                options.len(),
                "repeated options: {question}"
            );
            let answer = question["correctAnswer"].as_str().unwrap().to_lowercase();
            assert_eq!(
                options.iter().filter(|o| **o == answer).count(),
                1,
                "{question}"
            );
        }
    }

    let job = generate(
        server,
        &ada,
        "study-guides",
        json!({ "documentId": document, "title": "Organelles" }),
    )
    .await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    let guide = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/study-guides/{}", job["resultId"].as_str().unwrap()),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(guide["title"], "Organelles");
    let content = guide["content"].as_str().unwrap();
    assert!(content.starts_with("# Organelles\n"), "{content}");
    check_sources(&guide["sources"], &document);
    assert!(
        guide["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["section"].is_string()),
        "every guide source names its section"
    );

    let told = server
        .expect(200, Method::GET, "/api/v1/notifications", Some(&ada), None)
        .await;
    let generated: Vec<&Value> = told["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "GENERATION_COMPLETED")
        .collect();
    assert_eq!(generated.len(), 3, "{told}");
    assert!(generated.iter().any(|n| n["link"] == format!("/api/v1/study-guides/{}", guide["id"].as_str().unwrap())));

    // A summary of the lecture, from its own sentences.
    let summarized = server
        .expect(
            200,
            Method::POST,
            &format!("/api/v1/documents/{document}/summary"),
            Some(&ada),
            None,
        )
        .await;
    let summary = summarized["summary"].as_str().unwrap();
    assert!(
        PAGES.iter().any(|(subject, _)| summary.contains(subject)),
        "the summary is not the lecture's: {summary}"
    );
    server
        .expect(
            404,
            Method::POST,
            &format!("/api/v1/documents/{document}/summary"),
            Some(&server.sign_up("Eve", "eve@example.com").await.1),
            None,
        )
        .await;

    // A question answered from the lecture, citing page 3.
    let chat = server
        .expect(
            201,
            Method::POST,
            "/api/v1/chat-sessions",
            Some(&ada),
            Some(json!({})),
        )
        .await;
    let messages = format!(
        "/api/v1/chat-sessions/{}/messages",
        chat["id"].as_str().unwrap()
    );
    let exchange = server
        .expect(
            201,
            Method::POST,
            &messages,
            Some(&ada),
            Some(json!({ "content": "What does the Golgi apparatus do?" })),
        )
        .await;
    let answer = &exchange["answer"];
    assert_eq!(answer["messageType"], "ASSISTANT");
    let text = answer["content"].as_str().unwrap();
    assert!(text.contains("[1]"), "the answer cites nothing: {text}");
    let references = answer["references"].as_array().unwrap();
    let golgi = references
        .iter()
        .find(|r| r["quote"].as_str().unwrap().contains("Golgi"))
        .unwrap_or_else(|| panic!("no reference quotes the Golgi page: {answer}"));
    assert_eq!(golgi["documentId"], document.as_str());
    assert_eq!(golgi["pageNumber"], 3);
    assert_eq!(
        exchange["chatSession"]["title"],
        "What does the Golgi apparatus do?"
    );

    // Another student reaches none of it.
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    for what in ["flashcard-sets", "quizzes", "study-guides"] {
        server
            .expect(
                404,
                Method::POST,
                &format!("/api/v1/{what}/generate"),
                Some(&bob),
                Some(json!({ "documentId": document })),
            )
            .await;
    }
    let bobs = server
        .expect(
            201,
            Method::POST,
            "/api/v1/chat-sessions",
            Some(&bob),
            Some(json!({})),
        )
        .await;
    let bob_messages = format!(
        "/api/v1/chat-sessions/{}/messages",
        bobs["id"].as_str().unwrap()
    );
    server
        .expect(
            404,
            Method::POST,
            &bob_messages,
            Some(&bob),
            Some(json!({ "content": "What does the Golgi apparatus do?", "documentIds": [document] })),
        )
        .await;
    let asked = server
        .expect(
            201,
            Method::POST,
            &bob_messages,
            Some(&bob),
            Some(json!({ "content": "What does the Golgi apparatus do?" })),
        )
        .await;
    assert_eq!(
        asked["answer"]["references"],
        json!([]),
        "bob sees ada's lecture"
    );
    server
        .expect(
            404,
            Method::POST,
            &messages,
            Some(&bob),
            Some(json!({ "content": "hi" })),
        )
        .await;
    let jobs = server
        .expect(
            200,
            Method::GET,
            "/api/v1/generation-jobs",
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(jobs["items"], json!([]));
}

#[tokio::test]
async fn in_memory_a_lecture_becomes_study_material_and_answers() {
    a_lecture_becomes_cards_a_quiz_a_guide_and_answers(&Server::start_in_memory().await).await;
}

#[tokio::test]
async fn on_postgres_a_lecture_becomes_study_material_and_answers() {
    a_lecture_becomes_cards_a_quiz_a_guide_and_answers(&Server::start().await).await;
}

/// A question asked with `Accept: text/event-stream` of a server whose model streams: the
/// words arrive as `token` events, then the checked references and the stored message.
async fn a_model_streams_its_answer_with_references(db: Option<TestDatabase>) {
    let model = fakes::model().await;
    let server = Server::start_with(
        db,
        &[
            ("LLM_URL", model.base.as_str()),
            ("LLM_MODEL", "fake-model"),
        ],
    )
    .await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let note = server
        .expect(
            201,
            Method::POST,
            "/api/v1/notes",
            Some(&ada),
            Some(json!({
                "title": "Cells",
                "content": "Mitochondria make ATP from glucose. Ribosomes build proteins."
            })),
        )
        .await;
    let chat = server
        .expect(
            201,
            Method::POST,
            "/api/v1/chat-sessions",
            Some(&ada),
            Some(json!({})),
        )
        .await;
    let messages = format!(
        "{}/api/v1/chat-sessions/{}/messages",
        server.base,
        chat["id"].as_str().unwrap()
    );
    let mut response = server
        .http
        .post(&messages)
        .bearer_auth(&ada)
        .header("Accept", "text/event-stream")
        .json(&json!({"content": "What do mitochondria make?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    let body = String::from_utf8(body).unwrap();
    let events: Vec<(&str, Value)> = body
        .split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').unwrap();
            (
                event.strip_prefix("event: ").unwrap(),
                serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap(),
            )
        })
        .collect();
    let kinds: Vec<&str> = events.iter().map(|(kind, _)| *kind).collect();
    let tokens = kinds.iter().filter(|kind| **kind == "token").count();
    assert!(
        tokens >= 3,
        "the words come as the model writes them: {kinds:?}"
    );
    assert_eq!(&kinds[tokens..], ["references", "message", "done"]);
    let streamed: String = events[..tokens]
        .iter()
        .map(|(_, data)| data.as_str().unwrap())
        .collect();
    let expected = "Your notes say: Mitochondria make ATP from glucose. [1]";
    assert_eq!(streamed, expected);
    let message = &events[tokens + 1].1;
    assert_eq!(message["content"], expected);
    let references = &events[tokens].1;
    assert_eq!(references, &message["references"]);
    assert_eq!(references[0]["noteId"], note["id"]);
    assert_eq!(
        references[0]["quote"],
        "Mitochondria make ATP from glucose."
    );
    let asked = model.requests();
    assert_eq!(asked.len(), 1);
    let sent: Value = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["model"], "fake-model");
    let stored = server
        .expect(
            200,
            Method::GET,
            &messages[server.base.len()..],
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(
        stored["items"][1]["content"], expected,
        "the answer is stored"
    );
}

#[tokio::test]
async fn in_memory_a_model_streams_its_answer_with_references() {
    a_model_streams_its_answer_with_references(None).await;
}

#[tokio::test]
async fn on_postgres_a_model_streams_its_answer_with_references() {
    a_model_streams_its_answer_with_references(Some(TestDatabase::new().await)).await;
}
