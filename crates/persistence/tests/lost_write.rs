//! A write that meets a lost connection is not sent again, and the next one is not sent on it.
//!
//! In a test binary of its own: the pool remembers, process-wide, when a connection was last
//! found lost, and checks older connections at checkout. Another test noting a loss in the
//! middle of this one would make the pool find the ended connection before the write does.

#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    reason = "a test: a failure should stop it where it happened"
)]

use sophie_domain::contract::seed::{new_course, new_user};
use sophie_domain::{CourseRepository, DomainError, PageRequest, UserRepository};
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;

#[tokio::test]
async fn a_write_on_a_connection_the_server_ended_is_unavailable_and_not_retried() {
    let db = TestDatabase::new().await;
    let store = PostgresStore::new(db.pool());
    let ada = UserRepository::create(&store, new_user("Ada", "ada@example.com"))
        .await
        .unwrap()
        .id;
    db.terminate_unseen(None);

    // The pool's one open connection is gone, and this thread has not read it yet. A write
    // that met a lost connection may have committed, so it is not sent again: it answers
    // unavailable, and the caller decides.
    let created = CourseRepository::create(&store, ada, new_course("Biology")).await;
    assert!(
        matches!(
            created,
            Err(DomainError::Unavailable {
                service: "database",
                ..
            })
        ),
        "got {created:?}"
    );

    // That connection goes back to the pool, maybe before this thread has read its end; it is
    // checked before it is handed out again, and the next write goes out on a fresh one.
    CourseRepository::create(&store, ada, new_course("Chemistry"))
        .await
        .unwrap();
    let names: Vec<String> = CourseRepository::list(&store, ada, PageRequest::first())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|course| course.name)
        .collect();
    assert_eq!(names, ["Chemistry"]);
}
