//! The durable job queue port.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{BackgroundJob, NewBackgroundJob};
use crate::error::{DomainError, DomainResult};
use crate::id::BackgroundJobId;

/// What [`JobQueue::rescue_expired`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rescued {
    /// Jobs put back to pending, runnable now.
    pub put_back: u64,
    /// Jobs that were on their last attempt, now failed for good, as they are stored.
    pub failed: Vec<BackgroundJob>,
}

impl Rescued {
    /// How many jobs were rescued, either way.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.put_back
            .saturating_add(u64::try_from(self.failed.len()).unwrap_or(u64::MAX))
    }
}

/// A durable queue of [`BackgroundJob`]s shared by any number of workers.
///
/// A worker claims a job under a lease (`locked_until`), renews it by heartbeat while it
/// works, and completes or fails it. A job whose lease ran out (its worker died) is rescued:
/// put back to pending, or failed if it has no attempts left.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Enqueues a job. If an unfinished job holds the same `unique_key`, returns that job
    /// instead of adding another.
    ///
    /// # Errors
    ///
    /// `Validation` on `maxAttempts` below 1.
    async fn enqueue(&self, job: NewBackgroundJob) -> DomainResult<BackgroundJob>;

    /// Claims the runnable job of one of `kinds` with the highest priority, then the earliest
    /// `run_at`, for `worker`, for `lease`; counts the attempt. `None` when nothing is runnable.
    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
    ) -> DomainResult<Option<BackgroundJob>>;

    /// Claims up to `limit` runnable jobs of `kinds` at once for `worker`, each as [`claim`]
    /// would (the same lease, the attempt counted), in the order `claim` would hand them out
    /// one by one. Empty when nothing is runnable, `kinds` is empty or `limit` is 0.
    ///
    /// The default claims one job at a time; adapters claim them in one step. When an error
    /// stops the default after some jobs were claimed, it returns those: the error will be met
    /// again at the next call.
    ///
    /// [`claim`]: JobQueue::claim
    async fn claim_batch(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
        limit: usize,
    ) -> DomainResult<Vec<BackgroundJob>> {
        let mut claimed = Vec::new();
        while claimed.len() < limit {
            match self.claim(worker.clone(), kinds.clone(), lease).await {
                Ok(Some(job)) => claimed.push(job),
                Ok(None) => break,
                Err(error) if claimed.is_empty() => return Err(error),
                Err(_) => break,
            }
        }
        Ok(claimed)
    }

    /// Extends `worker`'s lease on the job.
    ///
    /// # Errors
    ///
    /// `Conflict` on `lockedBy` when the worker no longer holds it.
    async fn heartbeat(
        &self,
        id: BackgroundJobId,
        worker: String,
        lease: Duration,
    ) -> DomainResult<()>;

    /// Marks the job completed.
    ///
    /// # Errors
    ///
    /// `Conflict` on `lockedBy` when the worker no longer holds it.
    async fn complete(&self, id: BackgroundJobId, worker: String) -> DomainResult<()>;

    /// Marks completed every job of `ids` that `worker` holds, and returns their ids. A job
    /// the worker no longer holds, or that does not exist, is left as it is and not returned,
    /// as [`complete`] would refuse it.
    ///
    /// The default completes one job at a time; adapters complete them in one step.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the queue cannot be reached; some of the jobs may have been
    /// completed then.
    ///
    /// [`complete`]: JobQueue::complete
    async fn complete_batch(
        &self,
        ids: Vec<BackgroundJobId>,
        worker: String,
    ) -> DomainResult<Vec<BackgroundJobId>> {
        let mut completed = Vec::with_capacity(ids.len());
        for id in ids {
            match self.complete(id, worker.clone()).await {
                Ok(()) => completed.push(id),
                Err(DomainError::Conflict { .. } | DomainError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(completed)
    }

    /// Records a failed attempt: the job runs again at `retry_at` if it has attempts left and
    /// a retry time is given, otherwise it fails for good.
    ///
    /// # Errors
    ///
    /// `Conflict` on `lockedBy` when the worker no longer holds it.
    async fn fail(
        &self,
        id: BackgroundJobId,
        worker: String,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    ) -> DomainResult<BackgroundJob>;

    /// Puts a job `worker` holds back to pending, runnable now, without counting the attempt
    /// (the worker is stopping and did not run it to the end).
    ///
    /// # Errors
    ///
    /// `Conflict` on `lockedBy` when the worker no longer holds it.
    async fn release(&self, id: BackgroundJobId, worker: String) -> DomainResult<()>;

    /// Puts back jobs whose lease ran out before `now`: to pending when attempts are left,
    /// otherwise failed for good, returned so that the caller can run what follows a final
    /// failure (a worker killed on a job's last attempt never does).
    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<Rescued>;

    /// Fails for good the pending jobs whose kind is none of `known` and that have been
    /// runnable since before `runnable_before`: no worker that knows their kind has claimed
    /// them in all that time (a worker claims only the kinds it knows, so that during a rolling
    /// deploy a job of a new kind waits for a new worker rather than fail in an old one). The
    /// last error of each is `unknown job kind "KIND"`. Returns how many.
    async fn fail_unknown_kinds(
        &self,
        known: Vec<String>,
        runnable_before: DateTime<Utc>,
    ) -> DomainResult<u64>;

    /// Resolves when a job may have become runnable (one was enqueued, or put back), so an idle
    /// worker claims within moments instead of at its next poll. It may resolve without cause,
    /// and may never resolve if the adapter cannot listen: callers wait on it under their own
    /// poll interval.
    async fn wait_for_work(&self);

    /// The job, for inspection.
    ///
    /// # Errors
    ///
    /// `NotFound` when there is none.
    async fn get(&self, id: BackgroundJobId) -> DomainResult<BackgroundJob>;
}
