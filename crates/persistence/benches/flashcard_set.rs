//! Creates a flashcard set of 50 cards and reads it back, N times over a few concurrent
//! connections, through the PostgreSQL adapter; prints operations per second.
//!
//! Run by `just bench-db` (scripts/bench-db.sh), which runs pgbench on the same SQL beside it.
//! Settings: `BENCH_DATABASE_URL` (required), `BENCH_USER_ID` (required: an existing user),
//! `BENCH_OPS` (default 2000), `BENCH_CLIENTS` (default 4).

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

use std::sync::Arc;
use std::time::Instant;

use sophie_domain::values::{CardText, Color, Tags, Title};
use sophie_domain::{
    Difficulty, FlashcardRepository, NewFlashcard, NewFlashcardSet, SourceLinks, UserId,
};
use sophie_persistence::{Database, DatabaseConfig, PostgresStore};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn new_set() -> NewFlashcardSet {
    NewFlashcardSet {
        title: Title::parse("Benchmark set").unwrap(),
        description: None,
        difficulty: Difficulty::Medium,
        tags: Tags::default(),
        color: Color::default_blue(),
        links: SourceLinks::default(),
        flashcards: (1..=50)
            .map(|i| NewFlashcard {
                question: CardText::parse(format!("Question {i}")).unwrap(),
                answer: CardText::parse(format!("Answer {i}")).unwrap(),
                hint: None,
                explanation: None,
                difficulty: Difficulty::Medium,
                sources: Vec::new(),
            })
            .collect(),
    }
}

#[tokio::main]
async fn main() {
    let url = std::env::var("BENCH_DATABASE_URL").expect("set BENCH_DATABASE_URL");
    let user: UserId = std::env::var("BENCH_USER_ID")
        .expect("set BENCH_USER_ID")
        .parse()
        .expect("BENCH_USER_ID is a UUID");
    let ops = env_or("BENCH_OPS", 2_000);
    let clients = env_or("BENCH_CLIENTS", 4).max(1);

    let mut config = DatabaseConfig::new(url);
    config.max_connections = clients;
    let store = Arc::new(PostgresStore::new(
        Database::connect_lazy(&config).expect("pool"),
    ));

    // Warm the pool and the statement caches, as pgbench's first transactions do.
    for _ in 0..clients * 2 {
        let created = store.create_set(user, new_set()).await.expect("warm-up");
        store.get_set(user, created.set.id).await.expect("warm-up");
    }

    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|worker| {
            let store = Arc::clone(&store);
            let share = ops / clients + usize::from(worker < ops % clients);
            tokio::spawn(async move {
                for _ in 0..share {
                    let created = store.create_set(user, new_set()).await.expect("create");
                    let read = store.get_set(user, created.set.id).await.expect("read");
                    assert_eq!(read.flashcards.len(), 50);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = started.elapsed();
    println!(
        "sophie adapter: {ops} x (create a set of 50 cards + read it back), {clients} clients: \
         {:.0} ops/s ({:.2} ms per op per client)",
        ops as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 * clients as f64 / ops as f64
    );
}
