//! How to reach PostgreSQL and how many connections to hold.

use std::time::Duration;

/// The database settings, from the environment or set in code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// The connection URL, `postgres://user:password@host:port/database`.
    pub url: String,
    /// The most connections the pool opens.
    pub max_connections: usize,
    /// How long a request waits for a free connection before the database counts as
    /// unavailable.
    pub wait_timeout: Duration,
    /// How long opening one connection may take.
    pub connect_timeout: Duration,
    /// How many bytes of students' sign bits (a bit a dimension of each chunk's embedding) a
    /// store over this pool keeps in memory, so that vector search ranks them without a scan
    /// in SQL; each store holds its own (`sophie serve` gives each HTTP worker an even share).
    /// A student whose bits alone do not fit (about 2.5 million chunks of 384 dimensions in
    /// 256 MiB) is searched in SQL. 0 keeps none: vector search always ranks in SQL, slower
    /// for a student with many chunks.
    pub search_memory: usize,
}

impl DatabaseConfig {
    /// The local development server, as the tests and the README assume it.
    pub const DEFAULT_URL: &'static str = "postgres://postgres@127.0.0.1:5432/postgres";

    /// The default [`search_memory`](Self::search_memory): 256 MiB.
    pub const DEFAULT_SEARCH_MEMORY: usize = 256 << 20;

    /// Settings for `url` with the defaults: 16 connections, 5 s to get one, 5 s to open one,
    /// [`DEFAULT_SEARCH_MEMORY`](Self::DEFAULT_SEARCH_MEMORY).
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            search_memory: Self::DEFAULT_SEARCH_MEMORY,
        }
    }

    /// Reads `DATABASE_URL` and the optional `DATABASE_MAX_CONNECTIONS`,
    /// `DATABASE_WAIT_TIMEOUT_MS`, `DATABASE_CONNECT_TIMEOUT_MS` and `SEARCH_MEMORY_MIB`;
    /// `None` when `DATABASE_URL` is unset or empty.
    ///
    /// # Errors
    ///
    /// Names the variable whose value is not a positive whole number (a whole number for
    /// `SEARCH_MEMORY_MIB`).
    pub fn from_env() -> Result<Option<Self>, String> {
        let Some(url) = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            return Ok(None);
        };
        let mut config = Self::new(url);
        if let Some(n) = positive_var("DATABASE_MAX_CONNECTIONS")? {
            config.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(ms) = positive_var("DATABASE_WAIT_TIMEOUT_MS")? {
            config.wait_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = positive_var("DATABASE_CONNECT_TIMEOUT_MS")? {
            config.connect_timeout = Duration::from_millis(ms);
        }
        if let Ok(value) = std::env::var("SEARCH_MEMORY_MIB") {
            config.search_memory = value
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|mib| mib.checked_mul(1 << 20))
                .ok_or_else(|| {
                    format!("SEARCH_MEMORY_MIB must be a whole number of MiB, not {value:?}")
                })?;
        }
        Ok(Some(config))
    }
}

fn positive_var(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "{name} must be a positive whole number, not {value:?}"
            )),
        },
    }
}
