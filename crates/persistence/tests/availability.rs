//! The database being down, or too busy, is an answer the API can give (503), within the
//! configured time; and several processes may migrate at once.

#![cfg(feature = "testing")]

use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use sophie_domain::{CourseRepository, DomainError, PageRequest, UserId};
use sophie_persistence::testing::TestDatabase;
use sophie_persistence::{Database, DatabaseConfig, PostgresStore, run_pending_migrations};

fn is_unavailable<T>(result: &Result<T, DomainError>) -> bool {
    matches!(
        result,
        Err(DomainError::Unavailable {
            service: "database",
            ..
        })
    )
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_at_once_not_a_hang_or_a_panic() {
    // Port 1 refuses connections on any machine.
    let config = DatabaseConfig::new("postgres://postgres@127.0.0.1:1/sophie");
    let store = PostgresStore::new(Database::connect_lazy(&config).unwrap());
    let started = Instant::now();
    let result = store.list(UserId::new(), PageRequest::first()).await;
    assert!(is_unavailable(&result), "got {result:?}");
    assert!(
        started.elapsed() < config.connect_timeout + Duration::from_secs(1),
        "the failure must come within the connect timeout"
    );
    let migrated = run_pending_migrations(&config).await;
    assert!(is_unavailable(&migrated), "got {migrated:?}");
}

#[tokio::test]
async fn an_exhausted_pool_is_unavailable_after_the_wait_timeout() {
    let db = TestDatabase::new().await;
    let mut config = db.config().clone();
    config.max_connections = 1;
    config.wait_timeout = Duration::from_millis(300);
    let store = PostgresStore::new(Database::connect_lazy(&config).unwrap());
    store
        .list(UserId::new(), PageRequest::first())
        .await
        .unwrap();

    // Hold the only connection with a slow query, and ask for another meanwhile.
    let busy = store.clone();
    let holder = tokio::spawn(async move {
        let database = busy.database().clone();
        database.sleep_for_test(Duration::from_secs(2)).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let result = store.list(UserId::new(), PageRequest::first()).await;
    assert!(is_unavailable(&result), "got {result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "gave up after the wait timeout"
    );
    holder.await.unwrap().unwrap();
    // Once the connection is back, requests succeed again.
    store
        .list(UserId::new(), PageRequest::first())
        .await
        .unwrap();
}

#[tokio::test]
async fn processes_migrating_at_once_apply_each_migration_once() {
    let db = TestDatabase::new().await;
    let mut admin = db.connection().await;
    // Start from an empty database: revert what the template applied.
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut admin,
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public; \
         DROP EXTENSION IF EXISTS pg_trgm; DROP EXTENSION IF EXISTS \"uuid-ossp\";",
    )
    .await
    .unwrap();
    let config = db.config().clone();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let config = config.clone();
            tokio::spawn(async move { run_pending_migrations(&config).await })
        })
        .collect();
    let mut applied = Vec::new();
    for run in runs {
        applied.push(run.await.unwrap().unwrap().len());
    }
    applied.sort_unstable();
    let total = applied.iter().sum::<usize>();
    assert_eq!(
        applied.last(),
        Some(&total),
        "one process applied everything: {applied:?}"
    );
    assert!(total >= 9, "every migration was applied: {applied:?}");

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    #[expect(
        clippy::disallowed_methods,
        reason = "a read in a test: no commit to wait for"
    )]
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' \
         AND tablename <> '__diesel_schema_migrations'",
    )
    .get_result(&mut admin)
    .await
    .unwrap();
    assert_eq!(tables.n, 20, "the schema's twenty tables exist once");
}
