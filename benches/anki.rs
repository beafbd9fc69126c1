//! The Anki import benchmark: a package of 10,000 notes written by Anki's own code
//! (`scripts/anki/bench_package.py`: 12,000 cards in 10 decks, 18,000 reviews) imported by the
//! service the import job runs, on memory and on PostgreSQL, each run into a fresh student: the
//! package read (unzipped, zstd-decoded, SQLite read, HTML made text), the history replayed,
//! the sets, cards, schedules and log written in one transaction. Then one of its sets
//! exported as a package with its schedule.
//!
//! Run by `just bench-anki`, which writes the package first. Settings: `ANKI_BENCH_PACKAGE`
//! (`target/anki-bench-10000.apkg`), `BENCH_RUNS` (5 imports on each storage).

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

use chrono::Utc;
use sophie_domain::memory::MemoryStore;
use sophie_domain::services::interchange::InterchangeService;
use sophie_domain::values::{Email, Name};
use sophie_domain::{NewUser, PackageLimits, Repositories};
use sophie_jobs::anki::AnkiPackages;
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;
use timing::{env_or, report};

async fn run(storage: &str, r: &Repositories, package: &[u8], runs: usize) {
    let service = InterchangeService::new(r.flashcards.clone(), 512 * 1024 * 1024).with_packages(
        Arc::new(AnkiPackages),
        PackageLimits::default(),
        r.reviews.clone(),
    );
    let mut imports = Vec::with_capacity(runs);
    let mut last = None;
    for run in 0..runs {
        let user = r
            .users
            .create(NewUser {
                name: Name::parse("Ada").unwrap(),
                email: Email::parse(format!("ada{run}@example.com")).unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
        let started = Instant::now();
        let imported = service
            .import_package(user, package.to_vec(), None)
            .await
            .unwrap();
        imports.push(started.elapsed());
        assert_eq!(imported.cards, 12_000, "every card imported");
        last = Some((user, imported.flashcard_sets[0].id));
    }
    report(&format!("import 10,000 notes ({storage})"), imports);
    let (user, set) = last.unwrap();
    let mut exports = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        service
            .export_package(user, set, true, Utc::now())
            .await
            .unwrap();
        exports.push(started.elapsed());
    }
    report(&format!("export a 500-card set ({storage})"), exports);
}

#[tokio::main]
async fn main() {
    let path = std::env::var("ANKI_BENCH_PACKAGE")
        .unwrap_or_else(|_| "target/anki-bench-10000.apkg".to_owned());
    let package = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{path}: {e}; write it with `python3 scripts/anki/bench_package.py {path}`")
    });
    let runs = env_or("BENCH_RUNS", 5);
    println!("{path}: {} bytes", package.len());
    run("memory", &MemoryStore::new().repositories(), &package, runs).await;
    let db = TestDatabase::new().await;
    run(
        "PostgreSQL",
        &PostgresStore::new(db.pool()).repositories(),
        &package,
        runs,
    )
    .await;
}
