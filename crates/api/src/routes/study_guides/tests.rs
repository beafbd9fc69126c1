//! The handlers of `/api/v1/study-guides`, driven through the HTTP API.

use serde_json::{Value, json};

use crate::test_support::{TestApp, state};

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
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    let note = ada.post("/api/v1/notes", json!({ "title": "Cells" })).await;

    let guide = ada
        .post(
            "/api/v1/study-guides",
            json!({
                "title": "Cells, revised",
                "content": "## Key ideas",
                "courseId": course["id"],
                "noteId": note["id"],
            }),
        )
        .await;
    assert_eq!(guide.status, 201);
    let location = guide.location.as_deref().unwrap();
    assert_eq!(location, format!("/api/v1/study-guides/{}", guide.id()));
    assert_eq!(guide["courseId"], course["id"]);
    assert_eq!(guide["noteId"], note["id"]);
    assert_eq!(guide["documentId"], Value::Null);
    assert_eq!(guide["content"], "## Key ideas");
    assert_eq!(ada.get_ok(location).await, guide.body);

    let changed = ada
        .patch(location, json!({ "content": "", "noteId": null }))
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["noteId"], Value::Null, "null unlinks");
    assert_eq!(changed["content"], "", "a guide may be emptied");
    assert_eq!(changed["courseId"], course["id"], "untouched links stay");
    assert_eq!(changed["title"], "Cells, revised");

    assert_eq!(ada.delete(location).await.status, 204);
    assert_eq!(ada.get(location).await.status, 404);
}

#[actix_web::test]
async fn guides_are_filtered_by_course_and_note() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Biology" }))
        .await;
    let note = ada.post("/api/v1/notes", json!({ "title": "Cells" })).await;
    for body in [
        json!({ "title": "From the note", "content": "", "noteId": note["id"] }),
        json!({ "title": "Filed", "content": "", "courseId": course["id"] }),
        json!({ "title": "Both", "content": "", "courseId": course["id"],
                "noteId": note["id"] }),
        json!({ "title": "Neither", "content": "" }),
    ] {
        assert_eq!(ada.post("/api/v1/study-guides", body).await.status, 201);
    }
    let course_id = course.id();
    let note_id = note.id();
    let all = ada.get_ok("/api/v1/study-guides").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 4);
    let by_note = ada
        .get_ok(&format!("/api/v1/study-guides?noteId={note_id}"))
        .await;
    assert_eq!(titles(&by_note), ["Both", "From the note"]);
    let by_course = ada
        .get_ok(&format!("/api/v1/study-guides?courseId={course_id}"))
        .await;
    assert_eq!(titles(&by_course), ["Both", "Filed"]);
    let both = ada
        .get_ok(&format!(
            "/api/v1/study-guides?courseId={course_id}&noteId={note_id}"
        ))
        .await;
    assert_eq!(titles(&both), ["Both"]);
    let none = ada
        .get_ok(&format!(
            "/api/v1/study-guides?documentId={}",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(none["items"], json!([]));

    let bad = ada.get("/api/v1/study-guides?noteId=nope").await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad["errors"][0]["field"], "noteId");
}

#[actix_web::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let problem = ada
        .post(
            "/api/v1/study-guides",
            json!({ "title": "", "content": "x".repeat(1_000_001) }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["title", "content"]);

    let missing = ada
        .post("/api/v1/study-guides", json!({ "title": "No body" }))
        .await;
    assert_eq!(missing.status, 422, "content is required");
    let bad_link = ada
        .post(
            "/api/v1/study-guides",
            json!({ "title": "x", "content": "", "noteId": "not-a-uuid" }),
        )
        .await;
    assert_eq!(bad_link.status, 422);
    assert_eq!(bad_link["errors"][0]["field"], "noteId");
}

#[actix_web::test]
async fn another_students_guide_and_material_are_not_found() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let guide = ada
        .post(
            "/api/v1/study-guides",
            json!({ "title": "Ada's", "content": "mine" }),
        )
        .await;
    let uri = format!("/api/v1/study-guides/{}", guide.id());
    assert_eq!(bob.get(&uri).await.status, 404);
    assert_eq!(
        bob.patch(&uri, json!({ "content": "Bob's now" }))
            .await
            .status,
        404
    );
    assert_eq!(bob.delete(&uri).await.status, 404);
    assert_eq!(ada.get_ok(&uri).await, guide.body, "unchanged");

    let course = ada
        .post("/api/v1/courses", json!({ "name": "Ada's" }))
        .await;
    let note = ada.post("/api/v1/notes", json!({ "title": "Ada's" })).await;
    for link in [
        json!({ "courseId": course["id"] }),
        json!({ "noteId": note["id"] }),
    ] {
        let mut body = json!({ "title": "Sneaky", "content": "" });
        body.as_object_mut()
            .unwrap()
            .extend(link.as_object().unwrap().clone());
        let refused = bob.post("/api/v1/study-guides", body).await;
        assert_eq!(refused.status, 404, "{link}");
    }
    let bobs = bob
        .post(
            "/api/v1/study-guides",
            json!({ "title": "Bob's", "content": "" }),
        )
        .await;
    let relinked = bob
        .patch(
            &format!("/api/v1/study-guides/{}", bobs.id()),
            json!({ "noteId": note["id"] }),
        )
        .await;
    assert_eq!(relinked.status, 404);
    assert_eq!(
        bob.get_ok("/api/v1/study-guides").await["items"][0]["noteId"],
        Value::Null
    );
}
