//! The authorization matrix, on the real server: for every route that takes an id, a second
//! student using the first student's ids gets 404 on read, update and delete, exactly as for
//! a missing id, and the first student's data is unchanged afterwards; every route answers 401
//! without a session.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing expectation is the test failing"
)]

mod server;

use reqwest::Method;
use serde_json::{Value, json};
use server::Server;

struct Owned {
    course: String,
    note: String,
    document: String,
    set: String,
    card: String,
    quiz: String,
    question: String,
    response: String,
    guide: String,
    chat: String,
    event: String,
    extraction: String,
    import: String,
    notification: String,
    /// Her password account (a way to sign in).
    account: String,
}

async fn seed(server: &Server, user_id: &str, token: &str) -> Owned {
    let t = Some(token);
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let course = id(&server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            t,
            Some(json!({ "name": "Ada's course" })),
        )
        .await);
    let note = id(&server
        .expect(
            201,
            Method::POST,
            "/api/v1/notes",
            t,
            Some(json!({ "title": "Ada's note", "content": "secret" })),
        )
        .await);
    let set = server.expect(201, Method::POST, "/api/v1/flashcard-sets", t, Some(json!({
        "title": "Ada's set", "difficulty": "EASY", "flashcards": [{ "question": "Q", "answer": "A" }] }))).await;
    let card = set["flashcards"][0]["id"].as_str().unwrap().to_owned();
    let quiz = server
        .expect(
            201,
            Method::POST,
            "/api/v1/quizzes",
            t,
            Some(json!({
        "title": "Ada's quiz", "difficulty": "EASY",
        "questions": [{ "type": "TRUE_FALSE", "question": "True?", "correctAnswer": "true" }] })),
        )
        .await;
    let question = quiz["questions"][0]["id"].as_str().unwrap().to_owned();
    let response = id(&server
        .expect(
            201,
            Method::POST,
            &format!("/api/v1/quizzes/{}/responses", id(&quiz)),
            t,
            Some(json!({ "answers": [{ "questionId": question, "answer": "true" }] })),
        )
        .await);
    let guide = id(&server
        .expect(
            201,
            Method::POST,
            "/api/v1/study-guides",
            t,
            Some(json!({ "title": "Ada's guide", "content": "..." })),
        )
        .await);
    let chat = id(&server
        .expect(
            201,
            Method::POST,
            "/api/v1/chat-sessions",
            t,
            Some(json!({ "title": "Ada's chat" })),
        )
        .await);
    server
        .expect(
            201,
            Method::POST,
            &format!("/api/v1/chat-sessions/{chat}/messages"),
            t,
            Some(json!({ "content": "hello" })),
        )
        .await;
    let event = id(&server
        .expect(
            201,
            Method::POST,
            "/api/v1/calendar-events",
            t,
            Some(json!({
        "title": "Ada's exam", "eventType": "EXAM", "startDate": "2026-12-01T09:00:00Z",
        "timeZone": "Europe/Berlin", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"] })),
        )
        .await);

    let extraction = id(&server
        .expect(
            202,
            Method::POST,
            &format!("/api/v1/notes/{note}/extract-events"),
            t,
            None,
        )
        .await);
    // Finished before the owner's snapshot, which then stays as it is.
    for _ in 0..600 {
        let read = server
            .expect(
                200,
                Method::GET,
                &format!("/api/v1/event-extractions/{extraction}"),
                t,
                None,
            )
            .await;
        if read["status"] == "COMPLETED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Documents, imports and notifications are made by the system, not by a request.
    let document = uuid::Uuid::new_v4().to_string();
    let import = uuid::Uuid::new_v4().to_string();
    let notification = uuid::Uuid::new_v4().to_string();
    server.count(&format!(
        "WITH d AS (INSERT INTO documents (id, title, file_name, mime_type, file_size, storage_key, checksum_sha256, user_id) \
           VALUES ('{document}', 'Ada''s syllabus', 'syllabus.pdf', 'application/pdf', 10, 'k-{document}', 'x', '{user_id}') RETURNING 1), \
         i AS (INSERT INTO import_jobs (id, source, status, progress, user_id) VALUES ('{import}', 'YOUTUBE', 'PENDING', 0, '{user_id}') RETURNING 1), \
         n AS (INSERT INTO notifications (id, type, title, message, user_id) VALUES ('{notification}', 'SYSTEM', 'Hi', 'Welcome', '{user_id}') RETURNING 1) \
         SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM i) + (SELECT count(*) FROM n) AS n"
    )).await;
    let accounts = server
        .expect(200, Method::GET, "/api/v1/me/accounts", t, None)
        .await;
    let account = id(&accounts[0]);
    Owned {
        account,
        course,
        note,
        document,
        set: id(&set),
        card,
        quiz: id(&quiz),
        question,
        response,
        guide,
        chat,
        event,
        extraction,
        import,
        notification,
    }
}

/// Every route that takes an id, with a body that would be valid for its owner.
fn id_routes(o: &Owned) -> Vec<(Method, String, Option<Value>)> {
    let patch = |v: Value| Some(v);
    vec![
        (Method::GET, format!("/api/v1/courses/{}", o.course), None),
        (
            Method::PATCH,
            format!("/api/v1/courses/{}", o.course),
            patch(json!({ "name": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/courses/{}", o.course),
            None,
        ),
        (Method::GET, format!("/api/v1/notes/{}", o.note), None),
        (
            Method::PATCH,
            format!("/api/v1/notes/{}", o.note),
            patch(json!({ "title": "Taken" })),
        ),
        (Method::DELETE, format!("/api/v1/notes/{}", o.note), None),
        (
            Method::GET,
            format!("/api/v1/documents/{}", o.document),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/documents/{}", o.document),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/documents/{}", o.document),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/flashcard-sets/{}", o.set),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/flashcard-sets/{}", o.set),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/flashcard-sets/{}", o.set),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/flashcard-sets/{}/export?format=csv", o.set),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/flashcard-sets/{}/flashcards", o.set),
            patch(json!({ "question": "Q2", "answer": "A2" })),
        ),
        (
            Method::PATCH,
            format!("/api/v1/flashcard-sets/{}/flashcards/{}", o.set, o.card),
            patch(json!({ "answer": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/flashcard-sets/{}/flashcards/{}", o.set, o.card),
            None,
        ),
        (Method::GET, format!("/api/v1/quizzes/{}", o.quiz), None),
        (
            Method::PATCH,
            format!("/api/v1/quizzes/{}", o.quiz),
            patch(json!({ "title": "Taken" })),
        ),
        (Method::DELETE, format!("/api/v1/quizzes/{}", o.quiz), None),
        (
            Method::POST,
            format!("/api/v1/quizzes/{}/questions", o.quiz),
            patch(json!({ "type": "TRUE_FALSE", "question": "Q?", "correctAnswer": "false" })),
        ),
        (
            Method::PATCH,
            format!("/api/v1/quizzes/{}/questions/{}", o.quiz, o.question),
            patch(json!({ "question": "Taken?" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/quizzes/{}/questions/{}", o.quiz, o.question),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/quizzes/{}/responses", o.quiz),
            patch(json!({ "answers": [{ "questionId": o.question, "answer": "true" }] })),
        ),
        (
            Method::GET,
            format!("/api/v1/quizzes/{}/responses", o.quiz),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/quizzes/{}/responses/{}", o.quiz, o.response),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/flashcards/{}/reviews", o.card),
            patch(json!({ "rating": "EASY" })),
        ),
        (
            Method::POST,
            format!("/api/v1/flashcards/{}/reviews/undo", o.card),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/study-guides/{}", o.guide),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/study-guides/{}", o.guide),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/study-guides/{}", o.guide),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/chat-sessions/{}", o.chat),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/chat-sessions/{}", o.chat),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/chat-sessions/{}", o.chat),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/chat-sessions/{}/messages", o.chat),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/chat-sessions/{}/messages", o.chat),
            patch(json!({ "content": "injected" })),
        ),
        (
            Method::GET,
            format!("/api/v1/calendar-events/{}", o.event),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/calendar-events/{}", o.event),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/calendar-events/{}", o.event),
            None,
        ),
        (
            Method::PUT,
            format!(
                "/api/v1/calendar-events/{}/occurrences/2026-12-08T09:00:00Z",
                o.event
            ),
            patch(json!({ "title": "Taken" })),
        ),
        (
            Method::DELETE,
            format!(
                "/api/v1/calendar-events/{}/occurrences/2026-12-08T09:00:00Z",
                o.event
            ),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/notes/{}/extract-events", o.note),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/documents/{}/extract-events", o.document),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/event-extractions/{}", o.extraction),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/event-extractions/{}/accept", o.extraction),
            patch(json!({ "proposalIds": [uuid::Uuid::new_v4()] })),
        ),
        (
            Method::GET,
            format!("/api/v1/import-jobs/{}", o.import),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/import-jobs/{}/cancel", o.import),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/import-jobs/{}", o.import),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/notifications/{}/read", o.notification),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/notifications/{}", o.notification),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/me/accounts/{}", o.account),
            None,
        ),
    ]
}

/// Routes that link to another row through the body: linking to another student's row is
/// a 404 too.
fn link_routes(o: &Owned) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::POST,
            "/api/v1/notes".to_owned(),
            Some(json!({ "title": "Mine", "courseId": o.course })),
        ),
        (
            Method::POST,
            "/api/v1/flashcard-sets".to_owned(),
            Some(
                json!({ "title": "Mine", "difficulty": "EASY", "noteId": o.note, "flashcards": [] }),
            ),
        ),
        (
            Method::POST,
            "/api/v1/quizzes".to_owned(),
            Some(
                json!({ "title": "Mine", "difficulty": "EASY", "documentId": o.document, "questions": [] }),
            ),
        ),
        (
            Method::POST,
            "/api/v1/study-guides".to_owned(),
            Some(json!({ "title": "Mine", "content": "", "noteId": o.note })),
        ),
        (
            Method::POST,
            "/api/v1/chat-sessions".to_owned(),
            Some(json!({ "title": "Mine", "courseId": o.course })),
        ),
        (
            Method::POST,
            "/api/v1/calendar-events".to_owned(),
            Some(
                json!({ "title": "Mine", "eventType": "EXAM", "startDate": "2026-12-01T09:00:00Z", "documentId": o.document }),
            ),
        ),
    ]
}

/// What the owner sees of everything, to prove nothing changed.
async fn snapshot(server: &Server, token: &str, o: &Owned) -> Vec<Value> {
    let t = Some(token);
    let mut seen = Vec::new();
    for path in [
        format!("/api/v1/courses/{}", o.course),
        format!("/api/v1/notes/{}", o.note),
        format!("/api/v1/documents/{}", o.document),
        format!("/api/v1/flashcard-sets/{}", o.set),
        "/api/v1/reviews/due".to_owned(),
        "/api/v1/reviews/stats".to_owned(),
        format!("/api/v1/quizzes/{}", o.quiz),
        format!("/api/v1/quizzes/{}/responses", o.quiz),
        format!("/api/v1/study-guides/{}", o.guide),
        format!("/api/v1/chat-sessions/{}", o.chat),
        format!("/api/v1/chat-sessions/{}/messages", o.chat),
        format!("/api/v1/calendar-events/{}", o.event),
        format!("/api/v1/event-extractions/{}", o.extraction),
        "/api/v1/calendar-events?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z".to_owned(),
        format!("/api/v1/import-jobs/{}", o.import),
        "/api/v1/notifications".to_owned(),
        "/api/v1/me/accounts".to_owned(),
    ] {
        seen.push(server.expect(200, Method::GET, &path, t, None).await);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_student_gets_404_for_every_id_and_changes_nothing() {
    let server = Server::start().await;
    let (ada_id, ada) = server.sign_up("Ada", "ada@example.com").await;
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    let owned = seed(&server, &ada_id, &ada).await;
    let before = snapshot(&server, &ada, &owned).await;

    let routes = id_routes(&owned);
    for (method, path, body) in &routes {
        let response = server
            .call(method.clone(), path, Some(&bob), body.clone())
            .await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(
            status, 404,
            "Bob's {method} {path} answered {status}: {text}"
        );
        // The same answer as for an id that does not exist at all.
        let missing = path.replace(
            &owned_id_in(path, &owned),
            &uuid::Uuid::new_v4().to_string(),
        );
        let response = server
            .call(method.clone(), &missing, Some(&bob), body.clone())
            .await;
        assert_eq!(response.status().as_u16(), 404, "{method} {missing}");
    }
    for (method, path, body) in link_routes(&owned) {
        let response = server.call(method.clone(), &path, Some(&bob), body).await;
        assert_eq!(
            response.status().as_u16(),
            404,
            "Bob linked to Ada's row with {method} {path}"
        );
    }
    // An import is a form, not JSON: its course must be the student's too.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"Q,A\n".to_vec()).file_name("cards.csv"),
        )
        .text("courseId", owned.course.clone());
    let response = server
        .http
        .post(format!("{}/api/v1/flashcard-sets/import", server.base))
        .bearer_auth(&bob)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        404,
        "Bob imported cards into Ada's course"
    );
    assert_eq!(
        snapshot(&server, &ada, &owned).await,
        before,
        "Ada's data changed"
    );
    eprintln!(
        "authorization matrix: {} id routes and {} link routes checked",
        routes.len(),
        link_routes(&owned).len() + 1
    );
}

/// The last id of `path` that belongs to the owner.
fn owned_id_in(path: &str, o: &Owned) -> String {
    [
        &o.card,
        &o.question,
        &o.response,
        &o.course,
        &o.note,
        &o.document,
        &o.set,
        &o.quiz,
        &o.guide,
        &o.chat,
        &o.event,
        &o.extraction,
        &o.import,
        &o.notification,
        &o.account,
    ]
    .into_iter()
    .find(|id| path.contains(id.as_str()))
    .cloned()
    .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_needs_a_session() {
    let server = Server::start().await;
    let (ada_id, ada) = server.sign_up("Ada", "ada@example.com").await;
    let owned = seed(&server, &ada_id, &ada).await;
    let mut routes = id_routes(&owned);
    routes.extend(link_routes(&owned));
    for (method, path) in [
        (Method::GET, "/api/v1/me"),
        (Method::PATCH, "/api/v1/me"),
        (Method::DELETE, "/api/v1/me"),
        (Method::POST, "/api/v1/me/password"),
        (Method::GET, "/api/v1/me/accounts"),
        (Method::POST, "/api/v1/me/accounts/oidc/link"),
        (Method::GET, "/api/v1/me/calendar-sync"),
        (Method::PATCH, "/api/v1/me/calendar-sync"),
        (Method::DELETE, "/api/v1/me/calendar-sync"),
        (Method::POST, "/api/v1/me/calendar-sync/connect"),
        (Method::GET, "/api/v1/me/calendar-sync/calendars"),
        (Method::POST, "/api/v1/me/calendar-sync/run"),
        (Method::POST, "/api/v1/auth/sign-out"),
        (Method::POST, "/api/v1/auth/sign-out-all"),
        (Method::GET, "/api/v1/courses"),
        (Method::POST, "/api/v1/courses"),
        (Method::GET, "/api/v1/notes"),
        (Method::GET, "/api/v1/documents"),
        (Method::GET, "/api/v1/flashcard-sets"),
        (Method::POST, "/api/v1/flashcard-sets/import"),
        (Method::GET, "/api/v1/quizzes"),
        (Method::GET, "/api/v1/study-guides"),
        (Method::GET, "/api/v1/chat-sessions"),
        (Method::GET, "/api/v1/calendar-events"),
        (Method::POST, "/api/v1/calendar/feed-token"),
        (Method::GET, "/api/v1/calendar/agenda"),
        (Method::POST, "/api/v1/calendar-events/import"),
        (Method::GET, "/api/v1/calendar/subscriptions"),
        (Method::GET, "/api/v1/import-jobs"),
        (Method::GET, "/api/v1/notifications"),
        (Method::POST, "/api/v1/notifications/read-all"),
        (Method::GET, "/api/v1/search?q=x"),
    ] {
        routes.push((method, path.to_owned(), Some(json!({}))));
    }
    for (method, path, body) in &routes {
        let response = server.call(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            response.status().as_u16(),
            401,
            "{method} {path} without a session"
        );
        let response = server
            .call(method.clone(), path, Some("not-a-real-token"), body.clone())
            .await;
        assert_eq!(
            response.status().as_u16(),
            401,
            "{method} {path} with a forged token"
        );
    }
    eprintln!("{} routes refuse requests without a session", routes.len());
}
