//! The review routes, driven through the HTTP API on the in-memory store.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::test_support::{TestApp, TestClient, state};

async fn set_of(client: &TestClient, cards: &[&str]) -> Value {
    let cards: Vec<Value> = cards
        .iter()
        .map(|q| json!({ "question": q, "answer": "answer" }))
        .collect();
    let set = client
        .post(
            "/api/v1/flashcard-sets",
            json!({ "title": "Cells", "difficulty": "MEDIUM", "flashcards": cards }),
        )
        .await;
    assert_eq!(set.status, 201, "{set}");
    set.body
}

fn ids(due: &Value) -> Vec<String> {
    due["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_student_studies_due_cards_rates_them_and_undoes_a_rating() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let set = set_of(&ada, &["ATP?", "DNA?", "RNA?"]).await;
    let card = set["flashcards"][0]["id"].as_str().unwrap().to_owned();

    let due = ada.get_ok("/api/v1/reviews/due").await;
    assert_eq!(ids(&due).len(), 3, "new cards are there to learn");
    let first = &due["items"][0];
    assert_eq!(first["id"], card.as_str());
    assert_eq!(first["flashcardSetId"], set["id"]);
    assert_eq!(first["schedule"]["state"], "NEW");

    let reviews = format!("/api/v1/flashcards/{card}/reviews");
    let rated = ada
        .post(&reviews, json!({ "rating": "GOOD", "durationMs": 3200 }))
        .await;
    assert_eq!(rated.status, 201, "{rated}");
    assert_eq!(rated["schedule"]["state"], "LEARNING");
    assert_eq!(rated["schedule"]["step"], 1);
    assert_eq!(rated["review"]["stateBefore"], "NEW");
    assert_eq!(rated["review"]["durationMs"], 3200);
    let next: Vec<&str> = rated["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["rating"].as_str().unwrap())
        .collect();
    assert_eq!(next, ["AGAIN", "HARD", "GOOD", "EASY"]);
    let seconds: Vec<i64> = rated["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["intervalSeconds"].as_i64().unwrap())
        .collect();
    assert!(seconds.windows(2).all(|w| w[0] <= w[1]), "{seconds:?}");
    assert_eq!(
        seconds[..2],
        [60, 600],
        "AGAIN goes back to the first step (1 minute), HARD repeats the second (10 minutes)"
    );

    // Learning for ten minutes: no longer due now.
    let due = ada.get_ok("/api/v1/reviews/due").await;
    assert!(!ids(&due).contains(&card), "{due}");

    // A review dated before the last one, or in the future, is refused.
    let earlier = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let refused = ada
        .post(&reviews, json!({ "rating": "GOOD", "reviewedAt": earlier }))
        .await;
    assert_eq!(refused.status, 409, "{refused}");
    let later = (Utc::now() + Duration::days(1)).to_rfc3339();
    let refused = ada
        .post(&reviews, json!({ "rating": "GOOD", "reviewedAt": later }))
        .await;
    assert_eq!(refused.status, 422, "{refused}");
    let refused = ada.post(&reviews, json!({ "rating": "PERFECT" })).await;
    assert_eq!(refused.status, 422, "{refused}");

    let undone = ada.post_empty(&format!("{reviews}/undo")).await;
    assert_eq!(undone.status, 200, "{undone}");
    assert_eq!(undone["schedule"]["state"], "NEW");
    let again = ada.post_empty(&format!("{reviews}/undo")).await;
    assert_eq!(again.status, 409, "nothing left to undo: {again}");
    assert!(ids(&ada.get_ok("/api/v1/reviews/due").await).contains(&card));

    // Another student sees and touches none of it.
    let bob = app.signed_in("bob@example.com").await;
    assert_eq!(
        bob.post(&reviews, json!({ "rating": "EASY" })).await.status,
        404
    );
    assert_eq!(bob.post_empty(&format!("{reviews}/undo")).await.status, 404);
    assert!(ids(&bob.get_ok("/api/v1/reviews/due").await).is_empty());
}

#[actix_web::test]
async fn new_cards_stop_at_the_day_limit_and_stats_count_the_day() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let set = set_of(&ada, &["A?", "B?", "C?"]).await;
    let settings = ada
        .patch("/api/v1/me/review-settings", json!({ "newCardsPerDay": 1 }))
        .await;
    assert_eq!(settings.status, 200, "{settings}");
    assert_eq!(settings["newCardsPerDay"], 1);
    assert_eq!(settings["desiredRetention"], 0.9);
    assert_eq!(settings["parameters"].as_array().unwrap().len(), 21);
    assert_eq!(settings["customParameters"], false);
    assert_eq!(ids(&ada.get_ok("/api/v1/reviews/due").await).len(), 1);

    let card = set["flashcards"][0]["id"].as_str().unwrap();
    let rated = ada
        .post(
            &format!("/api/v1/flashcards/{card}/reviews"),
            json!({ "rating": "EASY" }),
        )
        .await;
    assert_eq!(rated["schedule"]["state"], "REVIEW");
    assert!(
        ids(&ada.get_ok("/api/v1/reviews/due").await).is_empty(),
        "the day's one new card is used"
    );
    let set_id = set["id"].as_str().unwrap();
    let in_set = ada
        .get_ok(&format!("/api/v1/reviews/due?setId={set_id}&limit=10"))
        .await;
    assert!(ids(&in_set).is_empty());

    let stats = ada.get_ok("/api/v1/reviews/stats?days=30").await;
    let days = stats["days"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["reviews"], 1);
    assert_eq!(days[29]["easy"], 1);
    assert_eq!(
        stats["retention"],
        Value::Null,
        "no card in review was reviewed"
    );
    assert_eq!(
        stats["states"],
        json!({"new": 2, "learning": 0, "review": 1, "relearning": 0})
    );
    let ahead: u64 = stats["dueAhead"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["cards"].as_u64().unwrap())
        .sum();
    assert_eq!(
        ahead, 1,
        "the reviewed card comes due within the month: {stats}"
    );

    for (body, field) in [
        (json!({ "desiredRetention": 0.5 }), "desiredRetention"),
        (json!({ "newCardsPerDay": 10000 }), "newCardsPerDay"),
        (json!({ "parameters": [1.0, 2.0] }), "parameters"),
    ] {
        let refused = ada.patch("/api/v1/me/review-settings", body).await;
        assert_eq!(refused.status, 422, "{refused}");
        assert_eq!(refused["errors"][0]["field"], field);
    }
    for query in ["limit=0", "limit=501", "setId=nope", "limit=x"] {
        let refused = ada.get(&format!("/api/v1/reviews/due?{query}")).await;
        assert_eq!(refused.status, 422, "{query}");
    }
    assert_eq!(ada.get("/api/v1/reviews/stats?days=366").await.status, 422);
    let unchanged = ada.get_ok("/api/v1/me/review-settings").await;
    assert_eq!(unchanged["desiredRetention"], 0.9);
}

#[actix_web::test]
async fn parameters_are_fitted_only_from_enough_reviews() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let set = set_of(&ada, &["A?", "B?", "C?"]).await;
    let refused = ada.post_empty("/api/v1/me/review-settings/optimize").await;
    assert_eq!(refused.status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "reviews");
    assert!(
        refused["detail"].as_str().unwrap().contains("there are 0"),
        "{refused}"
    );

    // Three cards reviewed four times, ten days apart: nine reviews a day or more after the
    // one before.
    let start = Utc::now() - Duration::days(45);
    for card in set["flashcards"].as_array().unwrap() {
        let reviews = format!(
            "/api/v1/flashcards/{}/reviews",
            card["id"].as_str().unwrap()
        );
        for round in 0..4 {
            let at = (start + Duration::days(10 * round)).to_rfc3339();
            let rated = ada
                .post(&reviews, json!({ "rating": "GOOD", "reviewedAt": at }))
                .await;
            assert_eq!(rated.status, 201, "{rated}");
        }
    }
    let queued = ada.post_empty("/api/v1/me/review-settings/optimize").await;
    assert_eq!(queued.status, 202, "{queued}");
    assert_eq!(queued["reviews"], 9);
    assert_eq!(
        queued.location.as_deref(),
        Some("/api/v1/me/review-settings")
    );
}
