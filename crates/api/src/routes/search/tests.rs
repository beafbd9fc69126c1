//! The handlers of `/api/v1/search`, driven through the HTTP API.

use std::sync::Arc;

use serde_json::{Value, json};
use sophie_domain::values::{CardText, Color, FileSize, ShortText, Tags, Title};
use sophie_domain::{
    CourseId, Difficulty, DocumentId, DomainError, DomainResult, Embedder, FlashcardSetWithCards,
    NewDocument, NewDocumentChunk, NewFlashcard, NewFlashcardSet, SourceLinks, UserId,
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
                    sources: Vec::new(),
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

/// An embedding model for tests: a text about water points one way, anything else the other.
struct WaterEmbedder;

#[async_trait::async_trait]
impl Embedder for WaterEmbedder {
    fn model(&self) -> String {
        "water-model".to_owned()
    }

    fn dimensions(&self) -> usize {
        2
    }

    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        Ok(texts
            .iter()
            .map(|t| {
                if t.to_lowercase().contains("water") {
                    vec![1.0, 0.0]
                } else {
                    vec![0.0, 1.0]
                }
            })
            .collect())
    }
}

/// An embedding model that cannot be reached.
struct DownEmbedder;

#[async_trait::async_trait]
impl Embedder for DownEmbedder {
    fn model(&self) -> String {
        "water-model".to_owned()
    }

    fn dimensions(&self) -> usize {
        2
    }

    async fn embed(&self, _: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        Err(DomainError::Unavailable {
            service: "embedder",
            message: "connection refused".to_owned(),
        })
    }
}

/// A document of `user` filed under `course`, with passages of `texts` (page 1, 2...), each
/// embedded by [`WaterEmbedder`]'s model with `vectors`; its id and its passages' ids.
async fn document(
    state: &AppState,
    user: UserId,
    course: Option<CourseId>,
    passages: &[(&str, Vec<f32>)],
) -> (DocumentId, Vec<String>) {
    let document = state
        .repositories
        .documents
        .create(
            user,
            NewDocument {
                course_id: course,
                title: Title::parse("Textbook").unwrap(),
                file_name: ShortText::parse("book.pdf").unwrap(),
                mime_type: ShortText::parse("application/pdf").unwrap(),
                file_size: FileSize::new(1_024).unwrap(),
                storage_key: format!("blob/{}", uuid::Uuid::new_v4()),
                checksum_sha256: "ab".repeat(32),
            },
        )
        .await
        .unwrap()
        .id;
    let chunks = passages
        .iter()
        .zip(0..)
        .map(|((text, vector), index)| NewDocumentChunk {
            content: (*text).to_owned(),
            page_number: Some(index + 1),
            chunk_index: index,
            embedding: Some(vector.clone()),
            embedding_model: Some("water-model".to_owned()),
        })
        .collect();
    state
        .repositories
        .search
        .replace_chunks(user, document, chunks)
        .await
        .unwrap();
    let ids = state
        .repositories
        .search
        .list_chunks(user, document)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    (document, ids)
}

fn ids(reply: &crate::test_support::Reply) -> Vec<String> {
    reply["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {reply}"))
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn search_filters_by_course_document_and_kind() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    assert_eq!(course.status, 201);
    let course_id = course.id().to_owned();
    let filed = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Osmosis", "content": "Water moves", "courseId": course_id }),
        )
        .await;
    let loose = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Rain", "content": "Water falls" }),
        )
        .await;
    let (book, passages) = document(
        &app.state,
        ada.user_id(),
        Some(course_id.parse().unwrap()),
        &[("Water crosses membranes", vec![1.0, 0.0])],
    )
    .await;
    let (other_book, other_passages) = document(
        &app.state,
        ada.user_id(),
        None,
        &[("Water boils", vec![1.0, 0.0])],
    )
    .await;

    let mut all = ids(&ada.get("/api/v1/search?q=water").await);
    all.sort();
    let mut expected = vec![
        filed.id().to_owned(),
        loose.id().to_owned(),
        passages[0].clone(),
        other_passages[0].clone(),
    ];
    expected.sort();
    assert_eq!(all, expected);

    let mut in_course = ids(&ada
        .get(&format!("/api/v1/search?q=water&courseId={course_id}"))
        .await);
    in_course.sort();
    let mut expected = vec![filed.id().to_owned(), passages[0].clone()];
    expected.sort();
    assert_eq!(in_course, expected);

    assert_eq!(
        ids(&ada
            .get(&format!("/api/v1/search?q=water&documentId={other_book}"))
            .await),
        other_passages
    );
    assert_eq!(
        ids(&ada
            .get(&format!(
                "/api/v1/search?q=water&courseId={course_id}&kind=DOCUMENT"
            ))
            .await),
        passages
    );
    let mut notes = ids(&ada.get("/api/v1/search?q=water&kind=NOTE").await);
    notes.sort();
    let mut expected = vec![filed.id().to_owned(), loose.id().to_owned()];
    expected.sort();
    assert_eq!(notes, expected);
    assert_eq!(
        ids(&ada.get("/api/v1/search?q=water&kind=NOTE,DOCUMENT").await).len(),
        4,
        "comma-separated kinds"
    );
    assert_eq!(
        ids(&ada.get("/api/v1/search?q=water&kind=").await).len(),
        4,
        "an empty kind means every kind"
    );
    assert!(ids(&ada.get("/api/v1/search?q=water&kind=FLASHCARD").await).is_empty());
    assert!(
        ids(&ada
            .get(&format!(
                "/api/v1/search?q=water&documentId={book}&kind=NOTE"
            ))
            .await)
        .is_empty(),
        "a document filter keeps passages only"
    );

    // Another student's filters find nothing of theirs or of Ada's.
    let bob = app.signed_in("bob@example.com").await;
    assert!(
        ids(&bob
            .get(&format!("/api/v1/search?q=water&courseId={course_id}"))
            .await)
        .is_empty()
    );
    assert!(
        ids(&bob
            .get(&format!("/api/v1/search?q=water&documentId={book}"))
            .await)
        .is_empty()
    );
}

#[actix_web::test]
async fn bad_filters_are_each_named() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    for (query, fields) in [
        ("q=cell&courseId=biology", vec!["courseId"]),
        ("q=cell&documentId=42", vec!["documentId"]),
        ("q=cell&kind=NOTES", vec!["kind"]),
        ("q=cell&kind=note", vec!["kind"]),
        ("q=cell&kind=NOTE,", vec!["kind"]),
        ("q=cell&kind=NOTE&kind=DOCUMENT", vec!["kind"]),
        (
            "q=&limit=0&courseId=x&documentId=y&kind=Z",
            vec!["q", "courseId", "documentId", "kind"],
        ),
    ] {
        let problem = ada.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!(problem.status, 422, "{query}: {problem}");
        for field in &fields {
            assert!(problem.fields().contains(field), "{query}: {problem}");
        }
    }
}

#[actix_web::test]
async fn with_an_embedder_passages_similar_in_meaning_are_found_and_fused() {
    let state = state().with_embedder(Arc::new(WaterEmbedder));
    let app = TestApp::start(state).await;
    let ada = app.signed_in("ada@example.com").await;
    let (_, passages) = document(
        &app.state,
        ada.user_id(),
        None,
        &[
            ("H2O flows downhill to the sea", vec![1.0, 0.0]),
            ("Water is wet", vec![0.0, 1.0]),
        ],
    )
    .await;
    // "water": lexically only the second passage; by meaning the first one ranks first.
    let found = ada.get("/api/v1/search?q=water").await;
    assert_eq!(found.status, 200);
    assert_eq!(
        ids(&found),
        [passages[1].clone(), passages[0].clone()],
        "{found}"
    );
    assert_eq!(
        found["items"][1]["snippet"],
        "H2O flows downhill to the sea"
    );
    assert_eq!(found["items"][1]["pageNumber"], 1);
    // Only passages are embedded and compared: a note filter leaves them out.
    assert!(ids(&ada.get("/api/v1/search?q=water&kind=NOTE").await).is_empty());

    // Without an embedder, the same search is lexical.
    let lexical = TestApp::start(app.state.clone().with_embedder(Arc::new(DownEmbedder))).await;
    let ada_again = lexical.with_token(ada.token());
    let found = ada_again.get("/api/v1/search?q=water").await;
    assert_eq!(
        found.status, 200,
        "an unreachable embedder fails the search: {found}"
    );
    assert_eq!(ids(&found), [passages[1].clone()]);
}
