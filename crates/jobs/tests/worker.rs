//! The worker runtime on the in-memory queue.
//!
//! Waits are bounded by [`within`] (a test that would hang fails instead) and never assert a
//! duration: whatever must happen is awaited, then checked.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a failure should stop the test where it happened"
)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::jobs::Job;
use sophie_domain::memory::MemoryJobQueue;
use sophie_domain::{
    BackgroundJob, BackgroundJobId, DomainError, DomainResult, JobQueue, JobStatus,
    NewBackgroundJob, Rescued,
};
use sophie_jobs::worker::{
    Backoff, Handler, JobRun, Outcome, Registry, Worker, WorkerConfig, WorkerReport,
};
use tokio::sync::{Barrier, Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

/// The longest any wait of these tests may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test if it takes longer than [`PATIENCE`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Echo {
    n: u32,
}

impl Job for Echo {
    const KIND: &'static str = "test.echo";
    const MAX_ATTEMPTS: i32 = 3;
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Tick {}

impl Job for Tick {
    const KIND: &'static str = "test.tick";
    const MAX_ATTEMPTS: i32 = 1;

    fn unique_key(&self) -> Option<String> {
        Some(Self::KIND.to_owned())
    }
}

fn unavailable() -> DomainError {
    DomainError::Unavailable {
        service: "model server",
        message: "timed out".to_owned(),
    }
}

/// Settings for tests: fast polling and retries, a long lease, no rescue but the first.
fn config(concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        concurrency,
        poll_interval: Duration::from_millis(20),
        backoff: Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(4),
        },
        rescue_interval: Duration::from_secs(3600),
        shutdown_deadline: Duration::from_secs(5),
        ..WorkerConfig::default()
    }
}

/// A running worker and the switch that stops it.
struct Running {
    stop: Option<oneshot::Sender<()>>,
    stopping: Option<oneshot::Receiver<()>>,
    handle: JoinHandle<WorkerReport>,
}

impl Running {
    fn start(queue: Arc<dyn JobQueue>, registry: Registry, config: WorkerConfig) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let (seen, stopping) = oneshot::channel::<()>();
        let worker = Worker::new(queue, registry, config);
        let handle = tokio::spawn(worker.run(async move {
            let _ = stopped.await;
            let _ = seen.send(());
        }));
        Self {
            stop: Some(stop),
            stopping: Some(stopping),
            handle,
        }
    }

    /// Tells the worker to stop and waits until it has seen it (on the tests' one-thread
    /// runtime it has then stopped claiming), without waiting for it to finish.
    async fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopping) = self.stopping.take() {
            within("the worker to see the shutdown", stopping)
                .await
                .unwrap();
        }
    }

    async fn stop(mut self) -> WorkerReport {
        self.begin_stop().await;
        within("the worker to stop", self.handle).await.unwrap()
    }
}

/// Waits until job `id` is in `status`, and returns it.
async fn until_status(
    queue: &dyn JobQueue,
    id: BackgroundJobId,
    status: JobStatus,
) -> BackgroundJob {
    within(&format!("job {id} to be {status:?}"), async {
        loop {
            let job = queue.get(id).await.unwrap();
            if job.status == status {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
}

async fn enqueue(queue: &dyn JobQueue, job: &impl Job) -> BackgroundJob {
    queue.enqueue(job.to_new_job().unwrap()).await.unwrap()
}

#[tokio::test]
async fn a_job_runs_and_completes() {
    let queue = Arc::new(MemoryJobQueue::new());
    let (ran, mut runs) = mpsc::unbounded_channel();
    let mut registry = Registry::new();
    registry.register_fn::<Echo, _, _>(move |job, run| {
        let ran = ran.clone();
        async move {
            ran.send((job, run)).unwrap();
            Ok(())
        }
    });
    let worker = Running::start(queue.clone(), registry, config(2));
    let queued = enqueue(&*queue, &Echo { n: 7 }).await;

    let (job, run) = within("the handler", runs.recv()).await.unwrap();
    assert_eq!(job, Echo { n: 7 }, "the handler got another payload");
    assert_eq!(
        run,
        JobRun {
            id: queued.id,
            attempt: 1,
            max_attempts: 3
        }
    );
    let done = until_status(&*queue, queued.id, JobStatus::Completed).await;
    assert_eq!((done.attempts, done.locked_by), (1, None));
    let report = worker.stop().await;
    assert_eq!(
        report,
        WorkerReport {
            completed: 1,
            ..WorkerReport::default()
        }
    );
}

#[tokio::test]
async fn concurrency_n_runs_n_jobs_at_once_and_no_more() {
    const N: usize = 3;
    let queue = Arc::new(MemoryJobQueue::new());
    // Each handler waits until N of them run together: with fewer slots this never passes.
    let barrier = Arc::new(Barrier::new(N));
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    {
        let (running, most) = (running.clone(), most.clone());
        registry.register_fn::<Echo, _, _>(move |_job, _run| {
            let (barrier, running, most) = (barrier.clone(), running.clone(), most.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                barrier.wait().await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
        });
    }
    let mut ids = Vec::new();
    for n in 0..(2 * N as u32) {
        ids.push(enqueue(&*queue, &Echo { n }).await.id);
    }
    let worker = Running::start(queue.clone(), registry, config(N));
    for id in ids {
        until_status(&*queue, id, JobStatus::Completed).await;
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        N,
        "more jobs ran at once than the worker has slots"
    );
    assert_eq!(worker.stop().await.completed, 2 * N as u64);
}

#[tokio::test]
async fn a_retryable_failure_is_retried_until_it_succeeds() {
    let queue = Arc::new(MemoryJobQueue::new());
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let mut registry = Registry::new();
    {
        let attempts = attempts.clone();
        registry.register_fn::<Echo, _, _>(move |_job, run| {
            attempts.lock().unwrap().push(run.attempt);
            async move {
                if run.attempt < 3 {
                    Err(unavailable())
                } else {
                    Ok(())
                }
            }
        });
    }
    let worker = Running::start(queue.clone(), registry, config(1));
    let queued = enqueue(&*queue, &Echo { n: 1 }).await;

    let done = until_status(&*queue, queued.id, JobStatus::Completed).await;
    assert_eq!(done.attempts, 3);
    assert_eq!(
        done.last_error.as_deref(),
        Some("model server is unavailable: timed out"),
        "the last failure is not recorded"
    );
    assert_eq!(*attempts.lock().unwrap(), [1, 2, 3]);
    let report = worker.stop().await;
    assert_eq!((report.retried, report.completed, report.failed), (2, 1, 0));
}

/// Counts its runs and its exhausted calls, and fails with what `fail` makes.
struct Failing {
    fail: fn() -> DomainError,
    runs: AtomicUsize,
    exhausted: Mutex<Vec<(Echo, JobRun, String)>>,
}

impl Failing {
    fn new(fail: fn() -> DomainError) -> Arc<Self> {
        Arc::new(Self {
            fail,
            runs: AtomicUsize::new(0),
            exhausted: Mutex::new(Vec::new()),
        })
    }
}

impl Handler<Echo> for Arc<Failing> {
    async fn run(&self, _job: Echo, _run: JobRun) -> DomainResult<()> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Err((self.fail)())
    }

    async fn exhausted(&self, job: Echo, run: JobRun, error: &DomainError) {
        self.exhausted
            .lock()
            .unwrap()
            .push((job, run, error.to_string()));
    }
}

#[tokio::test]
async fn a_permanent_failure_fails_at_once_with_the_reason() {
    let queue = Arc::new(MemoryJobQueue::new());
    let handler = Failing::new(|| DomainError::validation("n", "must be even"));
    let mut registry = Registry::new();
    registry.register::<Echo, _>(handler.clone());
    let worker = Running::start(queue.clone(), registry, config(1));
    let queued = enqueue(&*queue, &Echo { n: 3 }).await;

    let failed = until_status(&*queue, queued.id, JobStatus::Failed).await;
    assert_eq!(failed.attempts, 1, "a permanent failure was retried");
    assert_eq!(failed.last_error.as_deref(), Some("n: must be even"));
    let report = worker.stop().await;
    assert_eq!(handler.runs.load(Ordering::SeqCst), 1);
    assert_eq!(
        *handler.exhausted.lock().unwrap(),
        [(
            Echo { n: 3 },
            JobRun {
                id: queued.id,
                attempt: 1,
                max_attempts: 3
            },
            "n: must be even".to_owned()
        )],
        "the exhausted hook was not called once with the error"
    );
    assert_eq!((report.failed, report.retried), (1, 0));
}

#[tokio::test]
async fn a_job_out_of_attempts_fails_and_its_hook_runs_once() {
    let queue = Arc::new(MemoryJobQueue::new());
    let handler = Failing::new(unavailable);
    let mut registry = Registry::new();
    registry.register::<Echo, _>(handler.clone());
    let worker = Running::start(queue.clone(), registry, config(2));
    let queued = enqueue(&*queue, &Echo { n: 5 }).await;

    let failed = until_status(&*queue, queued.id, JobStatus::Failed).await;
    assert_eq!(failed.attempts, 3);
    assert_eq!(
        failed.last_error.as_deref(),
        Some("model server is unavailable: timed out")
    );
    let report = worker.stop().await;
    assert_eq!(handler.runs.load(Ordering::SeqCst), 3);
    let exhausted = handler.exhausted.lock().unwrap().clone();
    assert_eq!(exhausted.len(), 1, "the hook ran {} times", exhausted.len());
    assert_eq!(exhausted[0].1.attempt, 3);
    assert!(exhausted[0].1.is_last_attempt());
    assert_eq!((report.retried, report.failed), (2, 1));
}

#[tokio::test]
async fn a_job_whose_worker_died_on_its_last_attempt_fails_and_its_hook_runs() {
    let queue = Arc::new(MemoryJobQueue::new());
    let mut last = Echo { n: 9 }.to_new_job().unwrap();
    last.max_attempts = 1;
    let queued = queue.enqueue(last).await.unwrap();
    // A worker claims it and dies: its lease runs out with no attempt left.
    let claimed = queue
        .claim("dead".into(), vec![Echo::KIND.to_owned()], Duration::ZERO)
        .await
        .unwrap()
        .expect("the job is claimed");
    assert_eq!(claimed.attempts, 1);
    tokio::time::sleep(Duration::from_millis(5)).await;

    let handler = Failing::new(unavailable);
    let mut registry = Registry::new();
    registry.register::<Echo, _>(handler.clone());
    // The worker's first rescue comes at once.
    let worker = Running::start(queue.clone(), registry, config(1));
    let failed = until_status(&*queue, queued.id, JobStatus::Failed).await;
    within("the exhausted hook", async {
        while handler.exhausted.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    worker.stop().await;

    assert_eq!(
        handler.runs.load(Ordering::SeqCst),
        0,
        "the dead job ran again"
    );
    let exhausted = handler.exhausted.lock().unwrap().clone();
    assert_eq!(exhausted.len(), 1, "the hook ran {} times", exhausted.len());
    let (job, run, error) = &exhausted[0];
    assert_eq!(job, &Echo { n: 9 });
    assert_eq!((run.id, run.attempt, run.max_attempts), (queued.id, 1, 1));
    let reason = failed
        .last_error
        .expect("the rescue records why the job failed");
    assert!(
        error.contains(&reason),
        "the hook was not told why: {error:?} vs {reason:?}"
    );
}

#[tokio::test]
async fn a_job_of_a_kind_no_worker_knows_fails_after_its_grace() {
    let queue = Arc::new(MemoryJobQueue::new());
    let stray = queue
        .enqueue(NewBackgroundJob::new(
            "test.retired",
            serde_json::json!({ "n": 1 }),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (registry, mut ran) = echo_counter();
    let worker = Running::start(
        queue.clone(),
        registry,
        WorkerConfig {
            unknown_kind_grace: Duration::ZERO,
            ..config(1)
        },
    );
    let failed = until_status(&*queue, stray.id, JobStatus::Failed).await;
    assert_eq!(
        failed.last_error.as_deref(),
        Some(r#"unknown job kind "test.retired""#)
    );
    assert_eq!(failed.attempts, 0, "the job of an unknown kind was run");
    // The worker goes on with the kinds it knows.
    let known = enqueue(&*queue, &Echo { n: 4 }).await;
    assert_eq!(within("the known job", ran.recv()).await, Some(4));
    until_status(&*queue, known.id, JobStatus::Completed).await;
    worker.stop().await;
}

fn row(kind: &str, payload: serde_json::Value) -> BackgroundJob {
    let now = Utc::now();
    BackgroundJob {
        id: BackgroundJobId::new(),
        kind: kind.to_owned(),
        payload,
        status: JobStatus::Processing,
        priority: 0,
        attempts: 1,
        max_attempts: 5,
        run_at: now,
        locked_by: Some("w".to_owned()),
        locked_until: None,
        last_error: None,
        unique_key: None,
        created_at: now,
        updated_at: now,
    }
}

#[tokio::test]
async fn a_row_of_an_unknown_kind_fails_for_good_with_that_reason() {
    let mut registry = Registry::new();
    registry.register_fn::<Echo, _, _>(|_job, _run| async { Ok(()) });
    // The worker claims only registered kinds, so such a row reaches `execute` only by hand.
    let Outcome::Failed(failure) = registry
        .execute(&row("import.nothing", serde_json::json!({})))
        .await
    else {
        panic!("a row of an unknown kind did not fail");
    };
    assert_eq!(failure.message, r#"unknown job kind "import.nothing""#);
    assert!(!failure.retryable, "an unknown kind is retried");
    assert!(failure.error.is_none());
    assert!(matches!(
        registry
            .execute(&row(Echo::KIND, serde_json::json!({ "n": 1 })))
            .await,
        Outcome::Completed
    ));
}

#[tokio::test]
async fn a_payload_that_does_not_decode_fails_for_good_with_the_reason() {
    let queue = Arc::new(MemoryJobQueue::new());
    let handler = Failing::new(unavailable);
    let mut registry = Registry::new();
    registry.register::<Echo, _>(handler.clone());
    let worker = Running::start(queue.clone(), registry, config(1));
    let bad = queue
        .enqueue(NewBackgroundJob::new(
            Echo::KIND,
            serde_json::json!({ "n": "seven" }),
        ))
        .await
        .unwrap();

    let failed = until_status(&*queue, bad.id, JobStatus::Failed).await;
    assert_eq!(
        failed.attempts, 1,
        "a payload that cannot decode was retried"
    );
    let reason = failed.last_error.unwrap();
    assert!(
        reason.contains("does not decode") && reason.contains("invalid type"),
        "{reason}"
    );
    let report = worker.stop().await;
    assert_eq!(handler.runs.load(Ordering::SeqCst), 0);
    assert!(
        handler.exhausted.lock().unwrap().is_empty(),
        "the hook ran for a job it cannot read"
    );
    assert_eq!(report.failed, 1);
}

#[tokio::test]
async fn a_panicking_handler_fails_its_attempt_and_the_worker_goes_on() {
    let queue = Arc::new(MemoryJobQueue::new());
    let mut registry = Registry::new();
    registry.register_fn::<Echo, _, _>(|job, run| async move {
        if job.n == 0 && run.attempt == 1 {
            panic!("boom at {}", job.n);
        }
        Ok(())
    });
    // A panic before the handler's future even starts.
    registry.register_fn::<Tick, _, _>(|_job, run| {
        assert!(run.attempt > 1, "synchronous boom");
        async { Ok(()) }
    });
    let worker = Running::start(queue.clone(), registry, config(1));
    let panicking = enqueue(&*queue, &Echo { n: 0 }).await;
    let eager = queue
        .enqueue(NewBackgroundJob {
            max_attempts: 2,
            ..Tick {}.to_new_job().unwrap()
        })
        .await
        .unwrap();
    let fine = enqueue(&*queue, &Echo { n: 1 }).await;

    let done = until_status(&*queue, panicking.id, JobStatus::Completed).await;
    assert_eq!(done.attempts, 2, "the panic did not fail the first attempt");
    assert_eq!(
        done.last_error.as_deref(),
        Some("the handler panicked: boom at 0")
    );
    let done = until_status(&*queue, eager.id, JobStatus::Completed).await;
    assert!(
        done.last_error.unwrap().contains("synchronous boom"),
        "the synchronous panic is not the reason"
    );
    until_status(&*queue, fine.id, JobStatus::Completed).await;
    let report = worker.stop().await;
    assert_eq!((report.retried, report.completed), (2, 3));
}

#[tokio::test]
async fn a_lost_lease_is_survived_and_the_late_result_is_not_recorded() {
    let queue = Arc::new(MemoryJobQueue::new());
    let (started, mut starts) = mpsc::unbounded_channel();
    let proceed = Arc::new(Notify::new());
    let mut registry = Registry::new();
    {
        let proceed = proceed.clone();
        registry.register_fn::<Echo, _, _>(move |job, _run| {
            let (started, proceed) = (started.clone(), proceed.clone());
            async move {
                started.send(job.n).unwrap();
                if job.n == 0 {
                    proceed.notified().await;
                }
                Ok(())
            }
        });
    }
    // One slot, busy with the first job: the worker cannot take back its own rescued job.
    let worker = Running::start(
        queue.clone(),
        registry,
        WorkerConfig {
            lease: Duration::from_millis(30),
            ..config(1)
        },
    );
    let first = enqueue(&*queue, &Echo { n: 0 }).await;
    assert_eq!(within("the first run", starts.recv()).await, Some(0));

    // The lease runs out and another worker takes the job over.
    let far = Utc::now() + chrono::TimeDelta::hours(1);
    assert_eq!(queue.rescue_expired(far).await.unwrap().total(), 1);
    let taken = queue
        .claim(
            "thief".into(),
            vec![Echo::KIND.to_owned()],
            Duration::from_secs(600),
        )
        .await
        .unwrap();
    assert_eq!(taken.map(|j| j.id), Some(first.id));
    proceed.notify_one();

    // The worker survives and runs the next job.
    let second = enqueue(&*queue, &Echo { n: 1 }).await;
    until_status(&*queue, second.id, JobStatus::Completed).await;
    let report = worker.stop().await;
    let first = queue.get(first.id).await.unwrap();
    assert_eq!(
        (first.status, first.locked_by.as_deref()),
        (JobStatus::Processing, Some("thief")),
        "the late result overwrote the new holder's"
    );
    assert_eq!((report.completed, report.lost), (1, 1));
}

#[tokio::test]
async fn shutdown_puts_back_a_job_still_running_at_the_deadline() {
    let queue = Arc::new(MemoryJobQueue::new());
    let (started, mut starts) = mpsc::unbounded_channel();
    let mut registry = Registry::new();
    registry.register_fn::<Echo, _, _>(move |_job, _run| {
        let started = started.clone();
        async move {
            started.send(()).unwrap();
            std::future::pending::<()>().await;
            Ok(())
        }
    });
    let worker = Running::start(
        queue.clone(),
        registry,
        WorkerConfig {
            shutdown_deadline: Duration::from_millis(50),
            ..config(2)
        },
    );
    let stuck = enqueue(&*queue, &Echo { n: 9 }).await;
    within("the run", starts.recv()).await.unwrap();

    let report = worker.stop().await;
    assert_eq!(
        report,
        WorkerReport {
            released: 1,
            ..WorkerReport::default()
        }
    );
    let back = queue.get(stuck.id).await.unwrap();
    assert_eq!(
        back.status,
        JobStatus::Pending,
        "the aborted job is not pending"
    );
    assert_eq!(back.attempts, 0, "the aborted run counted as an attempt");
    assert_eq!(back.locked_by, None);
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_claims_no_more() {
    let queue = Arc::new(MemoryJobQueue::new());
    let (started, mut starts) = mpsc::unbounded_channel();
    let proceed = Arc::new(Notify::new());
    let mut registry = Registry::new();
    {
        let proceed = proceed.clone();
        registry.register_fn::<Echo, _, _>(move |_job, _run| {
            let (started, proceed) = (started.clone(), proceed.clone());
            async move {
                started.send(()).unwrap();
                proceed.notified().await;
                Ok(())
            }
        });
    }
    let mut worker = Running::start(queue.clone(), registry, config(2));
    let running = enqueue(&*queue, &Echo { n: 1 }).await;
    within("the run", starts.recv()).await.unwrap();

    worker.begin_stop().await;
    let late = enqueue(&*queue, &Echo { n: 2 }).await;
    proceed.notify_one();
    let report = worker.stop().await;
    assert_eq!(
        report,
        WorkerReport {
            completed: 1,
            ..WorkerReport::default()
        }
    );
    assert_eq!(
        queue.get(running.id).await.unwrap().status,
        JobStatus::Completed
    );
    assert_eq!(
        queue.get(late.id).await.unwrap().status,
        JobStatus::Pending,
        "a stopping worker claimed a job"
    );
}

/// A [`MemoryJobQueue`] that records what is enqueued, tells when a claim came back with
/// fewer jobs than asked, can run something inside such a claim, and can fail claims.
struct Observed {
    inner: MemoryJobQueue,
    enqueued: Mutex<Vec<BackgroundJob>>,
    drained: mpsc::UnboundedSender<()>,
    on_drained: Mutex<Option<NewBackgroundJob>>,
    failing_claims: AtomicUsize,
}

impl Observed {
    fn new() -> (Arc<Self>, mpsc::UnboundedReceiver<()>) {
        let (drained, drains) = mpsc::unbounded_channel();
        let queue = Arc::new(Self {
            inner: MemoryJobQueue::new(),
            enqueued: Mutex::new(Vec::new()),
            drained,
            on_drained: Mutex::new(None),
            failing_claims: AtomicUsize::new(0),
        });
        (queue, drains)
    }
}

#[async_trait]
impl JobQueue for Observed {
    async fn enqueue(&self, job: NewBackgroundJob) -> DomainResult<BackgroundJob> {
        let queued = self.inner.enqueue(job).await?;
        self.enqueued.lock().unwrap().push(queued.clone());
        Ok(queued)
    }

    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
    ) -> DomainResult<Option<BackgroundJob>> {
        self.inner.claim(worker, kinds, lease).await
    }

    async fn claim_batch(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
        limit: usize,
    ) -> DomainResult<Vec<BackgroundJob>> {
        let failing = self.failing_claims.load(Ordering::SeqCst);
        if failing > 0 {
            self.failing_claims.store(failing - 1, Ordering::SeqCst);
            return Err(DomainError::Unavailable {
                service: "database",
                message: "connection refused".to_owned(),
            });
        }
        let claimed = self.inner.claim_batch(worker, kinds, lease, limit).await?;
        if claimed.len() < limit {
            let arriving = self.on_drained.lock().unwrap().take();
            if let Some(job) = arriving {
                self.inner.enqueue(job).await?;
            }
            let _ = self.drained.send(());
        }
        Ok(claimed)
    }

    async fn heartbeat(
        &self,
        id: BackgroundJobId,
        worker: String,
        lease: Duration,
    ) -> DomainResult<()> {
        self.inner.heartbeat(id, worker, lease).await
    }

    async fn complete(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        self.inner.complete(id, worker).await
    }

    async fn complete_batch(
        &self,
        ids: Vec<BackgroundJobId>,
        worker: String,
    ) -> DomainResult<Vec<BackgroundJobId>> {
        self.inner.complete_batch(ids, worker).await
    }

    async fn fail(
        &self,
        id: BackgroundJobId,
        worker: String,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    ) -> DomainResult<BackgroundJob> {
        self.inner.fail(id, worker, error, retry_at).await
    }

    async fn release(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        self.inner.release(id, worker).await
    }

    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<Rescued> {
        self.inner.rescue_expired(now).await
    }

    async fn fail_unknown_kinds(
        &self,
        known: Vec<String>,
        runnable_before: DateTime<Utc>,
    ) -> DomainResult<u64> {
        self.inner.fail_unknown_kinds(known, runnable_before).await
    }

    async fn wait_for_work(&self) {
        self.inner.wait_for_work().await;
    }

    async fn get(&self, id: BackgroundJobId) -> DomainResult<BackgroundJob> {
        self.inner.get(id).await
    }
}

/// Polling only every minute: a job that completes within [`PATIENCE`] was woken for.
fn sleepy() -> WorkerConfig {
    WorkerConfig {
        poll_interval: Duration::from_secs(60),
        ..config(1)
    }
}

fn echo_counter() -> (Registry, mpsc::UnboundedReceiver<u32>) {
    let (ran, runs) = mpsc::unbounded_channel();
    let mut registry = Registry::new();
    registry.register_fn::<Echo, _, _>(move |job, _run| {
        let ran = ran.clone();
        async move {
            ran.send(job.n).unwrap();
            Ok(())
        }
    });
    (registry, runs)
}

#[tokio::test]
async fn an_idle_worker_is_woken_by_a_new_job() {
    let (queue, mut drains) = Observed::new();
    let (registry, mut runs) = echo_counter();
    let worker = Running::start(queue.clone(), registry, sleepy());
    // The first claim found nothing: the worker now waits, for a minute unless woken.
    within("the first claim", drains.recv()).await.unwrap();
    let queued = enqueue(&*queue, &Echo { n: 4 }).await;
    assert_eq!(within("the woken run", runs.recv()).await, Some(4));
    until_status(&*queue, queued.id, JobStatus::Completed).await;
    assert_eq!(worker.stop().await.completed, 1);
}

#[tokio::test]
async fn a_job_that_comes_between_an_empty_claim_and_the_wait_still_wakes_the_worker() {
    let (queue, _drains) = Observed::new();
    // Enqueued inside the first claim, after it found nothing and before the worker waits.
    *queue.on_drained.lock().unwrap() = Some(Echo { n: 8 }.to_new_job().unwrap());
    let (registry, mut runs) = echo_counter();
    let worker = Running::start(queue.clone(), registry, sleepy());
    assert_eq!(within("the woken run", runs.recv()).await, Some(8));
    assert_eq!(worker.stop().await.completed, 1);
}

#[tokio::test]
async fn errors_of_the_queue_do_not_stop_the_worker() {
    let (queue, _drains) = Observed::new();
    queue.failing_claims.store(3, Ordering::SeqCst);
    let (registry, mut runs) = echo_counter();
    let worker = Running::start(queue.clone(), registry, config(1));
    let queued = enqueue(&*queue, &Echo { n: 2 }).await;
    assert_eq!(
        within("the run after the outage", runs.recv()).await,
        Some(2)
    );
    until_status(&*queue, queued.id, JobStatus::Completed).await;
    assert_eq!(queue.failing_claims.load(Ordering::SeqCst), 0);
    assert_eq!(worker.stop().await.completed, 1);
}

#[tokio::test]
async fn a_periodic_job_is_pending_once_however_many_workers_schedule_it() {
    let (queue, _drains) = Observed::new();
    let registry = || {
        let mut registry = Registry::new();
        registry
            .register_fn::<Tick, _, _>(|_job, _run| async { Ok(()) })
            .every(Duration::from_secs(3600), Tick {});
        registry
    };
    let first = Running::start(queue.clone(), registry(), config(1));
    let second = Running::start(queue.clone(), registry(), config(1));
    within("both workers to schedule the job", async {
        while queue.enqueued.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    first.stop().await;
    second.stop().await;

    let enqueued = queue.enqueued.lock().unwrap().clone();
    let pending = &enqueued[0];
    assert!(
        enqueued.iter().all(|job| job.id == pending.id),
        "two instances of the periodic job were enqueued: {enqueued:?}"
    );
    assert_eq!(pending.status, JobStatus::Pending);
    assert_eq!(pending.unique_key.as_deref(), Some(Tick::KIND));
    assert!(pending.run_at > Utc::now() - chrono::TimeDelta::hours(1));
    assert_eq!(
        pending.run_at.timestamp() % 3600,
        0,
        "the job is not due at a full hour"
    );
}

#[tokio::test]
async fn a_periodic_job_runs_again_at_each_interval() {
    let queue = Arc::new(MemoryJobQueue::new());
    let (ran, mut runs) = mpsc::unbounded_channel();
    let mut registry = Registry::new();
    registry
        .register_fn::<Tick, _, _>(move |_job, run| {
            let ran = ran.clone();
            async move {
                ran.send(run.id).unwrap();
                Ok(())
            }
        })
        .every(Duration::from_millis(40), Tick {});
    let worker = Running::start(queue.clone(), registry, config(1));
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(within("a periodic run", runs.recv()).await.unwrap());
    }
    let report = worker.stop().await;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "a periodic job ran twice");
    assert!(report.completed >= 3);
}
