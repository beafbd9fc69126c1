//! The handlers of `/api/v1/notifications`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sophie_domain::values::{Link, MessageText, Title};
use sophie_domain::{NewNotification, Notification, NotificationType, UserId};

use crate::state::AppState;
use crate::test_support::{TestApp, state};

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
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let first = notify(&app.state, ada.user_id(), "First").await;
    let second = notify(&app.state, ada.user_id(), "Second").await;
    notify(&app.state, ada.user_id(), "Third").await;

    let all = ada.get("/api/v1/notifications").await;
    assert_eq!(
        titles(&all.body),
        ["Third", "Second", "First"],
        "newest first"
    );
    assert_eq!(all["items"][0]["type"], "IMPORT_COMPLETED");
    assert_eq!(all["items"][0]["read"], false);
    assert_eq!(all["items"][0]["link"], "/notes");
    assert_eq!(all["nextCursor"], Value::Null);
    let paged = ada.get("/api/v1/notifications?limit=2").await;
    assert_eq!(titles(&paged.body), ["Third", "Second"]);
    assert!(paged["nextCursor"].is_string());
    let count = ada.get("/api/v1/notifications/unread-count").await;
    assert_eq!(count.body, json!({ "count": 3 }));

    let read = ada
        .post_empty(&format!("/api/v1/notifications/{}/read", second.id))
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read["read"], true);
    assert_eq!(read["title"], "Second");
    let unread = ada.get("/api/v1/notifications?unread=true").await;
    assert_eq!(titles(&unread.body), ["Third", "First"]);
    let everything = ada.get("/api/v1/notifications?unread=false").await;
    assert_eq!(everything["items"].as_array().unwrap().len(), 3);
    let count = ada.get("/api/v1/notifications/unread-count").await;
    assert_eq!(count["count"], 2);

    let all_read = ada.post_empty("/api/v1/notifications/read-all").await;
    assert_eq!(all_read.status, 200);
    assert_eq!(all_read.body, json!({ "updated": 2 }));
    let count = ada.get("/api/v1/notifications/unread-count").await;
    assert_eq!(count["count"], 0);
    let unread = ada.get("/api/v1/notifications?unread=true").await;
    assert_eq!(unread["items"], json!([]));
    let again = ada.post_empty("/api/v1/notifications/read-all").await;
    assert_eq!(again["updated"], 0);

    let uri = format!("/api/v1/notifications/{}", first.id);
    assert_eq!(ada.delete(&uri).await.status, 204);
    let left = ada.get("/api/v1/notifications").await;
    assert_eq!(titles(&left.body), ["Third", "Second"]);
    assert_eq!(ada.delete(&uri).await.status, 404);
}

#[actix_web::test]
async fn another_students_notification_is_not_found_and_stays_unread() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let hers = notify(&app.state, ada.user_id(), "Ada's").await;

    for request in [
        TestRequest::post().uri(&format!("/api/v1/notifications/{}/read", hers.id)),
        TestRequest::delete().uri(&format!("/api/v1/notifications/{}", hers.id)),
    ] {
        assert_eq!(bob.send(request).await.status, 404);
    }
    let all_read = bob.post_empty("/api/v1/notifications/read-all").await;
    assert_eq!(all_read["updated"], 0, "read-all touches only one's own");
    let bobs = bob.get("/api/v1/notifications").await;
    assert_eq!(bobs["items"], json!([]));
    assert_eq!(
        app.state
            .repositories
            .notifications
            .count_unread(ada.user_id())
            .await
            .unwrap(),
        1
    );

    let anonymous = app
        .anonymous()
        .get("/api/v1/notifications/unread-count")
        .await;
    assert_eq!(anonymous.status, 401);
    let bad_flag = bob.get("/api/v1/notifications?unread=maybe").await;
    assert_eq!(bad_flag.status, 422);
    assert_eq!(bad_flag.fields(), ["unread"]);
}
