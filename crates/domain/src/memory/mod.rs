//! In-memory adapters for every repository port, the job queue and the blob store, behaving
//! like the PostgreSQL schema (feature `memory`).
//!
//! They serve two purposes: `sophie serve` without a database (nothing is kept after exit),
//! and tests of the layers above the domain, with no database to start. So they keep the
//! schema's rules, not just its shape:
//!
//! - the same defaults (a note is `MANUAL`, a document `PENDING`, an import `PENDING` at 0 %);
//! - the same unique constraints, answered with [`crate::DomainError::Conflict`] on the
//!   camelCase field (`email`, `token`, `accountId`, `storageKey`, `noteId`, `documentId`);
//! - the same foreign keys: `ON DELETE CASCADE` for ownership (deleting a user deletes all of
//!   theirs), `ON DELETE SET NULL` for links to a course, note or document, and `updated_at`
//!   bumped on every updated row, as the schema's trigger does;
//! - the same ownership rule: another user's row answers `NotFound` exactly like a missing
//!   one, and links to another user's course, note or document are refused;
//! - the same keyset order and cursors as the SQL queries, and timestamps at PostgreSQL's
//!   microsecond precision, so a value read back equals the value the database would return.
//!
//! [`MemoryStore`] implements every repository port and the search index over one set of
//! tables ([`MemoryStore::repositories`] hands them out as a [`crate::Repositories`]);
//! [`MemoryJobQueue`] and [`MemoryBlobStore`] stand alone; [`FixedClock`] lets tests control
//! time.
//!
//! ```
//! use std::sync::Arc;
//!
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use sophie_domain::memory::{FixedClock, MemoryStore};
//!
//! let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()));
//! let store = MemoryStore::with_clock(clock.clone());
//! let repositories = store.repositories();
//! clock.advance(TimeDelta::milliseconds(1));
//! # let _ = repositories;
//! ```

mod blobs;
mod calendar_sync;
mod cascade;
mod clock;
mod generation;
mod identity;
mod library;
mod paging;
mod queue;
mod reviews;
mod search;
mod store;
mod study;
mod workspace;

pub use blobs::MemoryBlobStore;
pub use clock::FixedClock;
pub use queue::MemoryJobQueue;
pub use store::MemoryStore;
