//! Claiming jobs into the worker's slots, running each, and recording how it ended.

use std::collections::HashSet;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use chrono::TimeDelta;
use sophie_domain::{BackgroundJob, BackgroundJobId, DomainError, DomainResult, JobStatus};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::registry::Outcome;
use super::{Counts, Shared};

/// A finished job waiting for its completion to be recorded, and where to say whether it was.
pub(super) type Completion = (BackgroundJobId, oneshot::Sender<Recorded>);

/// Whether a completion was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Recorded {
    Yes,
    /// The worker no longer held the job.
    NotHeld,
    /// The queue could not be reached.
    Unreachable,
}

/// The pause after the first failed claim in a row; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// How often a call recording an outcome is tried while the queue is unreachable, and the
/// pause before each retry.
const RECORD_PAUSES: [Duration; 2] = [Duration::from_millis(200), Duration::from_secs(1)];

/// Claims jobs into free slots until `stop`, then waits for the running jobs (which put
/// themselves back when `abort` comes).
pub(super) async fn dispatch(
    shared: Arc<Shared>,
    stop: CancellationToken,
    abort: CancellationToken,
    completions: mpsc::UnboundedSender<Completion>,
) {
    let config = &shared.config;
    let slots = Arc::new(Semaphore::new(config.concurrency));
    let mut running = JoinSet::new();
    let mut failures: u32 = 0;
    loop {
        while let Some(ended) = running.try_join_next() {
            note_task_end(ended);
        }
        let first = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            permit = Arc::clone(&slots).acquire_owned() => permit,
        };
        let Ok(first) = first else {
            break;
        };
        // Jobs ready to end (short ones end together) get a chance to free their slots
        // first, so that one claim fills them rather than one claim each.
        tokio::task::yield_now().await;
        if stop.is_cancelled() {
            break;
        }
        let mut permits = vec![first];
        while let Ok(permit) = Arc::clone(&slots).try_acquire_owned() {
            permits.push(permit);
        }

        // Listen before claiming: a job enqueued after an empty claim still wakes the wait.
        let mut wake = shared.queue.wait_for_work();
        let woken = poll_once(&mut wake).await;
        let claimed = shared
            .queue
            .claim_batch(
                config.worker_id.clone(),
                shared.kinds.clone(),
                config.lease,
                permits.len(),
            )
            .await;
        match claimed {
            Ok(jobs) => {
                failures = 0;
                let drained = jobs.len() < permits.len();
                for (job, permit) in jobs.into_iter().zip(permits.drain(..)) {
                    running.spawn(run_job(
                        Arc::clone(&shared),
                        job,
                        permit,
                        abort.clone(),
                        completions.clone(),
                    ));
                }
                drop(permits);
                if drained && !woken {
                    tokio::select! {
                        biased;
                        () = stop.cancelled() => break,
                        () = wake => {}
                        () = tokio::time::sleep(config.poll_interval) => {}
                    }
                }
            }
            Err(error) => {
                drop(permits);
                failures = failures.saturating_add(1);
                let pause = pause_after(failures);
                tracing::warn!(
                    %error,
                    failures,
                    pause_ms = pause.as_millis(),
                    "cannot claim jobs; trying again after a pause"
                );
                tokio::select! {
                    biased;
                    () = stop.cancelled() => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
    while let Some(ended) = running.join_next().await {
        note_task_end(ended);
    }
}

/// Polls `future` once, with the calling task's waker; whether it was ready.
async fn poll_once<F: Future<Output = ()> + Unpin>(future: &mut F) -> bool {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx).is_ready())).await
}

/// `FIRST_PAUSE × 2^(failures-1)`, at most `MAX_PAUSE`.
fn pause_after(failures: u32) -> Duration {
    2_u32
        .checked_pow(failures.saturating_sub(1))
        .and_then(|factor| FIRST_PAUSE.checked_mul(factor))
        .map_or(MAX_PAUSE, |pause| pause.min(MAX_PAUSE))
}

fn note_task_end(ended: Result<(), tokio::task::JoinError>) {
    if let Err(error) = ended {
        // Handlers' panics are caught inside; this would be the runtime's own.
        tracing::error!(%error, "a job's task ended abnormally");
    }
}

/// Runs one claimed job in its slot, renewing its lease, and records how it ended.
async fn run_job(
    shared: Arc<Shared>,
    row: BackgroundJob,
    slot: OwnedSemaphorePermit,
    abort: CancellationToken,
    completions: mpsc::UnboundedSender<Completion>,
) {
    let id = row.id;
    tracing::debug!(job = %id, kind = %row.kind, attempt = row.attempts, "running a job");
    let outcome = tokio::select! {
        biased;
        outcome = shared.registry.execute(&row) => Some(outcome),
        () = abort.cancelled() => None,
        () = keep_lease(&shared, id) => None,
    };
    drop(slot);
    let counts = &shared.counts;
    match outcome {
        None => release(&shared, &row).await,
        Some(Outcome::Completed) => {
            let (said, told) = oneshot::channel();
            let recorded = if completions.send((id, said)).is_ok() {
                told.await.unwrap_or(Recorded::Unreachable)
            } else {
                Recorded::Unreachable
            };
            match recorded {
                Recorded::Yes => {
                    tracing::debug!(job = %id, kind = %row.kind, "job completed");
                }
                Recorded::NotHeld => {
                    Counts::add(&counts.lost, 1);
                    tracing::warn!(
                        job = %id,
                        kind = %row.kind,
                        "the job succeeded after its lease was lost: the success is not recorded, and the job may run again"
                    );
                }
                Recorded::Unreachable => {
                    Counts::add(&counts.lost, 1);
                    tracing::error!(
                        job = %id,
                        kind = %row.kind,
                        "the job succeeded but the queue could not record it: it will run again when its lease runs out"
                    );
                }
            }
        }
        Some(Outcome::Failed(failure)) => {
            let retry = failure.retryable && row.attempts < row.max_attempts;
            let retry_at = retry.then(|| {
                let wait = shared.config.backoff.delay(row.attempts);
                shared.clock.now() + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX)
            });
            let worker = &shared.config.worker_id;
            let failed = record(|| {
                shared
                    .queue
                    .fail(id, worker.clone(), failure.message.clone(), retry_at)
            })
            .await;
            match failed {
                Ok(job) if job.status == JobStatus::Pending => {
                    Counts::add(&counts.retried, 1);
                    tracing::info!(
                        job = %id,
                        kind = %row.kind,
                        attempt = row.attempts,
                        error = %failure.message,
                        retry_at = %job.run_at,
                        "the job failed; it will be retried"
                    );
                }
                Ok(_) => {
                    Counts::add(&counts.failed, 1);
                    tracing::warn!(
                        job = %id,
                        kind = %row.kind,
                        attempt = row.attempts,
                        error = %failure.message,
                        "the job failed for good"
                    );
                    if let Some(error) = failure.error {
                        shared.registry.exhausted(&row, error).await;
                    }
                }
                Err(error) => {
                    Counts::add(&counts.lost, 1);
                    tracing::warn!(
                        job = %id,
                        kind = %row.kind,
                        %error,
                        failure = %failure.message,
                        "the job failed, and the failure could not be recorded"
                    );
                }
            }
        }
    }
}

/// Renews the lease on job `id` every heartbeat interval. When it is refused (the lease was
/// lost), logs that and stays pending: the run goes on, as another worker's run of the job
/// would. When the queue cannot be reached, tries again at the next beat.
async fn keep_lease(shared: &Shared, id: BackgroundJobId) {
    let config = &shared.config;
    let every = config.heartbeat_interval();
    loop {
        tokio::time::sleep(every).await;
        match shared
            .queue
            .heartbeat(id, config.worker_id.clone(), config.lease)
            .await
        {
            Ok(()) => {}
            Err(error @ (DomainError::Conflict { .. } | DomainError::NotFound { .. })) => {
                tracing::warn!(
                    job = %id,
                    %error,
                    "the job's lease was lost (it ran out and the job was rescued): another worker may run it too"
                );
                std::future::pending::<()>().await;
            }
            Err(error) => {
                tracing::warn!(job = %id, %error, "cannot renew the job's lease; trying again at the next beat");
            }
        }
    }
}

/// Puts a job aborted at shutdown back to pending.
async fn release(shared: &Shared, row: &BackgroundJob) {
    let worker = &shared.config.worker_id;
    match record(|| shared.queue.release(row.id, worker.clone())).await {
        Ok(()) => {
            Counts::add(&shared.counts.released, 1);
            tracing::info!(job = %row.id, kind = %row.kind, "the job was aborted at shutdown and put back");
        }
        Err(error) => {
            Counts::add(&shared.counts.lost, 1);
            tracing::warn!(
                job = %row.id,
                kind = %row.kind,
                %error,
                "the job was aborted at shutdown and could not be put back: it runs again when its lease runs out"
            );
        }
    }
}

/// Calls `call` until it succeeds, fails for a reason other than an unreachable queue, or
/// was tried `1 + RECORD_PAUSES.len()` times.
async fn record<T, F, Fut>(call: F) -> DomainResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = DomainResult<T>>,
{
    let mut pauses = RECORD_PAUSES.iter();
    loop {
        match call().await {
            Err(error @ DomainError::Unavailable { .. }) => match pauses.next() {
                Some(pause) => {
                    tracing::debug!(%error, "the queue is unreachable; trying again");
                    tokio::time::sleep(*pause).await;
                }
                None => return Err(error),
            },
            result => return result,
        }
    }
}

/// Records completions in batches: each batch holds what arrived while the previous one was
/// being recorded, up to `completion_batch`. Ends when every sender is gone and all is recorded.
pub(super) async fn record_completions(
    shared: Arc<Shared>,
    mut completions: mpsc::UnboundedReceiver<Completion>,
) {
    let limit = shared.config.completion_batch;
    let worker = &shared.config.worker_id;
    let mut batch: Vec<Completion> = Vec::new();
    while let Some(first) = completions.recv().await {
        batch.push(first);
        while batch.len() < limit {
            match completions.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let ids: Vec<BackgroundJobId> = batch.iter().map(|(id, _)| *id).collect();
        let done = record(|| shared.queue.complete_batch(ids.clone(), worker.clone())).await;
        match done {
            Ok(done) => {
                let done: HashSet<BackgroundJobId> = done.into_iter().collect();
                Counts::add(
                    &shared.counts.completed,
                    u64::try_from(done.len()).unwrap_or(u64::MAX),
                );
                for (id, tell) in batch.drain(..) {
                    let _ = tell.send(if done.contains(&id) {
                        Recorded::Yes
                    } else {
                        Recorded::NotHeld
                    });
                }
            }
            Err(error) => {
                tracing::error!(%error, jobs = batch.len(), "cannot record completed jobs");
                for (_, tell) in batch.drain(..) {
                    let _ = tell.send(Recorded::Unreachable);
                }
            }
        }
    }
}
