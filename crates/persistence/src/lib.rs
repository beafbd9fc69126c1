//! # sophie-persistence
//!
//! PostgreSQL adapters for the domain's ports, with Diesel 2, diesel-async and a deadpool
//! pool: the embedded schema migrations (applied under an advisory lock), the pool with
//! bounded waits, and one place where database errors become domain errors.
//!
//! Document bytes live in an `object_store` ([`ObjectBlobStore`]): a local directory, or an
//! S3-compatible bucket ([`S3Settings`]).
//!
//! No diesel type leaves this crate: rows are converted to domain entities at the boundary.

pub mod blobs;
pub mod config;
mod confirmed;
mod error;
mod json_columns;
mod keyset;
mod links;
mod listener;
pub mod migrate;
pub mod migrations;
mod pg_enums;
pub mod pool;
pub mod queue;
mod repositories;
mod schema;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use blobs::{ObjectBlobStore, S3Settings};
pub use config::DatabaseConfig;
pub use migrate::run_pending_migrations;
pub use pool::Database;
pub use queue::PostgresJobQueue;
pub use store::PostgresStore;
