//! Spaced repetition end to end, through the real program on memory and on PostgreSQL: a
//! student studies a set, rates cards (some reviews replayed from an offline client), undoes
//! one, reads the statistics, and has the scheduler fitted to their reviews by the worker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use std::time::Duration;

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use server::Server;
use sophie_persistence::testing::TestDatabase;

async fn a_student_studies_and_the_scheduler_learns_from_them(db: Option<TestDatabase>) {
    let server = Server::start_with(db, &[]).await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let t = Some(ada.as_str());
    let cards: Vec<Value> = (0..5)
        .map(|i| json!({ "question": format!("Question {i}?"), "answer": format!("Answer {i}") }))
        .collect();
    let set = server
        .expect(
            201,
            Method::POST,
            "/api/v1/flashcard-sets",
            t,
            Some(json!({ "title": "Cells", "difficulty": "MEDIUM", "flashcards": cards })),
        )
        .await;
    let due = server
        .expect(200, Method::GET, "/api/v1/reviews/due", t, None)
        .await;
    assert_eq!(due["items"].as_array().unwrap().len(), 5);

    // Four cards reviewed over two months, as an offline client replays them.
    let start = Utc::now() - chrono::Duration::days(70);
    let ratings = ["GOOD", "AGAIN", "GOOD", "EASY", "HARD"];
    for (index, card) in set["flashcards"].as_array().unwrap()[..4]
        .iter()
        .enumerate()
    {
        let path = format!(
            "/api/v1/flashcards/{}/reviews",
            card["id"].as_str().unwrap()
        );
        for round in 0..5_i64 {
            let at = start + chrono::Duration::days(12 * round + i64::try_from(index).unwrap());
            let rating = ratings[(index + usize::try_from(round).unwrap()) % ratings.len()];
            server
                .expect(
                    201,
                    Method::POST,
                    &path,
                    t,
                    Some(json!({ "rating": rating, "reviewedAt": at.to_rfc3339() })),
                )
                .await;
        }
    }
    let last = set["flashcards"][3]["id"].as_str().unwrap();
    let path = format!("/api/v1/flashcards/{last}/reviews");
    let rated = server
        .expect(
            201,
            Method::POST,
            &path,
            t,
            Some(json!({ "rating": "GOOD" })),
        )
        .await;
    let undone = server
        .expect(200, Method::POST, &format!("{path}/undo"), t, None)
        .await;
    assert_ne!(undone["schedule"], rated["schedule"]);
    server
        .expect(
            409,
            Method::POST,
            &path,
            t,
            Some(json!({ "rating": "GOOD", "reviewedAt": start.to_rfc3339() })),
        )
        .await;

    let stats = server
        .expect(200, Method::GET, "/api/v1/reviews/stats?days=90", t, None)
        .await;
    let reviews: u64 = stats["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reviews"].as_u64().unwrap())
        .sum();
    assert_eq!(reviews, 20, "{stats}");
    assert_eq!(stats["states"]["new"], 1);
    assert!(stats["retention"].as_f64().is_some(), "{stats}");

    let queued = server
        .expect(
            202,
            Method::POST,
            "/api/v1/me/review-settings/optimize",
            t,
            None,
        )
        .await;
    assert_eq!(queued["reviews"], 16);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let settings = loop {
        let settings = server
            .expect(200, Method::GET, "/api/v1/me/review-settings", t, None)
            .await;
        if settings["customParameters"] == true {
            break settings;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not fitted: {settings}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(settings["parameters"].as_array().unwrap().len(), 21);
    let notifications = server
        .expect(200, Method::GET, "/api/v1/notifications", t, None)
        .await;
    let titles: Vec<&str> = notifications["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Your review schedule is fitted to you"),
        "{titles:?}"
    );
    // The fitted parameters schedule the reviews that follow.
    let next = server
        .expect(
            201,
            Method::POST,
            &path,
            t,
            Some(json!({ "rating": "GOOD" })),
        )
        .await;
    assert_eq!(
        next["review"]["stateBefore"],
        rated["review"]["stateBefore"]
    );
}

#[tokio::test]
async fn in_memory_a_student_studies_and_the_scheduler_learns_from_them() {
    a_student_studies_and_the_scheduler_learns_from_them(None).await;
}

#[tokio::test]
async fn on_postgres_a_student_studies_and_the_scheduler_learns_from_them() {
    a_student_studies_and_the_scheduler_learns_from_them(Some(TestDatabase::new().await)).await;
}
