//! The repository contract (`sophie_domain::contract`) run against PostgreSQL: one test per
//! contract function, each on a database of its own (so they run in parallel), proving the
//! PostgreSQL adapters behave as the in-memory ones do. Needs a server (see
//! `sophie_persistence::testing`); run with
//! `cargo test -p sophie-persistence --all-features --test contract_postgres`.
#![cfg(feature = "testing")]

use std::sync::Arc;

use sophie_domain::contract::Fixture;
use sophie_domain::{JobQueue, Repositories};
use sophie_persistence::PostgresJobQueue;
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;

/// A fresh migrated database with the store and the queue over it.
struct PgFixture {
    repositories: Repositories,
    queue: Arc<dyn JobQueue>,
    /// Last, so the pools above are dropped before the database is.
    _db: TestDatabase,
}

impl Fixture for PgFixture {
    fn repositories(&self) -> Repositories {
        self.repositories.clone()
    }

    fn job_queue(&self) -> Arc<dyn JobQueue> {
        self.queue.clone()
    }
}

async fn make() -> PgFixture {
    let db = TestDatabase::new().await;
    let pool = db.pool();
    PgFixture {
        repositories: PostgresStore::new(pool.clone()).repositories(),
        queue: Arc::new(PostgresJobQueue::new(pool)),
        _db: db,
    }
}

sophie_domain::contract_suite!(make);
