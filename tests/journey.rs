//! A student's whole journey through the real server on real PostgreSQL: sign up, a course,
//! notes, a flashcard set, a graded quiz attempt, the calendar, search, and finally deleting
//! the account, after which no row of theirs is left in the database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing expectation is the test failing"
)]

mod server;

use reqwest::Method;
use serde_json::json;
use server::Server;

/// Every table holding a user's rows, and how to count the rows of user `$1`.
const OWNED_ROWS: &[(&str, &str)] = &[
    ("users", "SELECT count(*) AS n FROM users WHERE id = '{u}'"),
    (
        "sessions",
        "SELECT count(*) AS n FROM sessions WHERE user_id = '{u}'",
    ),
    (
        "accounts",
        "SELECT count(*) AS n FROM accounts WHERE user_id = '{u}'",
    ),
    (
        "courses",
        "SELECT count(*) AS n FROM courses WHERE user_id = '{u}'",
    ),
    (
        "notes",
        "SELECT count(*) AS n FROM notes WHERE user_id = '{u}'",
    ),
    (
        "documents",
        "SELECT count(*) AS n FROM documents WHERE user_id = '{u}'",
    ),
    (
        "flashcard_sets",
        "SELECT count(*) AS n FROM flashcard_sets WHERE user_id = '{u}'",
    ),
    (
        "flashcards",
        "SELECT count(*) AS n FROM flashcards f LEFT JOIN flashcard_sets s ON s.id = f.flashcard_set_id WHERE s.id IS NULL OR s.user_id = '{u}'",
    ),
    (
        "quizzes",
        "SELECT count(*) AS n FROM quizzes WHERE user_id = '{u}'",
    ),
    (
        "questions",
        "SELECT count(*) AS n FROM questions q LEFT JOIN quizzes z ON z.id = q.quiz_id WHERE z.id IS NULL OR z.user_id = '{u}'",
    ),
    (
        "quiz_responses",
        "SELECT count(*) AS n FROM quiz_responses WHERE user_id = '{u}'",
    ),
    (
        "study_guides",
        "SELECT count(*) AS n FROM study_guides WHERE user_id = '{u}'",
    ),
    (
        "chat_sessions",
        "SELECT count(*) AS n FROM chat_sessions WHERE user_id = '{u}'",
    ),
    (
        "chat_messages",
        "SELECT count(*) AS n FROM chat_messages m LEFT JOIN chat_sessions c ON c.id = m.chat_session_id WHERE c.id IS NULL OR c.user_id = '{u}'",
    ),
    (
        "calendar_events",
        "SELECT count(*) AS n FROM calendar_events WHERE user_id = '{u}'",
    ),
    (
        "import_jobs",
        "SELECT count(*) AS n FROM import_jobs WHERE user_id = '{u}'",
    ),
    (
        "notifications",
        "SELECT count(*) AS n FROM notifications WHERE user_id = '{u}'",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_whole_journey_leaves_nothing_behind_when_they_leave() {
    let server = Server::start().await;
    let (ada_id, ada) = server.sign_up("Ada", "Ada@Example.com").await;
    let (bob_id, bob) = server.sign_up("Bob", "bob@example.com").await;

    let me = server
        .expect(200, Method::GET, "/api/v1/me", Some(&ada), None)
        .await;
    assert_eq!(
        me["email"], "ada@example.com",
        "emails are stored lower-case"
    );

    let course = server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(&ada),
            Some(json!({ "name": "Cell Biology", "code": "BIO 110" })),
        )
        .await;
    let course_id = course["id"].as_str().unwrap();

    let note = server
        .expect(
            201,
            Method::POST,
            "/api/v1/notes",
            Some(&ada),
            Some(json!({
                "title": "Mitochondria",
                "content": "The mitochondria is the powerhouse of the cell.",
                "tags": ["exam"],
                "courseId": course_id,
            })),
        )
        .await;
    let note_id = note["id"].as_str().unwrap();
    let listed = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/notes?courseId={course_id}&tag=exam"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    let set = server
        .expect(201, Method::POST, "/api/v1/flashcard-sets", Some(&ada), Some(json!({
            "title": "Organelles", "difficulty": "EASY", "noteId": note_id, "courseId": course_id,
            "flashcards": [
                { "question": "What makes ATP?", "answer": "The mitochondria" },
                { "question": "Where is the DNA?", "answer": "In the nucleus" },
            ],
        })))
        .await;
    let set_id = set["id"].as_str().unwrap();
    let read = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/flashcard-sets/{set_id}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(read["flashcards"].as_array().unwrap().len(), 2);

    let quiz = server
        .expect(201, Method::POST, "/api/v1/quizzes", Some(&ada), Some(json!({
            "title": "Cell basics", "difficulty": "EASY", "courseId": course_id,
            "questions": [
                { "type": "MULTIPLE_CHOICE", "question": "Which makes ATP?",
                  "options": ["Nucleus", "Mitochondria"], "correctAnswer": "Mitochondria", "points": 2 },
                { "type": "TRUE_FALSE", "question": "The nucleus holds DNA.", "correctAnswer": "true", "points": 1 },
                { "type": "FILL_IN_THE_BLANK", "question": "ATP comes from cellular ____.",
                  "correctAnswer": "respiration", "points": 3 },
            ],
        })))
        .await;
    assert_eq!(quiz["totalPoints"], 6);
    let quiz_id = quiz["id"].as_str().unwrap();
    let questions = quiz["questions"].as_array().unwrap();
    let attempt = server
        .expect(
            201,
            Method::POST,
            &format!("/api/v1/quizzes/{quiz_id}/responses"),
            Some(&ada),
            Some(json!({
                "answers": [
                    { "questionId": questions[0]["id"], "answer": " mitochondria " },
                    { "questionId": questions[1]["id"], "answer": "FALSE" },
                    { "questionId": questions[2]["id"], "answer": "Respiration" },
                ],
                "timeSpentSeconds": 95,
            })),
        )
        .await;
    assert_eq!(attempt["score"], 5, "2 + 3 points: partial credit");
    assert_eq!(attempt["totalPoints"], 6);

    server
        .expect(
            201,
            Method::POST,
            "/api/v1/calendar-events",
            Some(&ada),
            Some(json!({
                "title": "Midterm", "eventType": "EXAM", "courseId": course_id,
                "startDate": "2026-12-01T09:00:00Z", "endDate": "2026-12-01T11:00:00Z",
            })),
        )
        .await;
    let december = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar-events?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z",
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(december["items"].as_array().unwrap().len(), 1);

    let hits = server
        .expect(
            200,
            Method::GET,
            "/api/v1/search?q=mitochondria",
            Some(&ada),
            None,
        )
        .await;
    let kinds: Vec<&str> = hits["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"NOTE") && kinds.contains(&"FLASHCARD"),
        "search found {kinds:?}"
    );
    let bobs_hits = server
        .expect(
            200,
            Method::GET,
            "/api/v1/search?q=mitochondria",
            Some(&bob),
            None,
        )
        .await;
    assert!(
        bobs_hits["items"].as_array().unwrap().is_empty(),
        "Bob never sees Ada's material"
    );

    // Bob keeps a course of his own, which must survive Ada leaving.
    server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(&bob),
            Some(json!({ "name": "History" })),
        )
        .await;

    server
        .expect(204, Method::DELETE, "/api/v1/me", Some(&ada), None)
        .await;
    server
        .expect(401, Method::GET, "/api/v1/me", Some(&ada), None)
        .await;
    for (table, sql) in OWNED_ROWS {
        let left = server.count(&sql.replace("{u}", &ada_id)).await;
        assert_eq!(
            left, 0,
            "{table} still holds {left} row(s) of the deleted account"
        );
    }
    let bobs = server
        .count(&format!(
            "SELECT count(*) AS n FROM courses WHERE user_id = '{bob_id}'"
        ))
        .await;
    assert_eq!(bobs, 1, "another student's data is untouched");
}
