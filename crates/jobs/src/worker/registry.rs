//! Which handler runs which kind of job, and which jobs the worker enqueues by itself.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;
use sophie_domain::jobs::{Job, decode};
use sophie_domain::{BackgroundJob, BackgroundJobId, DomainError, DomainResult, NewBackgroundJob};

/// What a handler knows of the run it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobRun {
    /// The job's id: the same at every attempt, so usable as an idempotency key.
    pub id: BackgroundJobId,
    /// Which attempt this is, from 1.
    pub attempt: i32,
    /// How many attempts the job gets.
    pub max_attempts: i32,
}

impl JobRun {
    /// The run of a claimed row.
    #[must_use]
    pub fn of(row: &BackgroundJob) -> Self {
        Self {
            id: row.id,
            attempt: row.attempts,
            max_attempts: row.max_attempts,
        }
    }

    /// Whether a failure of this attempt is final.
    #[must_use]
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// Runs jobs of type `J`.
///
/// Handlers must be idempotent: a job whose worker died, or lost its lease, runs again, so a
/// second run must leave one result ([`JobRun::id`] is the key to tell).
///
/// Implement it with `async fn`:
///
/// ```
/// # use sophie_domain::{DomainError, DomainResult};
/// # use sophie_domain::jobs::PurgeExpiredCredentials;
/// # use sophie_jobs::worker::{Handler, JobRun};
/// struct Purge;
///
/// impl Handler<PurgeExpiredCredentials> for Purge {
///     async fn run(&self, _job: PurgeExpiredCredentials, _run: JobRun) -> DomainResult<()> {
///         Ok(())
///     }
/// }
/// ```
pub trait Handler<J: Job>: Send + Sync + 'static {
    /// Does the work. An error is retried with backoff when [`Job::is_retryable`] says so
    /// and attempts are left; otherwise the job fails for good. A panic counts as a
    /// retryable error.
    fn run(&self, job: J, run: JobRun) -> impl Future<Output = DomainResult<()>> + Send;

    /// Called once when the job has failed for good with `error` (its last attempt failed,
    /// or the error is not retryable, or its worker died on its last attempt and a rescue
    /// failed it), after the queue recorded it: to mark what the job was for as failed. Not
    /// called when the payload did not decode. Does nothing by default.
    fn exhausted(
        &self,
        job: J,
        run: JobRun,
        error: &DomainError,
    ) -> impl Future<Output = ()> + Send {
        let _ = (job, run, error);
        async {}
    }
}

/// A [`Handler`] made of a closure (see [`Registry::register_fn`]).
struct FnHandler<F>(F);

impl<J, F, Fut> Handler<J> for FnHandler<F>
where
    J: Job,
    F: Fn(J, JobRun) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = DomainResult<()>> + Send + 'static,
{
    fn run(&self, job: J, run: JobRun) -> impl Future<Output = DomainResult<()>> + Send {
        (self.0)(job, run)
    }
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// The handler succeeded.
    Completed,
    /// The job did not succeed.
    Failed(Failure),
}

/// Why a run failed.
#[derive(Debug)]
pub struct Failure {
    /// What the queue records as the job's last error.
    pub message: String,
    /// Whether another attempt may succeed (the handler's error as [`Job::is_retryable`]
    /// judges it; a panic is retryable). An unknown kind or a payload that does not decode
    /// is not.
    pub retryable: bool,
    /// The handler's error, for its [`Handler::exhausted`] hook; `None` when the job never
    /// reached a handler (unknown kind, payload that does not decode).
    pub error: Option<DomainError>,
}

impl Failure {
    /// A failure that no retry can mend, with no handler to tell.
    fn rejected(message: String) -> Self {
        Self {
            message,
            retryable: false,
            error: None,
        }
    }
}

/// A handler of one kind with its type erased.
trait Entry: Send + Sync {
    fn run(&self, row: &BackgroundJob) -> BoxFuture<'static, Outcome>;
    fn exhausted(&self, row: &BackgroundJob, error: DomainError) -> BoxFuture<'static, ()>;
}

struct Typed<J, H> {
    handler: Arc<H>,
    job: PhantomData<fn() -> J>,
}

impl<J: Job, H: Handler<J>> Entry for Typed<J, H> {
    fn run(&self, row: &BackgroundJob) -> BoxFuture<'static, Outcome> {
        let run = JobRun::of(row);
        let decoded = decode::<J>(row);
        let handler = Arc::clone(&self.handler);
        async move {
            let job = match decoded {
                Ok(job) => job,
                Err(error) => return Outcome::Failed(Failure::rejected(error.to_string())),
            };
            // The call itself is inside the caught future: a handler that panics before its
            // first await is caught too.
            let ran = AssertUnwindSafe(async move { handler.run(job, run).await })
                .catch_unwind()
                .await;
            match ran {
                Ok(Ok(())) => Outcome::Completed,
                Ok(Err(error)) => Outcome::Failed(Failure {
                    message: describe(&error),
                    retryable: J::is_retryable(&error),
                    error: Some(error),
                }),
                Err(panic) => {
                    let message = format!("the handler panicked: {}", panic_message(&*panic));
                    Outcome::Failed(Failure {
                        error: Some(DomainError::internal(message.clone())),
                        message,
                        retryable: true,
                    })
                }
            }
        }
        .boxed()
    }

    fn exhausted(&self, row: &BackgroundJob, error: DomainError) -> BoxFuture<'static, ()> {
        let run = JobRun::of(row);
        let decoded = decode::<J>(row);
        let handler = Arc::clone(&self.handler);
        let id = row.id;
        async move {
            let Ok(job) = decoded else {
                return;
            };
            let hook = AssertUnwindSafe(async move { handler.exhausted(job, run, &error).await })
                .catch_unwind()
                .await;
            if let Err(panic) = hook {
                tracing::error!(
                    job = %id,
                    kind = J::KIND,
                    panic = panic_message(&*panic),
                    "the exhausted hook panicked"
                );
            }
        }
        .boxed()
    }
}

/// A job the worker enqueues by itself at a fixed interval.
#[derive(Clone)]
pub(crate) struct Periodic {
    pub(crate) kind: &'static str,
    pub(crate) interval: Duration,
    pub(crate) make: Arc<dyn Fn() -> DomainResult<NewBackgroundJob> + Send + Sync>,
}

/// The handlers a worker runs, by kind, and the jobs it enqueues periodically.
///
/// ```
/// # use std::time::Duration;
/// # use sophie_domain::jobs::PurgeExpiredCredentials;
/// # use sophie_jobs::worker::Registry;
/// let mut registry = Registry::new();
/// registry
///     .register_fn::<PurgeExpiredCredentials, _, _>(|_job, _run| async { Ok(()) })
///     .every(Duration::from_secs(3600), PurgeExpiredCredentials {});
/// assert_eq!(registry.kinds(), ["credentials.purge_expired"]);
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    entries: BTreeMap<&'static str, Arc<dyn Entry>>,
    periodic: Vec<Periodic>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds())
            .field(
                "periodic",
                &self
                    .periodic
                    .iter()
                    .map(|p| (p.kind, p.interval))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Registry {
    /// No handlers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of kind `J::KIND` with `handler`, replacing any handler of that kind.
    pub fn register<J: Job, H: Handler<J>>(&mut self, handler: H) -> &mut Self {
        self.entries.insert(
            J::KIND,
            Arc::new(Typed::<J, H> {
                handler: Arc::new(handler),
                job: PhantomData,
            }),
        );
        self
    }

    /// Runs jobs of kind `J::KIND` with the closure `handler`, which has no
    /// [`Handler::exhausted`] hook.
    pub fn register_fn<J, F, Fut>(&mut self, handler: F) -> &mut Self
    where
        J: Job,
        F: Fn(J, JobRun) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = DomainResult<()>> + Send + 'static,
    {
        self.register::<J, _>(FnHandler(handler))
    }

    /// Enqueues `job` once every `interval`, at the instants that are whole multiples of the
    /// interval since the Unix epoch (every full hour for an hour), under the job's
    /// [`Job::unique_key`] (or `periodic:KIND` when it has none): however many workers
    /// schedule it, one instance at a time is pending. A run that is still unfinished at the
    /// next instant makes that instant be skipped. Register a handler for `J` too, here or in
    /// another worker.
    pub fn every<J: Job + Clone>(&mut self, interval: Duration, job: J) -> &mut Self {
        let make = move || {
            let mut new = job.to_new_job()?;
            if new.unique_key.is_none() {
                new.unique_key = Some(format!("periodic:{}", J::KIND));
            }
            Ok(new)
        };
        self.periodic.retain(|p| p.kind != J::KIND);
        self.periodic.push(Periodic {
            kind: J::KIND,
            interval: interval.max(Duration::from_millis(1)),
            make: Arc::new(make),
        });
        self
    }

    /// The kinds with a handler, in order: what the worker claims.
    #[must_use]
    pub fn kinds(&self) -> Vec<&'static str> {
        self.entries.keys().copied().collect()
    }

    /// Whether a handler runs `kind`.
    #[must_use]
    pub fn handles(&self, kind: &str) -> bool {
        self.entries.contains_key(kind)
    }

    pub(crate) fn periodic(&self) -> &[Periodic] {
        &self.periodic
    }

    /// Runs a claimed row with the handler of its kind: decodes the payload, calls the
    /// handler and catches its panic. Never panics itself. A row of a kind without a handler
    /// fails, not retryable, with `unknown job kind "KIND"` (the worker only claims the kinds
    /// it has handlers for, so that happens only when a row is given here by hand); a payload
    /// that does not decode fails, not retryable, with the decoding error.
    pub async fn execute(&self, row: &BackgroundJob) -> Outcome {
        match self.entries.get(row.kind.as_str()) {
            Some(entry) => entry.run(row).await,
            None => Outcome::Failed(Failure::rejected(format!(
                "unknown job kind {:?}",
                row.kind
            ))),
        }
    }

    /// Calls the [`Handler::exhausted`] hook of the row's kind with `error`; nothing when the
    /// kind has no handler or the payload does not decode. A panic in the hook is logged.
    pub async fn exhausted(&self, row: &BackgroundJob, error: DomainError) {
        if let Some(entry) = self.entries.get(row.kind.as_str()) {
            entry.exhausted(row, error).await;
        }
    }
}

/// The error with its causes, as a job's last error.
fn describe(error: &DomainError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The message a panic was raised with.
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
