//! The handlers of `/api/v1/notes`, driven through the HTTP API.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

#[actix_web::test]
async fn a_student_creates_reads_changes_and_deletes_a_note() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;

    let note = ada
        .post(
            "/api/v1/notes",
            json!({
                "title": "Cells",
                "transcription": "raw words",
                "summary": "short",
                "tags": ["bio", " exam ", "BIO"],
                "courseId": course["id"],
            }),
        )
        .await;
    assert_eq!(note.status, 201);
    let location = note.location.as_deref().unwrap();
    assert_eq!(location, format!("/api/v1/notes/{}", note.id()));
    assert_eq!(note["content"], "", "content defaults to empty");
    assert_eq!(note["source"], "MANUAL", "source defaults to MANUAL");
    assert_eq!(note["tags"], json!(["bio", "exam"]));
    assert_eq!(note["courseId"], course["id"]);
    assert_eq!(note["sourceUrl"], Value::Null);
    assert!(note["createdAt"].is_string() && note["updatedAt"].is_string());

    assert_eq!(ada.get_ok(location).await, note.body);

    let changed = ada
        .patch(
            location,
            json!({
                "content": "# Cells\nThe unit of life.",
                "transcription": null,
                "courseId": null,
                "tags": ["cells"],
            }),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["transcription"], Value::Null, "null clears");
    assert_eq!(changed["courseId"], Value::Null, "null unfiles");
    assert_eq!(changed["summary"], "short", "untouched fields stay");
    assert_eq!(changed["title"], "Cells");
    assert_eq!(changed["tags"], json!(["cells"]));
    assert_eq!(changed["content"], "# Cells\nThe unit of life.");

    assert_eq!(ada.delete(location).await.status, 204);
    assert_eq!(ada.get(location).await.status, 404);
}

#[actix_web::test]
async fn notes_are_filtered_by_course_tag_and_source() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    let course_id = course.id();
    for body in [
        json!({ "title": "Filed", "courseId": course_id, "tags": ["exam"] }),
        json!({ "title": "Loose", "tags": ["exam", "later"] }),
        json!({ "title": "Lecture", "source": "YOUTUBE",
                "sourceUrl": "https://youtube.com/watch?v=1", "durationSeconds": 3600 }),
    ] {
        assert_eq!(ada.post("/api/v1/notes", body).await.status, 201);
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

    let all = ada.get_ok("/api/v1/notes").await;
    assert_eq!(titles(&all), ["Filed", "Lecture", "Loose"]);
    assert_eq!(all["nextCursor"], Value::Null);
    let by_course = ada
        .get_ok(&format!("/api/v1/notes?courseId={course_id}"))
        .await;
    assert_eq!(titles(&by_course), ["Filed"]);
    let by_tag = ada.get_ok("/api/v1/notes?tag=exam").await;
    assert_eq!(titles(&by_tag), ["Filed", "Loose"]);
    let both = ada
        .get_ok(&format!(
            "/api/v1/notes?tag=exam&courseId={course_id}&limit=5"
        ))
        .await;
    assert_eq!(titles(&both), ["Filed"]);
    let by_source = ada.get_ok("/api/v1/notes?source=YOUTUBE").await;
    assert_eq!(titles(&by_source), ["Lecture"]);
    assert_eq!(by_source["items"][0]["durationSeconds"], 3600);

    for (query, field) in [
        ("source=PODCAST", "source"),
        ("source=manual", "source"),
        ("courseId=not-a-uuid", "courseId"),
    ] {
        let problem = ada.get(&format!("/api/v1/notes?{query}")).await;
        assert_eq!(problem.status, 422, "{query}");
        assert_eq!(problem.fields(), [field]);
    }
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/notes",
            json!({
                "title": " ",
                "sourceUrl": "ftp://example.com",
                "durationSeconds": -1,
                "tags": ["ok", ""],
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(
        problem.fields(),
        ["title", "sourceUrl", "durationSeconds", "tags"]
    );

    let unknown_source = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "x", "source": "PODCAST" }),
        )
        .await;
    assert_eq!(unknown_source.status, 422);
    assert_eq!(unknown_source.fields(), ["source"]);

    let unknown_field = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "x", "userId": "someone" }),
        )
        .await;
    assert_eq!(unknown_field.status, 422);

    let note = ada.post("/api/v1/notes", json!({ "title": "Kept" })).await;
    let problem = ada
        .patch(
            &format!("/api/v1/notes/{}", note.id()),
            json!({ "title": "", "tags": vec!["x"; 21] }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(
        problem.fields(),
        ["title", "tags"],
        "tags are counted as sent, as the document's maxItems counts them"
    );
}

#[actix_web::test]
async fn another_students_note_and_course_are_not_found() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let note = ada.post("/api/v1/notes", json!({ "title": "Ada's" })).await;
    let uri = format!("/api/v1/notes/{}", note.id());

    assert_eq!(bob.get(&uri).await.status, 404);
    assert_eq!(
        bob.patch(&uri, json!({ "title": "Bob's now" }))
            .await
            .status,
        404
    );
    assert_eq!(bob.delete(&uri).await.status, 404);
    assert_eq!(ada.get_ok(&uri).await, note.body, "unchanged");
    let bobs_list = bob.get_ok("/api/v1/notes").await;
    assert_eq!(bobs_list["items"], json!([]));

    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's" }))
        .await;
    let linked = bob
        .post(
            "/api/v1/notes",
            json!({ "title": "Sneaky", "courseId": course["id"] }),
        )
        .await;
    assert_eq!(linked.status, 404);
    let bobs = bob.post("/api/v1/notes", json!({ "title": "Bob's" })).await;
    let bobs_uri = format!("/api/v1/notes/{}", bobs.id());
    let refiled = bob
        .patch(&bobs_uri, json!({ "courseId": course["id"] }))
        .await;
    assert_eq!(refiled.status, 404);
    assert_eq!(bob.get_ok(&bobs_uri).await["courseId"], Value::Null);

    let anonymous = app
        .anonymous()
        .post("/api/v1/notes", json!({ "bad": true }))
        .await;
    assert_eq!(anonymous.status, 401, "no session is 401 before the body");
}

#[actix_web::test]
async fn notes_are_paged_with_the_next_cursor() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    for i in 0..25 {
        let created = ada
            .post("/api/v1/notes", json!({ "title": format!("Note {i}") }))
            .await;
        assert_eq!(created.status, 201);
    }
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    let mut uri = "/api/v1/notes?limit=10".to_owned();
    loop {
        let page = ada.get_ok(&uri).await;
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

#[actix_web::test]
async fn editing_an_imported_note_queues_its_indexing_and_a_hand_written_one_does_not() {
    use std::sync::Arc;
    use std::time::Duration;

    use sophie_domain::JobQueue;
    use sophie_domain::jobs::{Job, ReindexNote, decode};
    use sophie_domain::memory::MemoryJobQueue;

    let queue = Arc::new(MemoryJobQueue::new());
    let app = TestApp::start(crate::test_support::state_with_queue(queue.clone())).await;
    let ada = app.signed_in("ada@example.com").await;
    let claim = || async {
        queue
            .claim(
                "w".into(),
                vec![ReindexNote::KIND.into()],
                Duration::from_secs(60),
            )
            .await
            .unwrap()
    };
    let imported = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Lecture", "content": "Cells divide.", "source": "YOUTUBE" }),
        )
        .await;
    let manual = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Mine", "content": "My words." }),
        )
        .await;

    let tags_only = ada
        .patch(
            &format!("/api/v1/notes/{}", imported.id()),
            json!({ "tags": ["exam"] }),
        )
        .await;
    assert_eq!(tags_only.status, 200);
    assert!(claim().await.is_none(), "a change of tags queued indexing");
    let edited = ada
        .patch(
            &format!("/api/v1/notes/{}", imported.id()),
            json!({ "content": "Cells divide by mitosis." }),
        )
        .await;
    assert_eq!(edited.status, 200);
    let job = claim().await.expect("the edited imported note's indexing");
    let job: ReindexNote = decode(&job).unwrap();
    assert_eq!(job.note_id.to_string(), imported.id());
    assert_eq!(job.user_id, ada.user_id());

    let mine = ada
        .patch(
            &format!("/api/v1/notes/{}", manual.id()),
            json!({ "content": "My new words." }),
        )
        .await;
    assert_eq!(mine.status, 200);
    assert!(
        claim().await.is_none(),
        "a hand-written note was queued for indexing"
    );
}

#[actix_web::test]
async fn a_note_is_summarized_and_keeps_its_summary() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let note = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Cells", "content": "Mitochondria make ATP from glucose." }),
        )
        .await;
    let summary = format!("/api/v1/notes/{}/summary", note.id());
    assert_eq!(
        bob.post(&summary, json!({})).await.status,
        404,
        "another student's note"
    );
    let summarized = ada.post(&summary, json!({})).await;
    assert_eq!(summarized.status, 200);
    assert_eq!(
        summarized["summary"], "Mitochondria make ATP from glucose.",
        "the generator's summary is stored"
    );
    let read = ada.get(&format!("/api/v1/notes/{}", note.id())).await;
    assert_eq!(read["summary"], summarized["summary"]);

    let short = ada
        .post(
            "/api/v1/notes",
            json!({ "title": "Stub", "content": "ATP." }),
        )
        .await;
    let refused = ada
        .post(&format!("/api/v1/notes/{}/summary", short.id()), json!({}))
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused["errors"][0]["field"], "content");
}
