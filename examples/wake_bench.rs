//! How soon an idle worker starts a job after it is enqueued (`scripts/bench-wake.sh`).
//!
//! One [`sophie_jobs::worker::Worker`] with one slot and a poll interval of 30 s, so that only
//! the queue's wake-up (`LISTEN/NOTIFY` on PostgreSQL, an in-process signal on memory) can
//! start a job in time. `BENCH_JOBS` jobs (200) are enqueued one at a time, each once the
//! worker has been idle for a random 5 to 25 ms; the time from just before the enqueue to the
//! start of the job's handler is recorded. Prints p50, p95 and the maximum, in milliseconds.
//!
//! `cargo run --release --example wake_bench` runs on the in-memory queue; with
//! `DATABASE_URL` set (a scratch database: it is migrated) on PostgreSQL.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sophie_domain::JobQueue;
use sophie_domain::jobs::Job;
use sophie_domain::memory::MemoryJobQueue;
use sophie_jobs::worker::{Registry, Worker, WorkerConfig};
use sophie_persistence::{Database, DatabaseConfig, PostgresJobQueue, run_pending_migrations};
use tokio::sync::mpsc;

/// A job that reports when its handler starts.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Ping {
    n: u32,
}

impl Job for Ping {
    const KIND: &'static str = "bench.ping";
}

/// The queue to measure, and what it is called in the output.
async fn queue() -> Result<(Arc<dyn JobQueue>, &'static str), String> {
    let Some(config) = DatabaseConfig::from_env()? else {
        return Ok((Arc::new(MemoryJobQueue::new()), "memory"));
    };
    run_pending_migrations(&config)
        .await
        .map_err(|e| e.to_string())?;
    let db = Database::connect_lazy(&config).map_err(|e| e.to_string())?;
    let queue = PostgresJobQueue::new(db);
    tokio::time::timeout(Duration::from_secs(10), queue.listen())
        .await
        .map_err(|_| "the queue's listener did not listen within 10 s")?;
    Ok((Arc::new(queue), "PostgreSQL"))
}

/// The value below which `share` of the sorted `values` lie.
fn percentile(sorted: &[Duration], share: f64) -> Duration {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let at = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run() -> Result<String, String> {
    let jobs: u32 = std::env::var("BENCH_JOBS")
        .ok()
        .map_or(Ok(200), |n| n.parse())
        .map_err(|_| "BENCH_JOBS must be a number")?;
    let (queue, name) = queue().await?;
    let (started, mut starts) = mpsc::unbounded_channel::<(u32, Instant)>();
    let mut registry = Registry::new();
    registry.register_fn::<Ping, _, _>(move |job, _run| {
        let started = started.clone();
        async move {
            let _ = started.send((job.n, Instant::now()));
            Ok(())
        }
    });
    let config = WorkerConfig {
        concurrency: 1,
        poll_interval: Duration::from_secs(30),
        ..WorkerConfig::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(Worker::new(queue.clone(), registry, config).run(async {
        let _ = stopped.await;
    }));

    let mut latencies = Vec::with_capacity(jobs as usize);
    for n in 0..jobs {
        // Idle for a while, so the worker is waiting, not between two claims.
        tokio::time::sleep(Duration::from_millis(5 + u64::from(n * 7919 % 21))).await;
        let job = Ping { n }.to_new_job().map_err(|e| e.to_string())?;
        let before = Instant::now();
        queue.enqueue(job).await.map_err(|e| e.to_string())?;
        let (seen, at) = tokio::time::timeout(Duration::from_secs(60), starts.recv())
            .await
            .map_err(|_| format!("job {n} did not start within 60 s"))?
            .ok_or("the worker stopped")?;
        if seen != n {
            return Err(format!("job {seen} started when {n} was expected"));
        }
        latencies.push(at.duration_since(before));
    }
    let _ = stop.send(());
    let _ = worker.await;
    latencies.sort();
    Ok(format!(
        "{name}: enqueue to handler start over {jobs} jobs, poll interval 30 s: \
         p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.95)),
        ms(latencies.last().copied().unwrap_or_default()),
    ))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(line) => {
            #[allow(clippy::print_stdout, reason = "the figures are the program's output")]
            {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wake_bench: {error}");
            ExitCode::FAILURE
        }
    }
}
