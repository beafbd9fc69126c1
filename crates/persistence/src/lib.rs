//! # sophie-persistence
//!
//! PostgreSQL adapters for the domain's ports, with Diesel 2, diesel-async and a deadpool
//! pool: the embedded schema migrations (applied under an advisory lock), the pool with
//! bounded waits, and one place where database errors become domain errors.
//!
//! No diesel type leaves this crate: rows are converted to domain entities at the boundary.

pub mod config;
mod error;
pub mod migrate;
pub mod migrations;
pub mod pool;

pub use config::DatabaseConfig;
pub use migrate::run_pending_migrations;
pub use pool::Database;
