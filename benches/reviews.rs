//! The spaced-repetition benchmark on PostgreSQL: a student with 10,000 cards in 20 sets,
//! half of them reviewed (a month of history, most of them due), timed through the review
//! service as the API calls it:
//!
//! - the cards due now (`GET /reviews/due`, 50 cards: due ones first, then new ones);
//! - a review applied (`POST /flashcards/{id}/reviews`: the schedule read, the rating applied,
//!   the schedule and the log written in one transaction);
//! - the statistics of 30 days (`GET /reviews/stats`).
//!
//! Run by `just bench-reviews` (`cargo bench --bench reviews`) on a scratch database of its
//! own. Settings: `BENCH_CARDS` (10,000), `BENCH_RUNS` (200 of each).

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_precision_loss
)]

mod timing;

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeDelta, Utc};
use sophie_domain::services::reviews::ReviewService;
use sophie_domain::values::{CardText, Color, Email, Name, Tags, Title};
use sophie_domain::{
    Difficulty, NewFlashcard, NewFlashcardSet, NewUser, ReviewFilter, ReviewRating, SourceLinks,
    SystemClock,
};
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;
use timing::{env_or, report};

#[tokio::main]
async fn main() {
    let cards = env_or("BENCH_CARDS", 10_000);
    let runs = env_or("BENCH_RUNS", 200);
    let db = TestDatabase::new().await;
    let r = PostgresStore::new(db.pool()).repositories();
    let user = r
        .users
        .create(NewUser {
            name: Name::parse("Ada").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
            image: None,
        })
        .await
        .unwrap()
        .id;
    let sets = 20;
    let mut ids = Vec::with_capacity(cards);
    for set in 0..sets {
        let made = r
            .flashcards
            .create_set(
                user,
                NewFlashcardSet {
                    title: Title::parse(format!("Set {set}")).unwrap(),
                    description: None,
                    difficulty: Difficulty::Medium,
                    tags: Tags::default(),
                    color: Color::default(),
                    links: SourceLinks::default(),
                    flashcards: (0..cards / sets)
                        .map(|i| NewFlashcard {
                            question: CardText::parse(format!("Question {set}-{i}?")).unwrap(),
                            answer: CardText::parse("An answer").unwrap(),
                            hint: None,
                            explanation: None,
                            difficulty: Difficulty::Medium,
                            sources: Vec::new(),
                        })
                        .collect(),
                },
            )
            .await
            .unwrap();
        ids.extend(made.flashcards.iter().map(|c| c.id));
    }
    let service = ReviewService::new(r.reviews.clone(), Arc::new(SystemClock));
    let start = Utc::now() - TimeDelta::days(30);
    let setup = Instant::now();
    for (index, card) in ids.iter().enumerate().take(cards / 2) {
        let rating = [ReviewRating::Good, ReviewRating::Again, ReviewRating::Hard][index % 3];
        let at = start + TimeDelta::minutes(i64::try_from(index).unwrap());
        service
            .review(user, *card, rating, Some(at), None)
            .await
            .unwrap();
    }
    println!(
        "{cards} cards in {sets} sets, {} reviewed once a month ago (setup {:.1} s)",
        cards / 2,
        setup.elapsed().as_secs_f64()
    );

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let began = Instant::now();
        let due = service
            .due(user, ReviewFilter::default(), 50)
            .await
            .unwrap();
        times.push(began.elapsed());
        assert_eq!(due.len(), 50);
    }
    report("cards due now (50)", times);

    let mut times = Vec::with_capacity(runs);
    for card in ids.iter().take(runs) {
        let began = Instant::now();
        service
            .review(user, *card, ReviewRating::Good, None, Some(2_000))
            .await
            .unwrap();
        times.push(began.elapsed());
    }
    report("a review applied", times);

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let began = Instant::now();
        service
            .stats(user, ReviewFilter::default(), 30)
            .await
            .unwrap();
        times.push(began.elapsed());
    }
    report("statistics of 30 days", times);
}
