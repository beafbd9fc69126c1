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
}

impl DatabaseConfig {
    /// The local development server, as the tests and the README assume it.
    pub const DEFAULT_URL: &'static str = "postgres://postgres@127.0.0.1:5432/postgres";

    /// Settings for `url` with the defaults: 16 connections, 5 s to get one, 5 s to open one.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }

    /// Reads `DATABASE_URL` and the optional `DATABASE_MAX_CONNECTIONS`,
    /// `DATABASE_WAIT_TIMEOUT_MS` and `DATABASE_CONNECT_TIMEOUT_MS`; `None` when
    /// `DATABASE_URL` is unset or empty.
    ///
    /// # Errors
    ///
    /// Names the variable whose value is not a positive whole number.
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
