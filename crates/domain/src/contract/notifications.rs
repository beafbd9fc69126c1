//! [`crate::NotificationRepository`]: notifications, read and unread.

use super::Fixture;
use super::expect;
use super::seed::{World, all, title, wait_past};
use crate::entities::{NewNotification, NotificationFilter};
use crate::enums::NotificationType;
use crate::id::NotificationId;
use crate::values::{Link, MessageText};

const UNREAD: NotificationFilter = NotificationFilter { unread_only: true };

pub async fn notifications_are_sent_unread(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let sent =
        w.r.notifications
            .create(
                ada,
                NewNotification {
                    notification_type: NotificationType::ImportCompleted,
                    title: title("Import finished"),
                    message: MessageText::parse("Lecture 3 is ready").unwrap(),
                    link: Some(Link::parse("/notes/123").unwrap()),
                },
            )
            .await
            .unwrap();
    assert_eq!(sent.user_id, ada);
    assert_eq!(sent.notification_type, NotificationType::ImportCompleted);
    assert_eq!(sent.title, "Import finished");
    assert_eq!(sent.message, "Lecture 3 is ready");
    assert_eq!(sent.link.as_deref(), Some("/notes/123"));
    assert!(!sent.read, "a new notification is already read");
    assert_eq!(
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items,
        [sent],
        "the notification read back differs"
    );
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 1);
}

pub async fn notifications_mark_read_one(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let first = w.notification(ada, "N0").await;
    let second = w.notification(ada, "N1").await;
    wait_past(second.updated_at);
    let read = w.r.notifications.mark_read(ada, second.id).await.unwrap();
    assert!(read.read, "marking read did not mark it read");
    assert_eq!(
        (read.title.as_str(), read.created_at),
        ("N1", second.created_at)
    );
    assert!(
        read.updated_at > second.updated_at,
        "marking read did not move updated_at"
    );
    assert_eq!(
        w.r.notifications.count_unread(ada).await.unwrap(),
        1,
        "the unread badge did not go down"
    );
    let again = w.r.notifications.mark_read(ada, second.id).await.unwrap();
    assert!(again.read, "marking read twice unmarked it");
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 1);
    assert_eq!(
        w.r.notifications
            .list(ada, UNREAD, all())
            .await
            .unwrap()
            .items,
        [first],
        "the unread list is wrong after marking one read"
    );
    expect::not_found(
        w.r.notifications
            .mark_read(ada, NotificationId::new())
            .await,
        "notification",
        "marking read a notification that does not exist",
    );
}

pub async fn notifications_mark_all_read(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(w.notification(ada, &format!("N{i}")).await.id);
    }
    w.notification(bob, "Bob's").await;
    w.r.notifications.mark_read(ada, ids[1]).await.unwrap();
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 3);
    assert_eq!(
        w.r.notifications.mark_all_read(ada).await.unwrap(),
        3,
        "\"mark all read\" reports the wrong number of notifications changed"
    );
    assert_eq!(
        w.r.notifications.count_unread(ada).await.unwrap(),
        0,
        "unread notifications remain after \"mark all read\""
    );
    assert_eq!(
        w.r.notifications.mark_all_read(ada).await.unwrap(),
        0,
        "nothing was left to mark"
    );
    assert!(
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items
            .iter()
            .all(|n| n.read),
        "a notification is still unread"
    );
    assert_eq!(
        w.r.notifications.count_unread(bob).await.unwrap(),
        1,
        "Ada's \"mark all read\" read Bob's notifications"
    );
}

pub async fn notifications_list_newest_first_unread_only(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(w.notification(ada, &format!("N{i}")).await.id);
    }
    w.notification(bob, "Bob's").await;
    for i in [1, 4] {
        w.r.notifications.mark_read(ada, ids[i]).await.unwrap();
    }
    let (sizes, items) = expect::every_page(4, |p| {
        w.r.notifications
            .list(ada, NotificationFilter::default(), p)
    })
    .await;
    assert_eq!(sizes, [4, 2], "6 notifications do not page as 4 + 2");
    let titles: Vec<&str> = items.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        ["N5", "N4", "N3", "N2", "N1", "N0"],
        "notifications are not listed newest first, or not only the user's"
    );
    let (sizes, unread) = expect::every_page(2, |p| w.r.notifications.list(ada, UNREAD, p)).await;
    assert_eq!(sizes, [2, 2], "4 unread notifications do not page as 2 + 2");
    let titles: Vec<&str> = unread.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(
        titles,
        ["N5", "N3", "N2", "N0"],
        "the unread filter is wrong"
    );
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 4);
}

pub async fn notifications_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas = w.notification(ada, "Ada's").await;
    let missing = NotificationId::new();
    expect::hidden(
        w.r.notifications.mark_read(bob, adas.id).await,
        w.r.notifications.mark_read(bob, missing).await,
        "notification",
        "Bob marked Ada's notification read",
    );
    expect::hidden(
        w.r.notifications.delete(bob, adas.id).await,
        w.r.notifications.delete(bob, missing).await,
        "notification",
        "Bob deleted Ada's notification",
    );
    assert_eq!(
        w.r.notifications.mark_all_read(bob).await.unwrap(),
        0,
        "Bob's \"mark all read\" changed someone else's"
    );
    assert_eq!(
        w.r.notifications.count_unread(bob).await.unwrap(),
        0,
        "Bob's badge counts Ada's notification"
    );
    assert!(
        w.r.notifications
            .list(bob, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "Bob sees Ada's notification"
    );
    assert_eq!(
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items,
        [adas],
        "Ada's notification changed after Bob's attempts"
    );
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 1);
}

pub async fn notifications_delete(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.notification(ada, "Gone").await;
    let kept = w.notification(ada, "Kept").await;
    w.r.notifications.delete(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.notifications.delete(ada, gone.id).await,
        "notification",
        "deleting a notification twice",
    );
    expect::not_found(
        w.r.notifications.mark_read(ada, gone.id).await,
        "notification",
        "a deleted notification can be marked read",
    );
    assert_eq!(
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept]
    );
    assert_eq!(
        w.r.notifications.count_unread(ada).await.unwrap(),
        1,
        "a deleted notification still counts as unread"
    );
}

pub async fn notifications_are_sent_once_per_key(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let new = |text: &str| NewNotification {
        notification_type: NotificationType::ImportCompleted,
        title: title(text),
        message: MessageText::parse("ready").unwrap(),
        link: None,
    };
    let first =
        w.r.notifications
            .create_once(ada, "document:1:job:1".into(), new("First"))
            .await
            .unwrap();
    let again =
        w.r.notifications
            .create_once(ada, "document:1:job:1".into(), new("Second"))
            .await
            .unwrap();
    assert_eq!(again, first, "a second send with the same key made another");
    // Keys are per user, and another key is another notification.
    let bobs =
        w.r.notifications
            .create_once(bob, "document:1:job:1".into(), new("Bob's"))
            .await
            .unwrap();
    assert_ne!(bobs.id, first.id);
    let other =
        w.r.notifications
            .create_once(ada, "document:1:job:2".into(), new("Other"))
            .await
            .unwrap();
    assert_ne!(other.id, first.id);
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 2);
    // Deleting the notification frees its key.
    w.r.notifications.delete(ada, first.id).await.unwrap();
    let anew =
        w.r.notifications
            .create_once(ada, "document:1:job:1".into(), new("Anew"))
            .await
            .unwrap();
    assert_eq!(anew.title, "Anew");
    expect::validation(
        w.r.notifications
            .create_once(ada, String::new(), new("Empty key"))
            .await,
        "key",
        "an empty key",
    );
}
