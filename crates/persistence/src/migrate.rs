//! Applying the embedded migrations, safely when several processes start at once.

use diesel::sql_types::BigInt;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use sophie_domain::DomainError;

use crate::config::DatabaseConfig;
use crate::error::from_diesel;
use crate::migrations::MIGRATIONS;

/// The advisory lock key every sophie process takes while migrating ("sophie" in ASCII).
pub const MIGRATION_LOCK_KEY: i64 = 0x736f_7068_6965;

/// Applies every pending migration and returns the versions applied, oldest first.
///
/// It holds the PostgreSQL advisory lock [`MIGRATION_LOCK_KEY`] meanwhile, so when several
/// `serve` and `worker` processes start together, one migrates and the others wait, then find
/// nothing left to do.
///
/// # Errors
///
/// `Unavailable` when the server cannot be reached; `Internal` when a migration fails (it is
/// rolled back: each migration runs in its own transaction).
pub async fn run_pending_migrations(config: &DatabaseConfig) -> Result<Vec<String>, DomainError> {
    let mut conn = tokio::time::timeout(
        config.connect_timeout,
        AsyncPgConnection::establish(&config.url),
    )
    .await
    .map_err(|_| DomainError::Unavailable {
        service: "database",
        message: format!(
            "no answer from the database within {} ms",
            config.connect_timeout.as_millis()
        ),
    })?
    .map_err(|e| DomainError::Unavailable {
        service: "database",
        message: format!("cannot connect to the database: {e}"),
    })?;

    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel("migration lock", e))?;

    let (conn, applied) = tokio::task::spawn_blocking(move || {
        let mut wrapper: AsyncConnectionWrapper<AsyncPgConnection> = conn.into();
        let applied = wrapper
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| DomainError::Internal {
                message: "a migration failed and was rolled back".to_owned(),
                source: Some(e),
            });
        (wrapper.into_inner(), applied)
    })
    .await
    .map_err(|e| DomainError::internal_from("the migration task stopped", e))?;

    let mut conn = conn;
    // Closing the connection would release the lock too; unlocking says so explicitly.
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await;
    let applied = applied?;
    unlocked.map_err(|e| from_diesel("migration lock", e))?;
    Ok(applied)
}
