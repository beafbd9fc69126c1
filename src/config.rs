//! The program's settings, from the environment (and an optional `.env` file).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use sophie_ai::oidc::GOOGLE_ISSUER;
use sophie_ai::{
    GoogleCalendarConfig, OidcConfig, OpenAiChatConfig, OpenAiEmbedderConfig,
    OpenAiTranscriberConfig, YouTubeConfig,
};
use sophie_api::ApiConfig;
use sophie_domain::PackageLimits;
use sophie_domain::services::documents::DEFAULT_UPLOAD_LIMIT;
use sophie_domain::services::sealing::TokenKeys;
use sophie_persistence::{DatabaseConfig, S3Settings};

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
    /// Where uploaded files go on PostgreSQL without `S3_BUCKET` (`BLOB_DIR`, `./data/blobs`);
    /// in memory without `DATABASE_URL`.
    pub blob_dir: PathBuf,
    /// The S3-compatible bucket uploaded files go to on PostgreSQL, if `S3_BUCKET` names one
    /// (`S3_*`). Its `Debug` shows no key.
    pub s3: Option<S3Settings>,
    /// The largest upload, in bytes (`UPLOAD_LIMIT_BYTES`, 50 MiB).
    pub upload_limit: u64,
    /// An OpenAI-compatible embeddings server (`EMBEDDINGS_URL`, `EMBEDDINGS_MODEL`,
    /// `EMBEDDINGS_API_KEY`, `EMBEDDINGS_DIMENSIONS`); `None` for the offline embedder.
    pub embeddings: Option<OpenAiEmbedderConfig>,
    /// An OpenAI-compatible transcription server (`TRANSCRIBE_URL`, `TRANSCRIBE_MODEL`,
    /// `TRANSCRIBE_API_KEY`, `TRANSCRIBE_LANGUAGE`, `TRANSCRIBE_MAX_PART_BYTES`,
    /// `TRANSCRIBE_TIMEOUT_SECONDS`); `None`: audio imports fail, saying so.
    pub transcriber: Option<OpenAiTranscriberConfig>,
    /// Where YouTube is reached (`YOUTUBE_BASE_URL`, `https://www.youtube.com`) and which
    /// caption languages come first (`YOUTUBE_LANGUAGES`, `en`).
    pub youtube: YouTubeConfig,
    /// Whether imports fetch web pages (`IMPORT_WEB_FETCH`, `true`); off, URL imports are
    /// refused with a 422 saying so.
    pub web_fetch: bool,
    /// Loopback addresses (`IP:port`) URL imports may fetch despite the rule that refuses
    /// every address that is not public (`IMPORT_FETCH_ALLOW`, comma-separated; empty by
    /// default; for tests and local development only).
    pub fetch_allow: Vec<SocketAddr>,
    /// An OpenAI-compatible chat-completions server for generation and chat answers
    /// (`LLM_URL`, `LLM_MODEL`, `LLM_API_KEY`, `LLM_TIMEOUT_SECONDS`, `LLM_DAILY_TOKENS`,
    /// `LLM_MATERIAL_CHARS`); `None`: the offline generator.
    pub llm: Option<LlmSettings>,
    /// Whether `serve` runs a worker in its process (`EMBEDDED_WORKER`, `true`; always on the
    /// in-memory storage, whose queue no other process can reach).
    pub embedded_worker: bool,
    /// How much an imported Anki package may unpack to (`ANKI_MAX_ENTRY_BYTES`, 256 MiB;
    /// `ANKI_MAX_TOTAL_BYTES`, 512 MiB; `ANKI_MAX_RATIO`, 200; `ANKI_MAX_NOTES`, 50,000).
    pub packages: PackageLimits,
    /// Sign-in with an OpenID Connect provider (`OIDC_ISSUER`, Google by default;
    /// `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`, `OIDC_REDIRECT_URL`); `None` without a client
    /// id: the sign-in endpoints answer 501.
    pub oidc: Option<OidcConfig>,
    /// The keys provider tokens are sealed with (`TOKEN_KEY`: comma-separated `id:base64` keys
    /// of 32 bytes, the first sealing). Required with `OIDC_CLIENT_ID` on PostgreSQL; on the
    /// in-memory storage a random key lives as long as the process.
    pub token_keys: Option<TokenKeys>,
    /// Google Calendar API v3 for the calendar sync (`GOOGLE_CALENDAR_BASE_URL`, Google's
    /// own by default), used when an OpenID Connect provider is configured.
    pub google_calendar: GoogleCalendarConfig,
    /// The longest time between two runs of a student's calendar sync
    /// (`CALENDAR_SYNC_INTERVAL_SECS`, 900).
    pub calendar_sync_interval: Duration,
}

/// The OpenID Connect client, if `OIDC_CLIENT_ID` names one.
fn oidc() -> Result<Option<OidcConfig>, String> {
    let Some(client_id) = var("OIDC_CLIENT_ID") else {
        return match ["OIDC_ISSUER", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URL"]
            .iter()
            .find(|name| var(name).is_some())
        {
            Some(name) => Err(format!(
                "{name} is set but OIDC_CLIENT_ID is not: set OIDC_CLIENT_ID to sophie's client \
                 id at the provider, or unset the OIDC_* variables"
            )),
            None => Ok(None),
        };
    };
    let redirect_url = var("OIDC_REDIRECT_URL").ok_or(
        "OIDC_CLIENT_ID is set: set OIDC_REDIRECT_URL to sophie's callback \
         (https://<host>/api/v1/auth/oidc/callback) as registered at the provider",
    )?;
    Ok(Some(OidcConfig {
        issuer: var("OIDC_ISSUER").unwrap_or_else(|| GOOGLE_ISSUER.to_owned()),
        client_id,
        client_secret: var("OIDC_CLIENT_SECRET"),
        redirect_url,
        jwks_refetch_interval: Duration::from_secs(
            positive("OIDC_JWKS_REFETCH_SECS")?.unwrap_or(60),
        ),
        timeout: Duration::from_secs(10),
        token_url: var("GOOGLE_TOKEN_URL"),
    }))
}

/// The keys of `TOKEN_KEY`, if set.
fn token_keys() -> Result<Option<TokenKeys>, String> {
    var("TOKEN_KEY")
        .map(|spec| TokenKeys::parse(&spec).map_err(|e| format!("TOKEN_KEY: {}", e.0)))
        .transpose()
}

/// The limits of Anki imports, from `ANKI_*`.
fn packages() -> Result<PackageLimits, String> {
    let defaults = PackageLimits::default();
    Ok(PackageLimits {
        max_entry_bytes: positive("ANKI_MAX_ENTRY_BYTES")?.unwrap_or(defaults.max_entry_bytes),
        max_total_bytes: positive("ANKI_MAX_TOTAL_BYTES")?.unwrap_or(defaults.max_total_bytes),
        max_ratio: positive("ANKI_MAX_RATIO")?.unwrap_or(defaults.max_ratio),
        max_notes: positive("ANKI_MAX_NOTES")?.unwrap_or(defaults.max_notes),
    })
}

fn flag(name: &str, default: bool) -> Result<bool, String> {
    match var(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(format!("{name} must be true or false, not {other:?}")),
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(name: &str) -> Result<Option<T>, String> {
    match var(name) {
        None => Ok(None),
        Some(value) => value
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::default())
            .map(Some)
            .ok_or_else(|| format!("{name} must be a positive number, not {value:?}")),
    }
}

/// The model server for generation and chat, with its limits.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// The server and model.
    pub chat: OpenAiChatConfig,
    /// Tokens a student may spend per UTC day (`LLM_DAILY_TOKENS`, 200,000).
    pub daily_tokens: u64,
    /// The most characters of material one generation sends (`LLM_MATERIAL_CHARS`, 24,000:
    /// about 6,000 tokens, within a small model's context).
    pub material_chars: usize,
}

/// The model server, if `LLM_URL` names one.
fn llm() -> Result<Option<LlmSettings>, String> {
    let Some(url) = var("LLM_URL") else {
        return match ["LLM_MODEL", "LLM_API_KEY"]
            .iter()
            .find(|name| var(name).is_some())
        {
            Some(name) => Err(format!(
                "{name} is set but LLM_URL is not: set LLM_URL to the model server (an \
                 OpenAI-compatible /v1/chat/completions: Ollama, llama.cpp, vLLM, LM Studio, \
                 OpenAI)"
            )),
            None => Ok(None),
        };
    };
    let model =
        var("LLM_MODEL").ok_or("LLM_URL is set: set LLM_MODEL to the model to ask for too")?;
    let mut chat = OpenAiChatConfig::new(url, model);
    chat.api_key = var("LLM_API_KEY");
    if let Some(seconds) = positive::<u64>("LLM_TIMEOUT_SECONDS")? {
        chat.timeout = Duration::from_secs(seconds);
    }
    Ok(Some(LlmSettings {
        chat,
        daily_tokens: positive("LLM_DAILY_TOKENS")?.unwrap_or(200_000),
        material_chars: positive("LLM_MATERIAL_CHARS")?.unwrap_or(24_000),
    }))
}

/// The embeddings server, if `EMBEDDINGS_URL` names one.
fn embeddings() -> Result<Option<OpenAiEmbedderConfig>, String> {
    let Some(url) = var("EMBEDDINGS_URL") else {
        return Ok(None);
    };
    let model = var("EMBEDDINGS_MODEL")
        .ok_or("EMBEDDINGS_URL is set: set EMBEDDINGS_MODEL to the model to ask for too")?;
    let mut config = OpenAiEmbedderConfig::new(url, model);
    config.api_key = var("EMBEDDINGS_API_KEY");
    config.dimensions = positive("EMBEDDINGS_DIMENSIONS")?;
    if let Some(seconds) = positive::<u64>("EMBEDDINGS_TIMEOUT_SECONDS")? {
        config.timeout = Duration::from_secs(seconds);
    }
    Ok(Some(config))
}

/// The transcription server, if `TRANSCRIBE_URL` names one.
fn transcriber() -> Result<Option<OpenAiTranscriberConfig>, String> {
    let Some(url) = var("TRANSCRIBE_URL") else {
        return match ["TRANSCRIBE_MODEL", "TRANSCRIBE_API_KEY"]
            .iter()
            .find(|name| var(name).is_some())
        {
            Some(name) => Err(format!(
                "{name} is set but TRANSCRIBE_URL is not: set TRANSCRIBE_URL to the \
                 transcription server (an OpenAI-compatible /v1/audio/transcriptions)"
            )),
            None => Ok(None),
        };
    };
    let mut config = OpenAiTranscriberConfig::new(url);
    if let Some(model) = var("TRANSCRIBE_MODEL") {
        config.model = model;
    }
    config.api_key = var("TRANSCRIBE_API_KEY");
    config.language = var("TRANSCRIBE_LANGUAGE");
    if let Some(bytes) = positive::<usize>("TRANSCRIBE_MAX_PART_BYTES")? {
        config.max_part_bytes = bytes;
    }
    if let Some(seconds) = positive::<u64>("TRANSCRIBE_TIMEOUT_SECONDS")? {
        config.timeout = Duration::from_secs(seconds);
    }
    Ok(Some(config))
}

/// YouTube's address and the preferred caption languages.
fn youtube() -> YouTubeConfig {
    let mut config = YouTubeConfig::default();
    if let Some(url) = var("YOUTUBE_BASE_URL") {
        config.base_url = url;
    }
    if let Some(languages) = var("YOUTUBE_LANGUAGES") {
        config.languages = languages
            .split(',')
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
    }
    config
}

/// The loopback addresses URL imports may fetch (`IMPORT_FETCH_ALLOW`).
fn fetch_allow() -> Result<Vec<SocketAddr>, String> {
    let Some(list) = var("IMPORT_FETCH_ALLOW") else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry.parse::<SocketAddr>().map_err(|_| {
                format!(
                    "IMPORT_FETCH_ALLOW must list IP:port addresses (127.0.0.1:8081, \
                     [::1]:8081), not {entry:?}"
                )
            })
        })
        .collect()
}

/// The `S3_*` variables besides `S3_BUCKET`, which mean nothing without it.
const S3_OTHERS: [&str; 7] = [
    "S3_ENDPOINT",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_SESSION_TOKEN",
    "S3_VIRTUAL_HOSTED",
    "S3_PREFIX",
];

/// The S3-compatible bucket, if `S3_BUCKET` names one.
fn s3() -> Result<Option<S3Settings>, String> {
    let Some(bucket) = var("S3_BUCKET") else {
        // Half a configuration would silently keep files on this machine's disk.
        return match S3_OTHERS.iter().find(|name| var(name).is_some()) {
            Some(name) => Err(format!(
                "{name} is set but S3_BUCKET is not: set S3_BUCKET to the bucket to keep \
                 files in, or unset the S3_* variables to keep them in BLOB_DIR"
            )),
            None => Ok(None),
        };
    };
    let required =
        |name: &str| var(name).ok_or_else(|| format!("S3_BUCKET is set: set {name} too"));
    let endpoint = var("S3_ENDPOINT");
    if let Some(endpoint) = &endpoint {
        let scheme = endpoint
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            return Err(format!(
                "S3_ENDPOINT must be an http:// or https:// URL, not {endpoint:?}"
            ));
        }
    }
    let mut settings = S3Settings::new(
        bucket,
        required("S3_ACCESS_KEY_ID")?,
        required("S3_SECRET_ACCESS_KEY")?,
    );
    if let Some(region) = var("S3_REGION") {
        settings.region = region;
    }
    settings.session_token = var("S3_SESSION_TOKEN");
    // Path-style for a server of one's own (MinIO, Garage), the bucket's host on AWS.
    settings.virtual_hosted = flag("S3_VIRTUAL_HOSTED", endpoint.is_none())?;
    settings.endpoint = endpoint;
    settings.prefix = var("S3_PREFIX");
    Ok(Some(settings))
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
    /// address) per 15 minutes, `BLOB_DIR` (`data/blobs`), `S3_BUCKET` (unset: files in
    /// `BLOB_DIR`) with `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_ENDPOINT` (unset: AWS),
    /// `S3_REGION` (`us-east-1`), `S3_SESSION_TOKEN`, `S3_VIRTUAL_HOSTED` (`false` with an
    /// endpoint, `true` on AWS) and `S3_PREFIX`, `UPLOAD_LIMIT_BYTES` (50 MiB),
    /// `EMBEDDINGS_URL`/`_MODEL`/`_API_KEY`/`_DIMENSIONS`/`_TIMEOUT_SECONDS` (unset: offline
    /// embeddings), `TRANSCRIBE_URL`/`_MODEL` (`whisper-1`)/`_API_KEY`/`_LANGUAGE`/
    /// `_MAX_PART_BYTES` (24 MiB)/`_TIMEOUT_SECONDS` (300; unset: no audio imports),
    /// `YOUTUBE_BASE_URL` (`https://www.youtube.com`), `YOUTUBE_LANGUAGES` (`en`),
    /// `IMPORT_WEB_FETCH` (`true`), `IMPORT_FETCH_ALLOW` (none), `LLM_URL`/`_MODEL`/`_API_KEY`/
    /// `_TIMEOUT_SECONDS` (60)/`_DAILY_TOKENS` (200,000)/`_MATERIAL_CHARS` (24,000; unset: the
    /// offline generator), `ANKI_MAX_ENTRY_BYTES`/`_TOTAL_BYTES`/`_RATIO`/`_NOTES` (256 MiB,
    /// 512 MiB, 200, 50,000), `OIDC_CLIENT_ID` (unset: no provider sign-in) with
    /// `OIDC_ISSUER` (Google), `OIDC_CLIENT_SECRET`, `OIDC_REDIRECT_URL` and
    /// `OIDC_JWKS_REFETCH_SECS` (60), `TOKEN_KEY` and `EMBEDDED_WORKER` (`true`); the worker's own settings (`WORKER_*`) are
    /// read by `sophie_jobs::worker::WorkerConfig::from_env`.
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
        Ok(Self {
            blob_dir: var("BLOB_DIR").map_or_else(|| PathBuf::from("data/blobs"), PathBuf::from),
            s3: s3()?,
            upload_limit: positive("UPLOAD_LIMIT_BYTES")?.unwrap_or(DEFAULT_UPLOAD_LIMIT),
            embeddings: embeddings()?,
            transcriber: transcriber()?,
            youtube: youtube(),
            web_fetch: flag("IMPORT_WEB_FETCH", true)?,
            fetch_allow: fetch_allow()?,
            embedded_worker: flag("EMBEDDED_WORKER", true)?,
            packages: packages()?,
            llm: llm()?,
            oidc: oidc()?,
            token_keys: token_keys()?,
            google_calendar: GoogleCalendarConfig {
                base_url: var("GOOGLE_CALENDAR_BASE_URL")
                    .unwrap_or_else(|| GoogleCalendarConfig::default().base_url),
                ..GoogleCalendarConfig::default()
            },
            calendar_sync_interval: Duration::from_secs(
                positive("CALENDAR_SYNC_INTERVAL_SECS")?.unwrap_or(900),
            ),
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
