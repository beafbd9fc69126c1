//! In-memory adapters for every repository port, behaving like the PostgreSQL schema.
