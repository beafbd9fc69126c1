//! `sophie`: the composition root. It reads the configuration, picks the adapters (in memory,
//! or PostgreSQL when `DATABASE_URL` is set), wires them and runs the command asked for.

mod config;
mod demo;
mod serve;
mod telemetry;
mod wiring;

use std::net::SocketAddr;
use std::process::ExitCode;

use sophie_persistence::run_pending_migrations;

use crate::config::Config;

const USAGE: &str = "usage: sophie [serve [--demo] | worker | demo | migrate | --version | --help]

  serve     serve the HTTP API (the default) and, unless EMBEDDED_WORKER=false, run
            background jobs in the same process; --demo first creates a demo account
  worker    run background jobs only (needs DATABASE_URL); start any number of them
  demo      create the demo account and its material, then exit (needs DATABASE_URL)
  migrate   apply pending database migrations to DATABASE_URL

Configuration comes from the environment and an optional .env file: HOST (127.0.0.1),
PORT (8080), DATABASE_URL (unset: in memory, nothing kept), DATABASE_MAX_CONNECTIONS,
SEARCH_MEMORY_MIB (256), LOG_LEVEL (info), LOG_FORMAT (text|json), JSON_BODY_LIMIT_BYTES,
SECURE_COOKIES, TRUST_PROXY, HTTP_WORKERS, SIGN_IN_ATTEMPTS_PER_IP, SIGN_IN_ATTEMPTS_PER_EMAIL,
BLOB_DIR (data/blobs), S3_BUCKET (unset: files in BLOB_DIR), S3_ENDPOINT (unset: AWS),
S3_REGION (us-east-1), S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_SESSION_TOKEN,
S3_VIRTUAL_HOSTED (false with S3_ENDPOINT, true on AWS), S3_PREFIX,
UPLOAD_LIMIT_BYTES (52428800), EMBEDDINGS_URL, EMBEDDINGS_MODEL,
EMBEDDINGS_API_KEY, EMBEDDINGS_DIMENSIONS (unset: offline embeddings), TRANSCRIBE_URL
(unset: no audio imports), TRANSCRIBE_MODEL (whisper-1), TRANSCRIBE_API_KEY,
TRANSCRIBE_LANGUAGE, TRANSCRIBE_MAX_PART_BYTES (25165824), TRANSCRIBE_TIMEOUT_SECONDS (300),
LLM_URL (unset: the offline generator), LLM_MODEL, LLM_API_KEY, LLM_TIMEOUT_SECONDS (60),
LLM_DAILY_TOKENS (200000), LLM_MATERIAL_CHARS (24000),
YOUTUBE_BASE_URL (https://www.youtube.com), YOUTUBE_LANGUAGES (en), IMPORT_WEB_FETCH
(true), IMPORT_FETCH_ALLOW (none; loopback IP:port for tests), ANKI_MAX_ENTRY_BYTES
(268435456), ANKI_MAX_TOTAL_BYTES (536870912), ANKI_MAX_RATIO (200), ANKI_MAX_NOTES (50000),
OIDC_CLIENT_ID (unset: no sign-in with a provider), OIDC_ISSUER (https://accounts.google.com),
OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL (https://<host>/api/v1/auth/oidc/callback),
OIDC_JWKS_REFETCH_SECS (60), TOKEN_KEY (id:base64 keys of 32 bytes, comma-separated, the first
sealing provider tokens; required with OIDC_CLIENT_ID on PostgreSQL),
GOOGLE_CALENDAR_BASE_URL (https://www.googleapis.com/calendar/v3), GOOGLE_TOKEN_URL (the
discovered token endpoint), CALENDAR_SYNC_INTERVAL_SECS (900),
EMBEDDED_WORKER (true), WORKER_CONCURRENCY (2), WORKER_POLL_INTERVAL_MS, WORKER_LEASE_SECS,
WORKER_SHUTDOWN_DEADLINE_SECS, WORKER_RESCUE_INTERVAL_SECS, WORKER_UNKNOWN_KIND_GRACE_SECS.";

fn main() -> ExitCode {
    // A missing .env is normal; a broken one is worth knowing about.
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("sophie: ignoring .env: {error}");
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => run(|config| serve::serve(config, false)),
        ["serve", "--demo"] | ["--demo"] => run(|config| serve::serve(config, true)),
        ["worker"] => run(serve::work),
        ["demo"] => run(|config| async move {
            if config.database.is_none() {
                return Err(
                    "`sophie demo` keeps its account in PostgreSQL: set DATABASE_URL, \
                            or run `sophie serve --demo` to try it in memory"
                        .to_owned(),
                );
            }
            let state = serve::state(&config).await?;
            let base_url = format!("http://{}", SocketAddr::from((config.host, config.port)));
            demo::seed_and_print(&state, &base_url).await
        }),
        ["migrate"] => run(|config| async move {
            let database = config
                .database
                .ok_or("set DATABASE_URL to the database to migrate")?;
            let applied = run_pending_migrations(&database)
                .await
                .map_err(|e| e.to_string())?;
            if applied.is_empty() {
                eprintln!("sophie migrate: the database is up to date");
            } else {
                eprintln!("sophie migrate: applied {}", applied.join(", "));
            }
            Ok(())
        }),
        ["--version" | "-V"] => {
            eprintln!("sophie {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        ["--help" | "-h" | "help"] => {
            eprintln!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("sophie: unknown arguments {args:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run<F, Fut>(command: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("sophie: {message}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_level, config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sophie: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("sophie: {message}");
            ExitCode::FAILURE
        }
    }
}
