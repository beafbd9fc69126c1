//! Statements are prepared once per connection and reused: repeating a request does not make
//! PostgreSQL parse and plan its SQL again, nor cost the round trip that preparing takes.
//! Real PostgreSQL; each test has its own database.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a fixture that cannot be built fails the test"
)]

use sophie_domain::contract::seed::{
    day, new_card, new_chat, new_course, new_event, new_note, new_notification, new_set, new_user,
};
use sophie_domain::values::{Description, Link, Markdown};
use sophie_domain::{NewNote, SourceLinks};
use sophie_persistence::testing::TestDatabase;
use sophie_persistence::{Database, DatabaseConfig, PostgresStore};

/// A pool of one connection, so that every call below runs on the connection inspected.
fn one_connection(db: &TestDatabase) -> Database {
    let config = DatabaseConfig {
        max_connections: 1,
        ..db.config().clone()
    };
    Database::connect_lazy(&config).unwrap()
}

fn inserts_into(prepared: &[String], table: &str) -> usize {
    let prefix = format!("INSERT INTO \"{table}\"");
    prepared.iter().filter(|s| s.starts_with(&prefix)).count()
}

#[tokio::test]
async fn creating_rows_reuses_one_prepared_insert_per_table() {
    let db = TestDatabase::new().await;
    let pool = one_connection(&db);
    let r = PostgresStore::new(pool.clone()).repositories();
    let user = r
        .users
        .create(new_user("Ada", "ada@example.com"))
        .await
        .unwrap()
        .id;

    // Each kind twice, once with its optional fields empty and once with some set: a `None`
    // must not change the SQL text, or every combination would be prepared anew.
    for round in 0..2 {
        let mut course = new_course(&format!("Course {round}"));
        if round == 1 {
            course.description = Some(Description::parse("Cells and more").unwrap());
        }
        let course = r.courses.create(user, course).await.unwrap();
        let note = NewNote {
            summary: (round == 1).then(|| Markdown::parse("short").unwrap()),
            ..new_note(&format!("Note {round}"), "body")
        };
        r.notes.create(user, note).await.unwrap();
        let links = SourceLinks {
            course_id: (round == 1).then_some(course.id),
            ..SourceLinks::default()
        };
        r.flashcards
            .create_set(user, new_set("Set", links, vec![new_card("Q", "A")]))
            .await
            .unwrap();
        r.calendar
            .create(user, new_event(&format!("Exam {round}"), day(round + 1)))
            .await
            .unwrap();
        r.chats
            .create_session(user, new_chat("Chat", (round == 1).then_some(course.id)))
            .await
            .unwrap();
        let mut notification = new_notification("Done");
        if round == 1 {
            notification.link = Some(Link::parse("/notes").unwrap());
        }
        r.notifications.create(user, notification).await.unwrap();
    }

    let prepared = pool.prepared_statements_for_test().await.unwrap();
    for table in [
        "courses",
        "notes",
        "flashcard_sets",
        "calendar_events",
        "chat_sessions",
        "notifications",
    ] {
        assert_eq!(
            inserts_into(&prepared, table),
            1,
            "the insert into {table} is prepared once and kept: {prepared:#?}"
        );
    }
    let link_checks = prepared
        .iter()
        .filter(|s| s.contains("EXISTS") && s.contains("FROM \"documents\""))
        .count();
    assert_eq!(
        link_checks, 1,
        "the check that linked rows are the user's is prepared once and kept: {prepared:#?}"
    );
}
