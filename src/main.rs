//! `sophie`: the composition root. It reads the configuration, picks the adapters (in memory,
//! or PostgreSQL when `DATABASE_URL` is set), wires them and runs the command asked for.

use std::process::ExitCode;

use sophie_persistence::{DatabaseConfig, run_pending_migrations};

const USAGE: &str = "usage: sophie [serve | migrate | --version]

  serve     serve the HTTP API (the default; not built yet in this version)
  migrate   apply pending database migrations to DATABASE_URL";

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        None | Some("serve") => {
            eprintln!(
                "sophie {}: the HTTP server is not built yet in this version; \
                 the domain, the schema and `sophie migrate` are.",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
        Some("migrate") => migrate(),
        Some("--version" | "-V") => {
            eprintln!("sophie {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            eprintln!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("sophie: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn migrate() -> ExitCode {
    let config = match DatabaseConfig::from_env() {
        Ok(Some(config)) => config,
        Ok(None) => {
            eprintln!("sophie migrate: set DATABASE_URL to the database to migrate");
            return ExitCode::from(2);
        }
        Err(message) => {
            eprintln!("sophie migrate: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sophie migrate: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_pending_migrations(&config)) {
        Ok(applied) if applied.is_empty() => {
            eprintln!("sophie migrate: the database is up to date");
            ExitCode::SUCCESS
        }
        Ok(applied) => {
            eprintln!("sophie migrate: applied {}", applied.join(", "));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sophie migrate: {error}");
            ExitCode::FAILURE
        }
    }
}
