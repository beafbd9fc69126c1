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

    /// Puts back jobs whose lease ran out before `now`; returns how many.
    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<u64>;

    /// The job, for inspection.
    ///
    /// # Errors
    ///
    /// `NotFound` when there is none.
    async fn get(&self, id: BackgroundJobId) -> DomainResult<BackgroundJob>;
}
