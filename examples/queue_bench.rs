//! One worker process of the queue benchmark (`scripts/bench-queue.sh`): runs the no-op jobs
//! of kind `bench.noop` from the PostgreSQL queue at `DATABASE_URL`, through
//! [`sophie_jobs::worker::Worker`] and [`sophie_persistence::PostgresJobQueue`] as
//! `sophie worker` would, with `WORKER_CONCURRENCY` slots, until SIGTERM or Ctrl-C; then
//! prints its report on one line (`completed=N retried=N failed=N released=N lost=N`).
//!
//! `cargo run --release --example queue_bench` (with `DATABASE_URL` set, on a migrated
//! database); `RUST_LOG` sets the log level (`warn` by default).

use std::process::ExitCode;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sophie_domain::jobs::Job;
use sophie_jobs::worker::{Registry, Worker, WorkerConfig};
use sophie_persistence::{Database, DatabaseConfig, PostgresJobQueue};
use tracing_subscriber::EnvFilter;

/// A job that does nothing: the benchmark measures the queue and the runtime alone.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Noop {}

impl Job for Noop {
    const KIND: &'static str = "bench.noop";
}

/// Resolves at SIGTERM or Ctrl-C.
async fn terminated() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

async fn run() -> Result<String, String> {
    let config = DatabaseConfig::from_env()?.ok_or("DATABASE_URL is not set")?;
    let db = Database::connect_lazy(&config).map_err(|e| e.to_string())?;
    let queue = PostgresJobQueue::new(db);
    tokio::time::timeout(std::time::Duration::from_secs(10), queue.listen())
        .await
        .map_err(|_| "the queue's listener did not listen within 10 s")?;
    let mut registry = Registry::new();
    registry.register_fn::<Noop, _, _>(|_job, _run| async { Ok(()) });
    let worker = Worker::new(Arc::new(queue), registry, WorkerConfig::from_env()?);
    let report = worker.run(terminated()).await;
    Ok(format!(
        "completed={} retried={} failed={} released={} lost={}",
        report.completed, report.retried, report.failed, report.released, report.lost
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(line) => {
            #[allow(clippy::print_stdout, reason = "the report is the program's output")]
            {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("queue_bench: {error}");
            ExitCode::FAILURE
        }
    }
}
