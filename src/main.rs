//! `sophie`: the composition root. It reads the configuration, picks the adapters (in memory,
//! or PostgreSQL when `DATABASE_URL` is set), wires them into the API and the worker, and runs.
//!
//! The HTTP server arrives with the API; until then this binary says what it can do.

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        None | Some("serve") => {
            eprintln!(
                "sophie {}: the HTTP server is not built yet in this version; \
                 the domain, the schema and the migrations are.",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
        Some("--version" | "-V") => {
            eprintln!("sophie {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("sophie: unknown command {other:?}; known: serve");
            ExitCode::from(2)
        }
    }
}
