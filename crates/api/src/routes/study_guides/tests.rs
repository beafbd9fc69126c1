//! The handlers of `/api/v1/study-guides`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

macro_rules! post_json {
    ($app:expr, $token:expr, $uri:expr, $body:expr) => {
        test::TestRequest::post()
            .uri($uri)
            .insert_header(bearer($token))
            .set_json($body)
            .send_request($app)
            .await
    };
}

macro_rules! get_json {
    ($app:expr, $token:expr, $uri:expr) => {{
        let response = test::TestRequest::get()
            .uri($uri)
            .insert_header(bearer($token))
            .send_request($app)
            .await;
        assert_eq!(response.status(), 200, "GET {}", $uri);
        let body: Value = test::read_body_json(response).await;
        body
    }};
}

fn titles(page: &Value) -> Vec<String> {
    let mut titles: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_a_guide() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let course = post_json!(
        &app,
        &token,
        "/api/v1/courses",
        json!({ "name": "Biology" })
    );
    let course: Value = test::read_body_json(course).await;
    let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Cells" }));
    let note: Value = test::read_body_json(note).await;

    let created = post_json!(
        &app,
        &token,
        "/api/v1/study-guides",
        json!({
            "title": "Cells, revised",
            "content": "## Key ideas",
            "courseId": course["id"],
            "noteId": note["id"],
        })
    );
    assert_eq!(created.status(), 201);
    let location = created
        .headers()
        .get("Location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let guide: Value = test::read_body_json(created).await;
    assert_eq!(
        location,
        format!("/api/v1/study-guides/{}", guide["id"].as_str().unwrap())
    );
    assert_eq!(guide["courseId"], course["id"]);
    assert_eq!(guide["noteId"], note["id"]);
    assert_eq!(guide["documentId"], Value::Null);
    assert_eq!(guide["content"], "## Key ideas");
    assert_eq!(get_json!(&app, &token, &location), guide);

    let changed = test::TestRequest::patch()
        .uri(&location)
        .insert_header(bearer(&token))
        .set_json(json!({ "content": "", "noteId": null }))
        .send_request(&app)
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = test::read_body_json(changed).await;
    assert_eq!(changed["noteId"], Value::Null, "null unlinks");
    assert_eq!(changed["content"], "", "a guide may be emptied");
    assert_eq!(changed["courseId"], course["id"], "untouched links stay");
    assert_eq!(changed["title"], "Cells, revised");

    let deleted = test::TestRequest::delete()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = test::TestRequest::get()
        .uri(&location)
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(gone.status(), 404);
}

#[actix_web::test]
async fn guides_are_filtered_by_course_and_note() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let course = post_json!(
        &app,
        &token,
        "/api/v1/courses",
        json!({ "name": "Biology" })
    );
    let course: Value = test::read_body_json(course).await;
    let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Cells" }));
    let note: Value = test::read_body_json(note).await;
    for body in [
        json!({ "title": "From the note", "content": "", "noteId": note["id"] }),
        json!({ "title": "Filed", "content": "", "courseId": course["id"] }),
        json!({ "title": "Both", "content": "", "courseId": course["id"],
                "noteId": note["id"] }),
        json!({ "title": "Neither", "content": "" }),
    ] {
        let response = post_json!(&app, &token, "/api/v1/study-guides", body);
        assert_eq!(response.status(), 201);
    }
    let course_id = course["id"].as_str().unwrap();
    let note_id = note["id"].as_str().unwrap();
    let all = get_json!(&app, &token, "/api/v1/study-guides");
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
    let by_note = get_json!(
        &app,
        &token,
        &format!("/api/v1/study-guides?noteId={note_id}")
    );
    assert_eq!(titles(&by_note), ["Both", "From the note"]);
    let by_course = get_json!(
        &app,
        &token,
        &format!("/api/v1/study-guides?courseId={course_id}")
    );
    assert_eq!(titles(&by_course), ["Both", "Filed"]);
    let both = get_json!(
        &app,
        &token,
        &format!("/api/v1/study-guides?courseId={course_id}&noteId={note_id}")
    );
    assert_eq!(titles(&both), ["Both"]);
    let none = get_json!(
        &app,
        &token,
        &format!("/api/v1/study-guides?documentId={}", uuid::Uuid::new_v4())
    );
    assert_eq!(none["items"], json!([]));

    let bad = test::TestRequest::get()
        .uri("/api/v1/study-guides?noteId=nope")
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(bad.status(), 422);
    let problem: Value = test::read_body_json(bad).await;
    assert_eq!(problem["errors"][0]["field"], "noteId");
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = post_json!(
        &app,
        &token,
        "/api/v1/study-guides",
        json!({ "title": "", "content": "x".repeat(1_000_001) })
    );
    assert_eq!(response.status(), 422);
    let problem: Value = test::read_body_json(response).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "content"]);

    let missing = post_json!(
        &app,
        &token,
        "/api/v1/study-guides",
        json!({ "title": "No body" })
    );
    assert_eq!(missing.status(), 422, "content is required");
    let bad_link = post_json!(
        &app,
        &token,
        "/api/v1/study-guides",
        json!({ "title": "x", "content": "", "noteId": "not-a-uuid" })
    );
    assert_eq!(bad_link.status(), 422);
    let problem: Value = test::read_body_json(bad_link).await;
    assert_eq!(problem["errors"][0]["field"], "noteId");
}

#[actix_web::test]
async fn another_students_guide_and_material_are_not_found() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let guide = post_json!(
        &app,
        &ada,
        "/api/v1/study-guides",
        json!({ "title": "Ada's", "content": "mine" })
    );
    let guide: Value = test::read_body_json(guide).await;
    let uri = format!("/api/v1/study-guides/{}", guide["id"].as_str().unwrap());
    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "content": "Bob's now" })),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    assert_eq!(get_json!(&app, &ada, &uri), guide, "unchanged");

    let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
    let course: Value = test::read_body_json(course).await;
    let note = post_json!(&app, &ada, "/api/v1/notes", json!({ "title": "Ada's" }));
    let note: Value = test::read_body_json(note).await;
    for link in [
        json!({ "courseId": course["id"] }),
        json!({ "noteId": note["id"] }),
    ] {
        let mut body = json!({ "title": "Sneaky", "content": "" });
        body.as_object_mut()
            .unwrap()
            .extend(link.as_object().unwrap().clone());
        let response = post_json!(&app, &bob, "/api/v1/study-guides", body);
        assert_eq!(response.status(), 404, "{link}");
    }
    let bobs = post_json!(
        &app,
        &bob,
        "/api/v1/study-guides",
        json!({ "title": "Bob's", "content": "" })
    );
    let bobs: Value = test::read_body_json(bobs).await;
    let relinked = test::TestRequest::patch()
        .uri(&format!(
            "/api/v1/study-guides/{}",
            bobs["id"].as_str().unwrap()
        ))
        .insert_header(bearer(&bob))
        .set_json(json!({ "noteId": note["id"] }))
        .send_request(&app)
        .await;
    assert_eq!(relinked.status(), 404);
    assert_eq!(
        get_json!(&app, &bob, "/api/v1/study-guides")["items"][0]["noteId"],
        Value::Null
    );
}
