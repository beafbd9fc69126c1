//! The database schema, embedded into the binary.

/// Every migration of the workspace's `migrations/` directory
/// (`YYYY-MM-DD-HHMMSS_name/{up,down}.sql`), compiled into the binary.
///
/// Apply them with [`diesel_migrations::MigrationHarness::run_pending_migrations`] on a
/// `diesel_async::async_connection_wrapper::AsyncConnectionWrapper<diesel_async::AsyncPgConnection>`
/// (there is no libpq, so never a sync `PgConnection`); the wrapper blocks, so call it from a
/// blocking context such as `tokio::task::spawn_blocking`.
pub const MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations");
