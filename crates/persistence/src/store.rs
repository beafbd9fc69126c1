//! The PostgreSQL adapter: one value that implements every repository port.

use std::sync::Arc;

use sophie_domain::{Clock, Repositories, SystemClock};

use crate::pool::Database;
use crate::repositories::CodeCache;

/// Implements every repository port of the domain on PostgreSQL.
///
/// Rows are stamped with its [`Clock`] (so a fixed clock in tests gives the same timestamps
/// on PostgreSQL as in memory); the `updated_at` trigger covers writes made outside sophie.
#[derive(Clone)]
pub struct PostgresStore {
    pub(crate) db: Database,
    pub(crate) clock: Arc<dyn Clock>,
    /// The sign bits of the students' chunks this process searches for.
    pub(crate) codes: Arc<CodeCache>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// A store over `db`, on the system clock.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self::with_clock(db, Arc::new(SystemClock))
    }

    /// A store over `db`, stamping rows with `clock`.
    #[must_use]
    pub fn with_clock(db: Database, clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            codes: Arc::new(CodeCache::new(db.search_memory())),
            db,
        }
    }

    /// The same store, keeping at most `bytes` of students' sign bits in memory for vector
    /// search instead of the pool's [`DatabaseConfig::search_memory`](crate::DatabaseConfig),
    /// in memory of its own (not shared with the store it came from). With 0 it keeps none.
    #[must_use]
    pub fn with_search_memory(self, bytes: usize) -> Self {
        Self {
            codes: Arc::new(CodeCache::new(bytes)),
            ..self
        }
    }

    /// Every repository port, served by this store.
    #[must_use]
    pub fn repositories(self) -> Repositories {
        Repositories::from_single(Arc::new(self))
    }

    /// The pool underneath.
    #[must_use]
    pub const fn database(&self) -> &Database {
        &self.db
    }
}
