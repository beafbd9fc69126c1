//! The durable job queue in memory: leases, priorities, retries and rescue, as the
//! `background_jobs` table and the PostgreSQL queue have them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use super::store::micros;
use crate::entities::{BackgroundJob, NewBackgroundJob};
use crate::enums::JobStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::BackgroundJobId;
use crate::ports::{Clock, JobQueue, Rescued, SystemClock};

/// What a rescued job records as its last error.
const LEASE_EXPIRED: &str = "the worker's lease expired before the job finished";

/// The in-memory [`JobQueue`]: any number of workers (tasks or threads) can share one clone.
///
/// A job is runnable when it is `PENDING` and its `run_at` has come. Claiming takes the
/// highest priority, then the earliest `run_at` (then the oldest job), marks it `PROCESSING`
/// under a lease and counts the attempt. While a job is `PENDING` or `PROCESSING`, no other
/// job may hold its `unique_key`.
#[derive(Clone)]
pub struct MemoryJobQueue {
    jobs: Arc<Mutex<BTreeMap<BackgroundJobId, BackgroundJob>>>,
    clock: Arc<dyn Clock>,
    /// Told on every enqueue and every job put back, to wake idle workers.
    work: Arc<event_listener::Event>,
}

impl MemoryJobQueue {
    /// An empty queue on the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty queue on `clock` (a [`super::FixedClock`] in tests, to expire leases and reach
    /// retry times without waiting).
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            jobs: Arc::new(Mutex::new(BTreeMap::new())),
            clock,
            work: Arc::new(event_listener::Event::new()),
        }
    }

    fn with_jobs<T>(
        &self,
        work: impl FnOnce(&mut BTreeMap<BackgroundJobId, BackgroundJob>) -> T,
    ) -> T {
        let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut jobs)
    }

    fn now(&self) -> DateTime<Utc> {
        micros(self.clock.now())
    }
}

impl Default for MemoryJobQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryJobQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryJobQueue").finish_non_exhaustive()
    }
}

/// `now + lease`, saturating rather than failing on absurd leases.
fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    micros(
        now.checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    )
}

/// The job, if `worker` holds it: it is `PROCESSING` and locked by that worker.
///
/// A lease that ran out but was not rescued yet still counts, as in the SQL
/// `WHERE locked_by = $worker AND status = 'PROCESSING'`: no other worker can have claimed the
/// job meanwhile, so the late worker's result is still the only one.
fn held<'a>(
    jobs: &'a mut BTreeMap<BackgroundJobId, BackgroundJob>,
    id: BackgroundJobId,
    worker: &str,
) -> DomainResult<&'a mut BackgroundJob> {
    let job = jobs
        .get_mut(&id)
        .ok_or(DomainError::not_found("background job"))?;
    if job.status == JobStatus::Processing && job.locked_by.as_deref() == Some(worker) {
        Ok(job)
    } else {
        Err(DomainError::conflict(
            "lockedBy",
            "the worker no longer holds this job",
        ))
    }
}

/// Claims the best runnable job of `kinds` for `worker`: the highest priority, then the
/// earliest `run_at`, then the oldest job.
fn take_next(
    jobs: &mut BTreeMap<BackgroundJobId, BackgroundJob>,
    worker: &str,
    kinds: &[String],
    lease: Duration,
    now: DateTime<Utc>,
) -> Option<BackgroundJob> {
    let next = jobs
        .values_mut()
        .filter(|j| j.status == JobStatus::Pending && j.run_at <= now && kinds.contains(&j.kind))
        .min_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| a.run_at.cmp(&b.run_at))
                .then_with(|| (a.created_at, a.id).cmp(&(b.created_at, b.id)))
        })?;
    next.status = JobStatus::Processing;
    next.attempts = next.attempts.saturating_add(1);
    next.locked_by = Some(worker.to_owned());
    next.locked_until = Some(lease_end(now, lease));
    next.updated_at = now;
    Some(next.clone())
}

#[async_trait]
impl JobQueue for MemoryJobQueue {
    async fn enqueue(&self, job: NewBackgroundJob) -> DomainResult<BackgroundJob> {
        if job.max_attempts < 1 {
            return Err(DomainError::validation("maxAttempts", "must be at least 1"));
        }
        let now = self.now();
        self.with_jobs(|jobs| {
            if let Some(key) = &job.unique_key {
                let holder = jobs
                    .values()
                    .find(|j| !j.status.is_finished() && j.unique_key.as_ref() == Some(key));
                if let Some(holder) = holder {
                    return Ok(holder.clone());
                }
            }
            let row = BackgroundJob {
                id: BackgroundJobId::new(),
                kind: job.kind,
                payload: job.payload,
                status: JobStatus::Pending,
                priority: job.priority,
                attempts: 0,
                max_attempts: job.max_attempts,
                run_at: job.run_at.map_or(now, micros),
                locked_by: None,
                locked_until: None,
                last_error: None,
                unique_key: job.unique_key,
                created_at: now,
                updated_at: now,
            };
            jobs.insert(row.id, row.clone());
            Ok(row)
        })
        .inspect(|_| {
            self.work.notify(usize::MAX);
        })
    }

    async fn claim(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
    ) -> DomainResult<Option<BackgroundJob>> {
        let now = self.now();
        self.with_jobs(|jobs| Ok(take_next(jobs, &worker, &kinds, lease, now)))
    }

    async fn claim_batch(
        &self,
        worker: String,
        kinds: Vec<String>,
        lease: Duration,
        limit: usize,
    ) -> DomainResult<Vec<BackgroundJob>> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let mut claimed = Vec::new();
            while claimed.len() < limit {
                match take_next(jobs, &worker, &kinds, lease, now) {
                    Some(job) => claimed.push(job),
                    None => break,
                }
            }
            Ok(claimed)
        })
    }

    async fn heartbeat(
        &self,
        id: BackgroundJobId,
        worker: String,
        lease: Duration,
    ) -> DomainResult<()> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let job = held(jobs, id, &worker)?;
            job.locked_until = Some(lease_end(now, lease));
            job.updated_at = now;
            Ok(())
        })
    }

    async fn complete(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let job = held(jobs, id, &worker)?;
            job.status = JobStatus::Completed;
            job.locked_by = None;
            job.locked_until = None;
            job.updated_at = now;
            Ok(())
        })
    }

    async fn complete_batch(
        &self,
        ids: Vec<BackgroundJobId>,
        worker: String,
    ) -> DomainResult<Vec<BackgroundJobId>> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let mut completed = Vec::with_capacity(ids.len());
            for id in ids {
                if let Ok(job) = held(jobs, id, &worker) {
                    job.status = JobStatus::Completed;
                    job.locked_by = None;
                    job.locked_until = None;
                    job.updated_at = now;
                    completed.push(id);
                }
            }
            Ok(completed)
        })
    }

    async fn fail(
        &self,
        id: BackgroundJobId,
        worker: String,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    ) -> DomainResult<BackgroundJob> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let job = held(jobs, id, &worker)?;
            match retry_at {
                Some(retry_at) if job.attempts < job.max_attempts => {
                    job.status = JobStatus::Pending;
                    job.run_at = micros(retry_at);
                }
                _ => job.status = JobStatus::Failed,
            }
            job.last_error = Some(error);
            job.locked_by = None;
            job.locked_until = None;
            job.updated_at = now;
            Ok(job.clone())
        })
    }

    async fn release(&self, id: BackgroundJobId, worker: String) -> DomainResult<()> {
        let now = self.now();
        self.with_jobs(|jobs| {
            let job = held(jobs, id, &worker)?;
            job.status = JobStatus::Pending;
            job.attempts = job.attempts.saturating_sub(1).max(0);
            job.run_at = now;
            job.locked_by = None;
            job.locked_until = None;
            job.updated_at = now;
            Ok(())
        })?;
        self.work.notify(usize::MAX);
        Ok(())
    }

    async fn rescue_expired(&self, now: DateTime<Utc>) -> DomainResult<Rescued> {
        let now = micros(now);
        let stamp = self.now();
        self.with_jobs(|jobs| {
            let mut rescued = Rescued::default();
            for job in jobs.values_mut().filter(|j| {
                j.status == JobStatus::Processing && j.locked_until.is_none_or(|until| until < now)
            }) {
                job.last_error = Some(LEASE_EXPIRED.to_owned());
                job.locked_by = None;
                job.locked_until = None;
                job.updated_at = stamp;
                if job.attempts < job.max_attempts {
                    job.status = JobStatus::Pending;
                    rescued.put_back += 1;
                } else {
                    job.status = JobStatus::Failed;
                    rescued.failed.push(job.clone());
                }
            }
            Ok(rescued)
        })
        .inspect(|rescued| {
            if rescued.put_back > 0 {
                self.work.notify(usize::MAX);
            }
        })
    }

    async fn fail_unknown_kinds(
        &self,
        known: Vec<String>,
        runnable_before: DateTime<Utc>,
    ) -> DomainResult<u64> {
        let before = micros(runnable_before);
        let stamp = self.now();
        self.with_jobs(|jobs| {
            let mut failed = 0_u64;
            for job in jobs.values_mut().filter(|j| {
                j.status == JobStatus::Pending && j.run_at < before && !known.contains(&j.kind)
            }) {
                job.status = JobStatus::Failed;
                job.last_error = Some(format!("unknown job kind {:?}", job.kind));
                job.updated_at = stamp;
                failed += 1;
            }
            Ok(failed)
        })
    }

    async fn wait_for_work(&self) {
        self.work.listen().await;
    }

    async fn get(&self, id: BackgroundJobId) -> DomainResult<BackgroundJob> {
        self.with_jobs(|jobs| {
            jobs.get(&id)
                .cloned()
                .ok_or(DomainError::not_found("background job"))
        })
    }
}
