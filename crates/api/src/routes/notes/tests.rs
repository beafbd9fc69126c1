//! The handlers of `/api/v1/notes`, driven through the HTTP API.

use std::collections::HashSet;

use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

/// The fields a 422 names, in order.
fn fields_named(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

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

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_a_note() {
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

    let created = post_json!(
        &app,
        &token,
        "/api/v1/notes",
        json!({
            "title": "Cells",
            "transcription": "raw words",
            "summary": "short",
            "tags": ["bio", " exam ", "BIO"],
            "courseId": course["id"],
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
    let note: Value = test::read_body_json(created).await;
    assert_eq!(
        location,
        format!("/api/v1/notes/{}", note["id"].as_str().unwrap())
    );
    assert_eq!(note["content"], "", "content defaults to empty");
    assert_eq!(note["source"], "MANUAL", "source defaults to MANUAL");
    assert_eq!(note["tags"], json!(["bio", "exam"]));
    assert_eq!(note["courseId"], course["id"]);
    assert_eq!(note["sourceUrl"], Value::Null);
    assert!(note["createdAt"].is_string() && note["updatedAt"].is_string());

    let read = get_json!(&app, &token, &location);
    assert_eq!(read, note);

    let changed = test::TestRequest::patch()
        .uri(&location)
        .insert_header(bearer(&token))
        .set_json(json!({
            "content": "# Cells\nThe unit of life.",
            "transcription": null,
            "courseId": null,
            "tags": ["cells"],
        }))
        .send_request(&app)
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = test::read_body_json(changed).await;
    assert_eq!(changed["transcription"], Value::Null, "null clears");
    assert_eq!(changed["courseId"], Value::Null, "null unfiles");
    assert_eq!(changed["summary"], "short", "untouched fields stay");
    assert_eq!(changed["title"], "Cells");
    assert_eq!(changed["tags"], json!(["cells"]));
    assert_eq!(changed["content"], "# Cells\nThe unit of life.");

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
async fn notes_are_filtered_by_course_tag_and_source() {
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
    let course_id = course["id"].as_str().unwrap();
    for body in [
        json!({ "title": "Filed", "courseId": course_id, "tags": ["exam"] }),
        json!({ "title": "Loose", "tags": ["exam", "later"] }),
        json!({ "title": "Lecture", "source": "YOUTUBE",
                "sourceUrl": "https://youtube.com/watch?v=1", "durationSeconds": 3600 }),
    ] {
        let response = post_json!(&app, &token, "/api/v1/notes", body);
        assert_eq!(response.status(), 201);
    }
    let titles = |page: &Value| -> Vec<String> {
        let mut titles: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        titles
    };

    let all = get_json!(&app, &token, "/api/v1/notes");
    assert_eq!(titles(&all), ["Filed", "Lecture", "Loose"]);
    assert_eq!(all["nextCursor"], Value::Null);
    let by_course = get_json!(&app, &token, &format!("/api/v1/notes?courseId={course_id}"));
    assert_eq!(titles(&by_course), ["Filed"]);
    let by_tag = get_json!(&app, &token, "/api/v1/notes?tag=exam");
    assert_eq!(titles(&by_tag), ["Filed", "Loose"]);
    let both = get_json!(
        &app,
        &token,
        &format!("/api/v1/notes?tag=exam&courseId={course_id}&limit=5")
    );
    assert_eq!(titles(&both), ["Filed"]);
    let by_source = get_json!(&app, &token, "/api/v1/notes?source=YOUTUBE");
    assert_eq!(titles(&by_source), ["Lecture"]);
    assert_eq!(by_source["items"][0]["durationSeconds"], 3600);

    for (query, field) in [
        ("source=PODCAST", "source"),
        ("source=manual", "source"),
        ("courseId=not-a-uuid", "courseId"),
    ] {
        let response = test::TestRequest::get()
            .uri(&format!("/api/v1/notes?{query}"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(fields_named(&problem), [field]);
    }
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let response = post_json!(
        &app,
        &token,
        "/api/v1/notes",
        json!({
            "title": " ",
            "sourceUrl": "ftp://example.com",
            "durationSeconds": -1,
            "tags": ["ok", ""],
        })
    );
    assert_eq!(response.status(), 422);
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(
        fields_named(&problem),
        ["title", "sourceUrl", "durationSeconds", "tags"]
    );

    let unknown_source = post_json!(
        &app,
        &token,
        "/api/v1/notes",
        json!({ "title": "x", "source": "PODCAST" })
    );
    assert_eq!(unknown_source.status(), 422);
    let problem: Value = test::read_body_json(unknown_source).await;
    assert_eq!(fields_named(&problem), ["source"]);

    let unknown_field = post_json!(
        &app,
        &token,
        "/api/v1/notes",
        json!({ "title": "x", "userId": "someone" })
    );
    assert_eq!(unknown_field.status(), 422);

    let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Kept" }));
    let note: Value = test::read_body_json(note).await;
    let response = test::TestRequest::patch()
        .uri(&format!("/api/v1/notes/{}", note["id"].as_str().unwrap()))
        .insert_header(bearer(&token))
        .set_json(json!({ "title": "", "tags": vec!["x"; 21] }))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 422);
    let problem: Value = test::read_body_json(response).await;
    assert_eq!(
        fields_named(&problem),
        ["title"],
        "repeated tags count once"
    );
}

#[actix_web::test]
async fn another_students_note_and_course_are_not_found() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let note = post_json!(&app, &ada, "/api/v1/notes", json!({ "title": "Ada's" }));
    let note: Value = test::read_body_json(note).await;
    let uri = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

    for request in [
        test::TestRequest::get().uri(&uri),
        test::TestRequest::patch()
            .uri(&uri)
            .set_json(json!({ "title": "Bob's now" })),
        test::TestRequest::delete().uri(&uri),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    let unchanged = get_json!(&app, &ada, &uri);
    assert_eq!(unchanged, note);
    let bobs_list = get_json!(&app, &bob, "/api/v1/notes");
    assert_eq!(bobs_list["items"], json!([]));

    let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
    let course: Value = test::read_body_json(course).await;
    let linked = post_json!(
        &app,
        &bob,
        "/api/v1/notes",
        json!({ "title": "Sneaky", "courseId": course["id"] })
    );
    assert_eq!(linked.status(), 404);
    let bobs = post_json!(&app, &bob, "/api/v1/notes", json!({ "title": "Bob's" }));
    let bobs: Value = test::read_body_json(bobs).await;
    let bobs_uri = format!("/api/v1/notes/{}", bobs["id"].as_str().unwrap());
    let refiled = test::TestRequest::patch()
        .uri(&bobs_uri)
        .insert_header(bearer(&bob))
        .set_json(json!({ "courseId": course["id"] }))
        .send_request(&app)
        .await;
    assert_eq!(refiled.status(), 404);
    assert_eq!(get_json!(&app, &bob, &bobs_uri)["courseId"], Value::Null);

    let anonymous = test::TestRequest::post()
        .uri("/api/v1/notes")
        .set_json(json!({ "bad": true }))
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401, "no session is 401 before the body");
}

#[actix_web::test]
async fn notes_are_paged_with_the_next_cursor() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    for i in 0..25 {
        let response = post_json!(
            &app,
            &token,
            "/api/v1/notes",
            json!({ "title": format!("Note {i}") })
        );
        assert_eq!(response.status(), 201);
    }
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    let mut uri = "/api/v1/notes?limit=10".to_owned();
    loop {
        let page = get_json!(&app, &token, &uri);
        let items = page["items"].as_array().unwrap();
        sizes.push(items.len());
        for item in items {
            assert!(seen.insert(item["id"].as_str().unwrap().to_owned()));
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/notes?limit=10&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen.len(), 25);
}
