//! The worker runtime: claims jobs from a [`JobQueue`], runs them with the handlers of a
//! [`Registry`], renews their lease while they run, retries failures with backoff, rescues
//! jobs whose worker died, enqueues periodic jobs, and stops gracefully.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use std::time::Duration;
//! # use sophie_domain::jobs::PurgeExpiredCredentials;
//! # use sophie_domain::JobQueue;
//! # use sophie_jobs::worker::{Registry, Worker, WorkerConfig};
//! # async fn example(queue: Arc<dyn JobQueue>) -> Result<(), String> {
//! let mut registry = Registry::new();
//! registry
//!     .register_fn::<PurgeExpiredCredentials, _, _>(|_job, _run| async { Ok(()) })
//!     .every(Duration::from_secs(3600), PurgeExpiredCredentials {});
//! let worker = Worker::new(queue, registry, WorkerConfig::from_env()?);
//! let report = worker
//!     .run(async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await;
//! println!("{} jobs completed", report.completed);
//! # Ok(())
//! # }
//! ```
//!
//! # How it runs
//!
//! - **Claiming.** One loop claims, with [`JobQueue::claim_batch`], as many jobs of the
//!   registered kinds as there are free slots (`concurrency`), and runs each in a task of its
//!   own. Only the registered kinds are claimed, so a job of an unknown kind stays for a
//!   worker that knows it (during a rolling deploy, a newer one); when none has claimed it
//!   within `unknown_kind_grace`, the rescue chore fails it with `unknown job kind "KIND"`
//!   ([`JobQueue::fail_unknown_kinds`]), as [`Registry::execute`] fails such a row given by
//!   hand.
//! - **Idling.** When fewer jobs came than were asked for, the loop waits for
//!   [`JobQueue::wait_for_work`] or the poll interval, whichever comes first. The wait is
//!   registered *before* the claim, so a job enqueued between an empty claim and the wait
//!   still wakes it.
//! - **Leases.** While a job runs its lease is renewed every third of the lease. When a renewal
//!   is refused (the lease ran out and the job was rescued, so another worker may be running
//!   it), that is logged and the run goes on; its result is then refused too, and logged.
//! - **Outcome.** Success completes the job; completions are recorded in batches
//!   ([`JobQueue::complete_batch`]) of those that finished while the previous batch was being
//!   recorded. A failure the job's [`sophie_domain::jobs::Job::is_retryable`] accepts, with
//!   attempts left, is retried after the [`Backoff`]; any other fails the job for good and
//!   calls the handler's [`Handler::exhausted`] hook. A panic is a retryable failure.
//! - **Chores.** Every `rescue_interval` the worker puts back jobs whose lease ran out
//!   ([`JobQueue::rescue_expired`]), running the exhausted hook of those that ran out on
//!   their last attempt, and fails jobs of unknown kinds past their grace; and it enqueues the periodic jobs of
//!   [`Registry::every`].
//! - **Errors of the queue** (the database is down) never end the worker: they are logged,
//!   and the loop pauses (at most 30 s) and tries again.
//! - **Shutdown.** When the future given to [`Worker::run`] resolves, the worker claims no
//!   more, lets running jobs finish for up to `shutdown_deadline`, then aborts those still
//!   running and puts them back to pending without counting the attempt
//!   ([`JobQueue::release`]), and returns a [`WorkerReport`].

mod chores;
mod config;
mod registry;
mod slots;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sophie_domain::{Clock, JobQueue, SystemClock};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use config::{Backoff, WorkerConfig, worker_id};
pub use registry::{Failure, Handler, JobRun, Outcome, Registry};

/// What a worker did, returned when it stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Jobs completed.
    pub completed: u64,
    /// Failed attempts put back to run again later.
    pub retried: u64,
    /// Jobs failed for good.
    pub failed: u64,
    /// Jobs aborted at shutdown and put back to pending.
    pub released: u64,
    /// Runs whose result the queue refused (the worker had lost the job's lease) or could
    /// not record (it was unreachable): their jobs are rescued when the lease runs out.
    pub lost: u64,
}

/// The counters behind a [`WorkerReport`].
#[derive(Debug, Default)]
struct Counts {
    completed: AtomicU64,
    retried: AtomicU64,
    failed: AtomicU64,
    released: AtomicU64,
    lost: AtomicU64,
}

impl Counts {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn report(&self) -> WorkerReport {
        WorkerReport {
            completed: self.completed.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            released: self.released.load(Ordering::Relaxed),
            lost: self.lost.load(Ordering::Relaxed),
        }
    }
}

/// What every task of a running worker shares.
struct Shared {
    queue: Arc<dyn JobQueue>,
    registry: Registry,
    config: WorkerConfig,
    clock: Arc<dyn Clock>,
    /// The registered kinds, as the queue wants them.
    kinds: Vec<String>,
    counts: Counts,
}

/// Runs the jobs of a [`Registry`] from a [`JobQueue`]; see the [module](self) for how.
pub struct Worker {
    queue: Arc<dyn JobQueue>,
    registry: Registry,
    config: WorkerConfig,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("registry", &self.registry)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker of `queue` running the handlers of `registry`, on the system clock. A
    /// concurrency of 0 counts as 1.
    #[must_use]
    pub fn new(queue: Arc<dyn JobQueue>, registry: Registry, mut config: WorkerConfig) -> Self {
        config.concurrency = config.concurrency.max(1);
        config.completion_batch = config.completion_batch.max(1);
        Self {
            queue,
            registry,
            config,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same worker on `clock`, which dates retries, rescues and periodic jobs (a fixed
    /// clock in tests; the queue has its own).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The name it claims jobs under.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.config.worker_id
    }

    /// Runs until `shutdown` resolves, then stops as the [module](self) says, and reports.
    /// Must be called within a Tokio runtime; never panics, whatever the handlers do.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> WorkerReport {
        let kinds: Vec<String> = self
            .registry
            .kinds()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if kinds.is_empty() {
            tracing::warn!("the worker has no handlers: it will run no job");
        }
        let shared = Arc::new(Shared {
            queue: self.queue,
            registry: self.registry,
            config: self.config,
            clock: self.clock,
            kinds,
            counts: Counts::default(),
        });
        let config = &shared.config;
        tracing::info!(
            worker = %config.worker_id,
            kinds = ?shared.kinds,
            concurrency = config.concurrency,
            "worker started"
        );

        // Stop claiming; abort what still runs.
        let stop = CancellationToken::new();
        let abort = CancellationToken::new();
        let (completions, completed) = mpsc::unbounded_channel();
        let completer = tokio::spawn(slots::record_completions(Arc::clone(&shared), completed));
        let mut dispatcher = tokio::spawn(slots::dispatch(
            Arc::clone(&shared),
            stop.clone(),
            abort.clone(),
            completions,
        ));
        let mut chores = JoinSet::new();
        chores.spawn(chores::rescue(Arc::clone(&shared), stop.clone()));
        for periodic in shared.registry.periodic() {
            chores.spawn(chores::schedule(
                Arc::clone(&shared),
                periodic.clone(),
                stop.clone(),
            ));
        }

        tokio::select! {
            () = shutdown => {}
            ended = &mut dispatcher => {
                // It only ends when told to stop: a panic would be a bug of this crate.
                tracing::error!(?ended, "the worker's claiming loop ended by itself; stopping");
            }
        }
        stop.cancel();
        tracing::info!(
            worker = %config.worker_id,
            deadline_s = config.shutdown_deadline.as_secs_f64(),
            "stopping: no more claims; running jobs have until the deadline to finish"
        );
        if !dispatcher.is_finished()
            && tokio::time::timeout(config.shutdown_deadline, &mut dispatcher)
                .await
                .is_err()
        {
            tracing::warn!("the shutdown deadline passed: aborting the jobs still running");
            abort.cancel();
            if let Err(error) = (&mut dispatcher).await {
                tracing::error!(%error, "the claiming loop failed while aborting");
            }
        }
        if let Err(error) = completer.await {
            tracing::error!(%error, "the completion recorder failed");
        }
        while let Some(ended) = chores.join_next().await {
            if let Err(error) = ended {
                tracing::error!(%error, "a chore of the worker failed");
            }
        }
        let report = shared.counts.report();
        tracing::info!(worker = %config.worker_id, ?report, "worker stopped");
        report
    }
}
