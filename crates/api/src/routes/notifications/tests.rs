//! The handlers of `/api/v1/notifications`, driven through the HTTP API.

use actix_web::test;
use serde_json::{Value, json};
use sophie_domain::values::{Link, MessageText, Title};
use sophie_domain::{NewNotification, Notification, NotificationType, UserId};

use crate::state::AppState;
use crate::test_support::{app, bearer, signed_in, state};

async fn notify(state: &AppState, user: UserId, title: &str) -> Notification {
    state
        .repositories
        .notifications
        .create(
            user,
            NewNotification {
                notification_type: NotificationType::ImportCompleted,
                title: Title::parse(title).unwrap(),
                message: MessageText::parse("Your lecture is ready.").unwrap(),
                link: Some(Link::parse("/notes").unwrap()),
            },
        )
        .await
        .unwrap()
}

fn titles(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn a_student_lists_counts_reads_and_deletes_notifications() {
    let state = state();
    let (ada, token) = signed_in(&state, "ada@example.com").await;
    let first = notify(&state, ada, "First").await;
    let second = notify(&state, ada, "Second").await;
    notify(&state, ada, "Third").await;
    let app = app(state).await;
    let get = |uri: &str| {
        test::TestRequest::get()
            .uri(uri)
            .insert_header(bearer(&token))
            .to_request()
    };

    let all: Value = test::call_and_read_body_json(&app, get("/api/v1/notifications")).await;
    assert_eq!(titles(&all), ["Third", "Second", "First"], "newest first");
    assert_eq!(all["items"][0]["type"], "IMPORT_COMPLETED");
    assert_eq!(all["items"][0]["read"], false);
    assert_eq!(all["items"][0]["link"], "/notes");
    assert_eq!(all["nextCursor"], Value::Null);
    let paged: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications?limit=2")).await;
    assert_eq!(titles(&paged), ["Third", "Second"]);
    assert!(paged["nextCursor"].is_string());
    let count: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications/unread-count")).await;
    assert_eq!(count, json!({ "count": 3 }));

    let read = test::TestRequest::post()
        .uri(&format!("/api/v1/notifications/{}/read", second.id))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(read.status(), 200);
    let read: Value = test::read_body_json(read).await;
    assert_eq!(read["read"], true);
    assert_eq!(read["title"], "Second");
    let unread: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications?unread=true")).await;
    assert_eq!(titles(&unread), ["Third", "First"]);
    let everything: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications?unread=false")).await;
    assert_eq!(everything["items"].as_array().unwrap().len(), 3);
    let count: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications/unread-count")).await;
    assert_eq!(count["count"], 2);

    let all_read = test::TestRequest::post()
        .uri("/api/v1/notifications/read-all")
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(all_read.status(), 200);
    let all_read: Value = test::read_body_json(all_read).await;
    assert_eq!(all_read, json!({ "updated": 2 }));
    let count: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications/unread-count")).await;
    assert_eq!(count["count"], 0);
    let unread: Value =
        test::call_and_read_body_json(&app, get("/api/v1/notifications?unread=true")).await;
    assert_eq!(unread["items"], json!([]));
    let again: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/notifications/read-all")
            .insert_header(bearer(&token))
            .to_request(),
    )
    .await;
    assert_eq!(again["updated"], 0);

    let deleted = test::TestRequest::delete()
        .uri(&format!("/api/v1/notifications/{}", first.id))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    let left: Value = test::call_and_read_body_json(&app, get("/api/v1/notifications")).await;
    assert_eq!(titles(&left), ["Third", "Second"]);
    let twice = test::TestRequest::delete()
        .uri(&format!("/api/v1/notifications/{}", first.id))
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(twice.status(), 404);
}

#[actix_web::test]
async fn another_students_notification_is_not_found_and_stays_unread() {
    let state = state();
    let (ada, _) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let hers = notify(&state, ada, "Ada's").await;
    let app = app(state.clone()).await;

    for request in [
        test::TestRequest::post().uri(&format!("/api/v1/notifications/{}/read", hers.id)),
        test::TestRequest::delete().uri(&format!("/api/v1/notifications/{}", hers.id)),
    ] {
        let response = request.insert_header(bearer(&bob)).send_request(&app).await;
        assert_eq!(response.status(), 404);
    }
    let all_read: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/notifications/read-all")
            .insert_header(bearer(&bob))
            .to_request(),
    )
    .await;
    assert_eq!(all_read["updated"], 0, "read-all touches only one's own");
    let bobs: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/notifications")
            .insert_header(bearer(&bob))
            .to_request(),
    )
    .await;
    assert_eq!(bobs["items"], json!([]));
    assert_eq!(
        state
            .repositories
            .notifications
            .count_unread(ada)
            .await
            .unwrap(),
        1
    );

    let anonymous = test::TestRequest::get()
        .uri("/api/v1/notifications/unread-count")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
    let bad_flag = test::TestRequest::get()
        .uri("/api/v1/notifications?unread=maybe")
        .insert_header(bearer(&bob))
        .send_request(&app)
        .await;
    assert_eq!(bad_flag.status(), 400);
}
