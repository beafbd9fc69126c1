//! The same bad input, sent to `sophie serve` on memory and on PostgreSQL, gets the same
//! answer: the same status and the same fields named. Every row is something a client was
//! seen to send and get a 500, a 201 or a different answer for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use reqwest::Method;
use serde_json::{Value, json};
use server::Server;

/// One request: method, path, body (`None`: no body; a string: sent as raw JSON text).
struct Row {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    fields: &'static [&'static str],
}

fn row(
    method: Method,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    fields: &'static [&'static str],
) -> Row {
    Row {
        method,
        path,
        body,
        status,
        fields,
    }
}

fn rows() -> Vec<Row> {
    use Method as M;
    let event =
        |start: &str| Some(json!({ "title": "Exam", "eventType": "EXAM", "startDate": start }));
    vec![
        // Enums travel as sent: `Easy` is not a value, `EASY` is.
        row(
            M::POST,
            "/api/v1/flashcard-sets",
            Some(json!({ "title": "Set", "difficulty": "Easy", "flashcards": [] })),
            422,
            &["difficulty"],
        ),
        row(
            M::POST,
            "/api/v1/flashcard-sets",
            Some(json!({ "title": "Set", "difficulty": "EASY", "flashcards": [] })),
            201,
            &[],
        ),
        // NUL, which PostgreSQL cannot store, in a body or a query.
        row(
            M::POST,
            "/api/v1/courses",
            Some(json!({ "name": "a\u{0}b" })),
            422,
            &["name"],
        ),
        row(
            M::POST,
            "/api/v1/notes",
            Some(json!({ "title": "t", "tags": ["a\u{0}"] })),
            422,
            &["tags"],
        ),
        row(
            M::POST,
            "/api/v1/notes",
            Some(json!({ "title": "t", "content": "x\u{0}" })),
            422,
            &["content"],
        ),
        row(
            M::PATCH,
            "/api/v1/me",
            Some(json!({ "name": "\u{0}" })),
            422,
            &["name"],
        ),
        row(M::GET, "/api/v1/notes?tag=a%00b", None, 422, &["tag"]),
        row(M::GET, "/api/v1/search?q=a%00b", None, 422, &["q"]),
        // Names of invisible characters only.
        row(
            M::POST,
            "/api/v1/courses",
            Some(json!({ "name": "\u{200b}\u{feff}" })),
            422,
            &["name"],
        ),
        // One rule in queries: a bad value is a 422 naming the parameter.
        row(
            M::GET,
            "/api/v1/flashcard-sets?courseId=nope",
            None,
            422,
            &["courseId"],
        ),
        row(
            M::GET,
            "/api/v1/quizzes?difficulty=Easy",
            None,
            422,
            &["difficulty"],
        ),
        row(
            M::GET,
            "/api/v1/chat-sessions?courseId=nope",
            None,
            422,
            &["courseId"],
        ),
        row(
            M::GET,
            "/api/v1/import-jobs?status=DONE",
            None,
            422,
            &["status"],
        ),
        row(
            M::GET,
            "/api/v1/notes?courseId=nope",
            None,
            422,
            &["courseId"],
        ),
        row(M::GET, "/api/v1/notes?limit=-1", None, 422, &["limit"]),
        row(M::GET, "/api/v1/notes?limit=0", None, 422, &["limit"]),
        row(M::GET, "/api/v1/notes?bogus=1", None, 422, &["bogus"]),
        row(
            M::GET,
            "/api/v1/search?q=cells&limit=51",
            None,
            422,
            &["limit"],
        ),
        // A body that is not an object, or has a value of the wrong JSON type, is a 400.
        row(
            M::POST,
            "/api/v1/courses",
            Some(json!(["Arr", null, null, "red", null, null])),
            400,
            &[],
        ),
        row(M::PATCH, "/api/v1/me", Some(json!([null, null])), 400, &[]),
        row(
            M::POST,
            "/api/v1/courses",
            Some(json!({ "name": 5 })),
            400,
            &["name"],
        ),
        row(
            M::POST,
            "/api/v1/courses",
            Some(json!("{not json")),
            400,
            &[],
        ),
        // A whole number written with a fraction is still a whole number.
        row(
            M::POST,
            "/api/v1/notes",
            Some(json!({ "title": "t", "durationSeconds": 60.0 })),
            201,
            &[],
        ),
        // Dates outside years 1 to 9999, and leap seconds.
        row(
            M::POST,
            "/api/v1/calendar-events",
            event("+10000-01-01T00:00:00Z"),
            422,
            &["startDate"],
        ),
        row(
            M::POST,
            "/api/v1/calendar-events",
            event("0000-01-01T00:00:00Z"),
            422,
            &["startDate"],
        ),
        row(
            M::POST,
            "/api/v1/calendar-events",
            event("-0001-01-01T00:00:00Z"),
            422,
            &["startDate"],
        ),
        row(
            M::POST,
            "/api/v1/calendar-events",
            event("2016-12-31T23:59:60.5Z"),
            422,
            &["startDate"],
        ),
        row(
            M::GET,
            "/api/v1/calendar-events?from=%2B10000-01-01T00:00:00Z",
            None,
            422,
            &["from"],
        ),
        row(
            M::POST,
            "/api/v1/calendar-events",
            event("2026-09-01T09:00:00Z"),
            201,
            &[],
        ),
        // A method a path does not serve.
        row(M::PUT, "/api/v1/courses", None, 405, &[]),
        row(
            Method::from_bytes(b"TRACE").unwrap(),
            "/api/v1/auth/sign-in",
            None,
            405,
            &[],
        ),
    ]
}

/// What a server answered a row: its status, the fields named, and the `Allow` header.
type Answer = (u16, Vec<String>, Option<String>);

async fn answers(server: &Server) -> Vec<Answer> {
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let mut answers = Vec::new();
    for row in rows() {
        let mut request = server
            .http
            .request(row.method.clone(), format!("{}{}", server.base, row.path))
            .bearer_auth(&token);
        request = match &row.body {
            Some(Value::String(raw)) => request
                .header("Content-Type", "application/json")
                .body(raw.clone()),
            Some(body) => request.json(body),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let allow = response
            .headers()
            .get("Allow")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            response.headers().get("Cache-Control").unwrap(),
            "no-store",
            "{} {}",
            row.method,
            row.path
        );
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let fields: Vec<String> = body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            (status, fields.as_slice()),
            (
                row.status,
                row.fields
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect::<Vec<_>>()
                    .as_slice()
            ),
            "{} {} answered {text}",
            row.method,
            row.path
        );
        if status >= 400 {
            assert_eq!(body["status"], status, "a problem body: {text}");
        }
        answers.push((status, fields, allow));
    }
    answers
}

#[tokio::test]
async fn the_same_bad_input_gets_the_same_answer_on_memory_and_postgres() {
    let memory = Server::start_in_memory().await;
    let postgres = Server::start().await;
    let from_memory = answers(&memory).await;
    let from_postgres = answers(&postgres).await;
    assert_eq!(from_memory, from_postgres);
    // 405s say what the path does answer.
    let allows: Vec<Option<String>> = from_memory.iter().map(|a| a.2.clone()).collect();
    assert!(allows.contains(&Some("GET, POST".to_owned())), "{allows:?}");
    assert!(allows.contains(&Some("POST".to_owned())), "{allows:?}");
}

#[tokio::test]
async fn a_cursor_of_one_list_is_refused_by_another() {
    let server = Server::start_in_memory().await;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    for name in ["One", "Two"] {
        server
            .expect(
                201,
                Method::POST,
                "/api/v1/courses",
                Some(&token),
                Some(json!({ "name": name })),
            )
            .await;
    }
    let page = server
        .expect(
            200,
            Method::GET,
            "/api/v1/courses?limit=1",
            Some(&token),
            None,
        )
        .await;
    let cursor = page["nextCursor"].as_str().unwrap();
    server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/courses?limit=1&cursor={cursor}"),
            Some(&token),
            None,
        )
        .await;
    let refused = server
        .expect(
            422,
            Method::GET,
            &format!("/api/v1/notes?cursor={cursor}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(refused["errors"][0]["field"], "cursor");
}
