//! The program's settings, from the environment (and an optional `.env` file).

use std::net::IpAddr;

use sophie_api::ApiConfig;
use sophie_persistence::DatabaseConfig;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `sophie serve` needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub host: IpAddr,
    /// The port; 0 picks a free one (printed at start).
    pub port: u16,
    /// PostgreSQL, or `None` for the in-memory storage.
    pub database: Option<DatabaseConfig>,
    /// The log filter (`info`, `sophie=debug,actix_web=info`).
    pub log_level: String,
    /// The log format.
    pub log_format: LogFormat,
    /// The HTTP layer's settings.
    pub api: ApiConfig,
    /// HTTP worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// The dimensions of the model-free hashing embedder that makes search hybrid
    /// (`SEARCH_EMBEDDER=hashing` or `hashing:<dimensions>`); `None`: lexical search only.
    pub hashing_embedder: Option<usize>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads `HOST` (127.0.0.1), `PORT` (8080), `DATABASE_URL` (+ `DATABASE_*`), `LOG_LEVEL`
    /// (or `RUST_LOG`; `info`), `LOG_FORMAT` (`text` or `json`), `JSON_BODY_LIMIT_BYTES`
    /// (1 MiB), `HTTP_WORKERS` (one per core), `SECURE_COOKIES` (`true`), `TRUST_PROXY`
    /// (`false`: take the client's IP from `X-Forwarded-For` only behind a proxy that writes
    /// it), `SIGN_IN_ATTEMPTS_PER_IP` (30) and `SIGN_IN_ATTEMPTS_PER_EMAIL` (10, from one
    /// address) per 15 minutes, and `SEARCH_EMBEDDER` (unset: lexical search; `hashing` or
    /// `hashing:<dimensions>`: hybrid search on the model-free hashing embedder, 384 by
    /// default).
    ///
    /// # Errors
    ///
    /// Names the variable with an unusable value.
    pub fn from_env() -> Result<Self, String> {
        let host = match var("HOST") {
            Some(h) => h
                .parse()
                .map_err(|_| format!("HOST must be an IP address, not {h:?}"))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let port = match var("PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| format!("PORT must be 0 to 65535, not {p:?}"))?,
            None => 8080,
        };
        let log_format = match var("LOG_FORMAT")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(format!("LOG_FORMAT must be text or json, not {other:?}")),
        };
        let mut api = ApiConfig::default();
        if let Some(limit) = var("JSON_BODY_LIMIT_BYTES") {
            api.json_limit = limit.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("JSON_BODY_LIMIT_BYTES must be a positive number, not {limit:?}")
            })?;
        }
        if let Some(secure) = var("SECURE_COOKIES") {
            api.secure_cookies = match secure.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(format!(
                        "SECURE_COOKIES must be true or false, not {secure:?}"
                    ));
                }
            };
        }
        if let Some(trust) = var("TRUST_PROXY") {
            api.trust_proxy = match trust.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => return Err(format!("TRUST_PROXY must be true or false, not {trust:?}")),
            };
        }
        for (name, setting) in [
            ("SIGN_IN_ATTEMPTS_PER_IP", &mut api.attempts_per_ip),
            ("SIGN_IN_ATTEMPTS_PER_EMAIL", &mut api.attempts_per_email),
        ] {
            if let Some(value) = var(name) {
                *setting =
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("{name} must be a positive number, not {value:?}")
                    })?;
            }
        }
        let workers = match var("HTTP_WORKERS") {
            None => None,
            Some(n) => Some(
                n.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("HTTP_WORKERS must be a positive number, not {n:?}"))?,
            ),
        };
        let hashing_embedder = match var("SEARCH_EMBEDDER").as_deref() {
            None => None,
            Some("hashing") => Some(384),
            Some(other) => Some(
                other
                    .strip_prefix("hashing:")
                    .and_then(|n| n.parse::<usize>().ok())
                    .filter(|n| (1..=4_096).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "SEARCH_EMBEDDER must be hashing or hashing:<1 to 4096>, not {other:?}"
                        )
                    })?,
            ),
        };
        Ok(Self {
            hashing_embedder,
            workers,
            host,
            port,
            database: DatabaseConfig::from_env()?,
            log_level: var("LOG_LEVEL")
                .or_else(|| var("RUST_LOG"))
                .unwrap_or_else(|| "info".to_owned()),
            log_format,
            api,
        })
    }
}
