//! PostgreSQL persistence for sophie.
//!
//! Diesel 2 + diesel-async adapters for the domain's repository ports live here. For now the
//! crate exposes the embedded schema migrations (see [`migrations`]).

pub mod migrations;
