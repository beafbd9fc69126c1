//! The durable job queue port.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{BackgroundJob, NewBackgroundJob};
use crate::error::DomainResult;
use crate::id::BackgroundJobId;

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

    /// Puts back jobs whose lease ran out before `now`; returns how many.
    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<u64>;

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
