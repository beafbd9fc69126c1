//! [`crate::JobQueue`]: enqueueing, claiming under a lease, finishing, retrying and rescuing.
//!
//! Leases run out without waiting: a job claimed with a zero lease is expired a second later,
//! and `rescue_expired` is told that time explicitly.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::Fixture;
use super::expect;
use super::seed::{World, now};
use crate::entities::NewBackgroundJob;
use crate::enums::JobStatus;
use crate::id::BackgroundJobId;
use crate::ports::Rescued;

const LEASE: Duration = Duration::from_secs(300);
const EXPIRED: Duration = Duration::ZERO;

fn job(kind: &str, priority: i32) -> NewBackgroundJob {
    NewBackgroundJob {
        priority,
        ..NewBackgroundJob::new(kind, serde_json::json!({ "priority": priority }))
    }
}

fn at(run_at: DateTime<Utc>, new: NewBackgroundJob) -> NewBackgroundJob {
    NewBackgroundJob {
        run_at: Some(run_at),
        ..new
    }
}

fn kinds(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

/// Well after any lease of zero taken before the call.
fn after_zero_leases() -> DateTime<Utc> {
    now() + TimeDelta::seconds(1)
}

pub async fn job_queue_enqueue_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let before = now();
    let queued = w
        .queue
        .enqueue(NewBackgroundJob {
            max_attempts: 3,
            unique_key: Some("note-1".to_owned()),
            ..job("import.youtube", 7)
        })
        .await
        .unwrap();
    assert_eq!(queued.kind, "import.youtube");
    assert_eq!(
        queued.payload,
        serde_json::json!({ "priority": 7 }),
        "the payload was not kept"
    );
    assert_eq!(
        queued.status,
        JobStatus::Pending,
        "a new job is not pending"
    );
    assert_eq!(
        (queued.priority, queued.attempts, queued.max_attempts),
        (7, 0, 3)
    );
    assert!(
        queued.run_at >= before && queued.run_at <= now(),
        "a job without a run time does not run now"
    );
    assert_eq!(
        (
            queued.locked_by.as_deref(),
            queued.locked_until,
            queued.last_error.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(queued.unique_key.as_deref(), Some("note-1"));
    assert_eq!(
        w.queue.get(queued.id).await.unwrap(),
        queued,
        "the job read back differs"
    );

    let later = now() + TimeDelta::hours(1);
    let scheduled = w.queue.enqueue(at(later, job("sync", 0))).await.unwrap();
    assert_eq!(scheduled.run_at, later, "the run time given was not kept");
    expect::not_found(
        w.queue.get(BackgroundJobId::new()).await,
        "background job",
        "reading a job that does not exist",
    );
}

pub async fn job_queue_max_attempts_must_be_at_least_one(fixture: &impl Fixture) {
    let w = World::of(fixture);
    expect::validation(
        w.queue
            .enqueue(NewBackgroundJob {
                max_attempts: 0,
                ..job("x", 0)
            })
            .await,
        "maxAttempts",
        "a job that may never run was enqueued",
    );
    assert!(
        w.queue
            .claim("w".into(), kinds(&["x"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "the refused job was enqueued anyway"
    );
}

pub async fn job_queue_unique_key_deduplicates_while_unfinished(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let keyed = |key: &str| NewBackgroundJob {
        unique_key: Some(key.to_owned()),
        ..job("generate", 0)
    };
    let first = w.queue.enqueue(keyed("note-1")).await.unwrap();
    let again = w.queue.enqueue(keyed("note-1")).await.unwrap();
    assert_eq!(
        again, first,
        "a second job with a pending job's key was added instead of returning the first"
    );
    let other = w.queue.enqueue(keyed("note-2")).await.unwrap();
    assert_ne!(other.id, first.id, "jobs with different keys were merged");
    let unkeyed = w.queue.enqueue(job("generate", 0)).await.unwrap();
    let unkeyed_too = w.queue.enqueue(job("generate", 0)).await.unwrap();
    assert_ne!(unkeyed.id, unkeyed_too.id, "jobs without a key were merged");

    let claimed = w
        .queue
        .claim("w".into(), kinds(&["generate"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, first.id);
    assert_eq!(
        w.queue.enqueue(keyed("note-1")).await.unwrap().id,
        first.id,
        "a running job's key is free for another job"
    );
    w.queue.complete(first.id, "w".into()).await.unwrap();
    let fresh = w.queue.enqueue(keyed("note-1")).await.unwrap();
    assert_ne!(fresh.id, first.id, "a finished job still holds its key");
    assert_eq!((fresh.status, fresh.attempts), (JobStatus::Pending, 0));
}

pub async fn job_queue_claims_by_priority_then_run_at(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let base = now();
    let late = w
        .queue
        .enqueue(at(base - TimeDelta::seconds(1), job("import", 1)))
        .await
        .unwrap();
    let early = w
        .queue
        .enqueue(at(base - TimeDelta::seconds(5), job("import", 1)))
        .await
        .unwrap();
    let urgent = w.queue.enqueue(job("import", 9)).await.unwrap();
    let future = w
        .queue
        .enqueue(at(base + TimeDelta::hours(1), job("import", 100)))
        .await
        .unwrap();
    let other_kind = w.queue.enqueue(job("sync", 50)).await.unwrap();
    let low = w
        .queue
        .enqueue(at(base - TimeDelta::minutes(5), job("import", -3)))
        .await
        .unwrap();

    let mut claimed = Vec::new();
    while let Some(j) = w
        .queue
        .claim("w1".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
    {
        assert_eq!(
            j.status,
            JobStatus::Processing,
            "a claimed job is not processing"
        );
        assert_eq!(j.attempts, 1, "claiming did not count the attempt");
        assert_eq!(
            j.locked_by.as_deref(),
            Some("w1"),
            "a claimed job is not locked by its worker"
        );
        assert!(
            j.locked_until
                .is_some_and(|until| until > now() + TimeDelta::seconds(200)),
            "the lease is not as long as asked"
        );
        claimed.push(j.id);
        assert!(
            claimed.len() <= 4,
            "the queue hands out more jobs than are runnable"
        );
    }
    assert_eq!(
        claimed,
        [urgent.id, early.id, late.id, low.id],
        "jobs are not claimed by priority, then earliest run time; or a future job, or another kind, was claimed"
    );
    assert_eq!(
        w.queue.get(future.id).await.unwrap().status,
        JobStatus::Pending,
        "a job due later was touched"
    );
    let next = w
        .queue
        .claim("w2".into(), kinds(&["sync", "import"]), LEASE)
        .await
        .unwrap();
    assert_eq!(
        next.map(|j| j.id),
        Some(other_kind.id),
        "a worker of several kinds does not get the runnable one"
    );
    assert!(
        w.queue
            .claim("w2".into(), Vec::new(), LEASE)
            .await
            .unwrap()
            .is_none(),
        "a worker of no kinds got a job"
    );
}

pub async fn job_queue_a_claimed_job_is_not_claimed_again(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let only = w.queue.enqueue(job("import", 0)).await.unwrap();
    let claimed = w
        .queue
        .claim("w1".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap();
    assert_eq!(claimed.map(|j| j.id), Some(only.id));
    assert!(
        w.queue
            .claim("w2".into(), kinds(&["import"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "a job held by one worker was handed to another"
    );
    let expired = w.queue.enqueue(job("sync", 0)).await.unwrap();
    w.queue
        .claim("w1".into(), kinds(&["sync"]), EXPIRED)
        .await
        .unwrap()
        .unwrap();
    assert!(
        w.queue
            .claim("w2".into(), kinds(&["sync"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "a job whose lease ran out was claimed again before being rescued"
    );
    assert_eq!(
        w.queue.get(expired.id).await.unwrap().locked_by.as_deref(),
        Some("w1")
    );
}

pub async fn job_queue_only_the_holder_may_heartbeat_complete_or_fail(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let id = w.queue.enqueue(job("import", 0)).await.unwrap().id;
    let claimed = w
        .queue
        .claim("w1".into(), kinds(&["import"]), EXPIRED)
        .await
        .unwrap()
        .unwrap();

    expect::conflict(
        w.queue.heartbeat(id, "w2".into(), LEASE).await,
        "lockedBy",
        "another worker renewed the lease",
    );
    expect::conflict(
        w.queue.complete(id, "w2".into()).await,
        "lockedBy",
        "another worker completed the job",
    );
    expect::conflict(
        w.queue.fail(id, "w2".into(), "x".into(), None).await,
        "lockedBy",
        "another worker failed the job",
    );
    assert_eq!(
        w.queue.get(id).await.unwrap(),
        claimed,
        "another worker's refused calls changed the job"
    );

    w.queue.heartbeat(id, "w1".into(), LEASE).await.unwrap();
    let renewed = w.queue.get(id).await.unwrap();
    assert!(
        renewed
            .locked_until
            .is_some_and(|until| until > now() + TimeDelta::seconds(200)),
        "a heartbeat did not extend the lease"
    );
    assert_eq!(
        w.queue.rescue_expired(after_zero_leases()).await.unwrap(),
        Rescued::default(),
        "a job whose lease was renewed was rescued"
    );

    w.queue.complete(id, "w1".into()).await.unwrap();
    let done = w.queue.get(id).await.unwrap();
    assert_eq!(
        done.status,
        JobStatus::Completed,
        "the holder could not complete the job"
    );
    assert_eq!(
        (done.locked_by, done.locked_until),
        (None, None),
        "a completed job is still locked"
    );
    assert_eq!(done.attempts, 1);
    expect::conflict(
        w.queue.complete(id, "w1".into()).await,
        "lockedBy",
        "a job was completed twice",
    );
    expect::conflict(
        w.queue.heartbeat(id, "w1".into(), LEASE).await,
        "lockedBy",
        "a finished job's lease was renewed",
    );
    expect::not_found(
        w.queue.complete(BackgroundJobId::new(), "w1".into()).await,
        "background job",
        "completing a job that does not exist",
    );
}

pub async fn job_queue_a_failure_with_a_retry_time_runs_again(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let id = w
        .queue
        .enqueue(NewBackgroundJob {
            max_attempts: 3,
            ..job("import", 0)
        })
        .await
        .unwrap()
        .id;
    w.queue
        .claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let later = now() + TimeDelta::hours(1);
    let failed = w
        .queue
        .fail(id, "w".into(), "timeout".into(), Some(later))
        .await
        .unwrap();
    assert_eq!(
        failed.status,
        JobStatus::Pending,
        "a failure with attempts left and a retry time is not retried"
    );
    assert_eq!(
        failed.run_at, later,
        "the retry is not scheduled at the time given"
    );
    assert_eq!(
        failed.last_error.as_deref(),
        Some("timeout"),
        "the error was not recorded"
    );
    assert_eq!(
        (failed.locked_by.as_deref(), failed.locked_until),
        (None, None),
        "a job waiting to retry is still locked"
    );
    assert_eq!(failed.attempts, 1);
    assert_eq!(
        w.queue.get(id).await.unwrap(),
        failed,
        "the failure was not stored"
    );
    assert!(
        w.queue
            .claim("w".into(), kinds(&["import"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "a job was retried before its retry time"
    );

    // A retry time already past: runnable at once.
    let id = w
        .queue
        .enqueue(NewBackgroundJob {
            max_attempts: 3,
            ..job("sync", 0)
        })
        .await
        .unwrap()
        .id;
    w.queue
        .claim("w".into(), kinds(&["sync"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let past = now() - TimeDelta::seconds(1);
    w.queue
        .fail(id, "w".into(), "flaky".into(), Some(past))
        .await
        .unwrap();
    let second = w
        .queue
        .claim("w2".into(), kinds(&["sync"]), LEASE)
        .await
        .unwrap();
    let second = second.expect("a job whose retry time has come is claimed again");
    assert_eq!(
        (second.id, second.attempts),
        (id, 2),
        "the retry is not the second attempt"
    );
    assert_eq!(second.last_error.as_deref(), Some("flaky"));
}

pub async fn job_queue_a_job_out_of_attempts_fails_for_good(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let id = w
        .queue
        .enqueue(NewBackgroundJob {
            max_attempts: 2,
            ..job("import", 0)
        })
        .await
        .unwrap()
        .id;
    let past = now() - TimeDelta::seconds(1);
    w.queue
        .claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    w.queue
        .fail(id, "w".into(), "first".into(), Some(past))
        .await
        .unwrap();
    let second = w
        .queue
        .claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.attempts, 2);
    let failed = w
        .queue
        .fail(id, "w".into(), "second".into(), Some(past))
        .await
        .unwrap();
    assert_eq!(
        failed.status,
        JobStatus::Failed,
        "a job with no attempts left was retried"
    );
    assert_eq!(failed.last_error.as_deref(), Some("second"));
    assert_eq!(failed.locked_by, None);
    assert!(
        w.queue
            .claim("w".into(), kinds(&["import"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "a failed job was claimed again"
    );

    // Without a retry time, a failure is final at once.
    let once = w.queue.enqueue(job("sync", 0)).await.unwrap().id;
    w.queue
        .claim("w".into(), kinds(&["sync"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let failed = w
        .queue
        .fail(once, "w".into(), "bad input".into(), None)
        .await
        .unwrap();
    assert_eq!(
        (failed.status, failed.attempts),
        (JobStatus::Failed, 1),
        "a failure without a retry time is retried"
    );
    expect::conflict(
        w.queue.fail(once, "w".into(), "again".into(), None).await,
        "lockedBy",
        "a finished job was failed again",
    );
}

pub async fn job_queue_rescue_puts_back_jobs_whose_lease_ran_out(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let id = w
        .queue
        .enqueue(NewBackgroundJob {
            max_attempts: 2,
            ..job("import", 0)
        })
        .await
        .unwrap()
        .id;
    let held = w.queue.enqueue(job("held", 0)).await.unwrap().id;
    let waiting = w.queue.enqueue(job("waiting", 0)).await.unwrap();
    w.queue
        .claim("w1".into(), kinds(&["import"]), EXPIRED)
        .await
        .unwrap()
        .unwrap();
    w.queue
        .claim("w1".into(), kinds(&["held"]), LEASE)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        w.queue
            .rescue_expired(now() - TimeDelta::minutes(1))
            .await
            .unwrap(),
        Rescued::default(),
        "a job was rescued before its lease ran out"
    );
    assert_eq!(
        w.queue.rescue_expired(after_zero_leases()).await.unwrap(),
        Rescued {
            put_back: 1,
            failed: Vec::new()
        },
        "rescue does not put back exactly the jobs whose lease ran out"
    );
    let rescued = w.queue.get(id).await.unwrap();
    assert_eq!(
        rescued.status,
        JobStatus::Pending,
        "a rescued job with attempts left is not pending again"
    );
    assert_eq!(
        (rescued.locked_by, rescued.locked_until),
        (None, None),
        "a rescued job is still locked"
    );
    assert!(
        rescued.last_error.is_some(),
        "a rescued job does not say why it stopped"
    );
    assert_eq!(
        w.queue.get(held).await.unwrap().locked_by.as_deref(),
        Some("w1"),
        "a job still under lease was rescued"
    );
    assert_eq!(
        w.queue.get(waiting.id).await.unwrap(),
        waiting,
        "a pending job was touched by rescue"
    );
    expect::conflict(
        w.queue.complete(id, "w1".into()).await,
        "lockedBy",
        "the worker that lost its lease completed the job",
    );

    let again = w
        .queue
        .claim("w2".into(), kinds(&["import"]), EXPIRED)
        .await
        .unwrap();
    let again = again.expect("a rescued job is claimed again");
    assert_eq!(
        (again.id, again.attempts),
        (id, 2),
        "the rescued job's next run is not its second attempt"
    );
    let rescued = w.queue.rescue_expired(after_zero_leases()).await.unwrap();
    let out = w.queue.get(id).await.unwrap();
    assert_eq!(
        out.status,
        JobStatus::Failed,
        "a rescued job with no attempts left is not failed"
    );
    assert_eq!(out.locked_by, None);
    assert_eq!(
        rescued,
        Rescued {
            put_back: 0,
            failed: vec![out]
        },
        "a job failed by rescue is not returned as it is stored, for its final-failure work"
    );
    assert_eq!(
        w.queue.rescue_expired(after_zero_leases()).await.unwrap(),
        Rescued::default(),
        "a job was rescued twice"
    );
}

pub async fn job_queue_jobs_of_unknown_kinds_fail_after_their_grace(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let base = now();
    let old = |kind: &str| at(base - TimeDelta::hours(2), job(kind, 0));
    let known = w.queue.enqueue(old("import")).await.unwrap();
    let stale = w.queue.enqueue(old("legacy")).await.unwrap();
    let recent = w
        .queue
        .enqueue(at(base - TimeDelta::minutes(1), job("legacy", 0)))
        .await
        .unwrap();
    let running = w.queue.enqueue(old("sync")).await.unwrap();
    let claimed = w
        .queue
        .claim("w-sync".into(), kinds(&["sync"]), LEASE)
        .await
        .unwrap();
    assert_eq!(claimed.map(|j| j.id), Some(running.id));

    let failed = w
        .queue
        .fail_unknown_kinds(kinds(&["import"]), base - TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(
        failed, 1,
        "not exactly the pending job of an unknown kind past its grace failed"
    );
    let out = w.queue.get(stale.id).await.unwrap();
    assert_eq!(
        (out.status, out.last_error.as_deref()),
        (JobStatus::Failed, Some(r#"unknown job kind "legacy""#)),
        "a job of an unknown kind past its grace is not failed with the reason"
    );
    for (id, status, what) in [
        (known.id, JobStatus::Pending, "a job of a known kind"),
        (
            recent.id,
            JobStatus::Pending,
            "a job still within its grace",
        ),
        (running.id, JobStatus::Processing, "a job a worker holds"),
    ] {
        assert_eq!(
            w.queue.get(id).await.unwrap().status,
            status,
            "{what} was touched"
        );
    }
    assert_eq!(
        w.queue
            .fail_unknown_kinds(kinds(&["import"]), base - TimeDelta::hours(1))
            .await
            .unwrap(),
        0,
        "a job was failed twice"
    );
}

pub async fn job_queue_claim_batch_takes_the_best_runnable_jobs_up_to_the_limit(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let base = now();
    let mut expected = Vec::new();
    // Enqueued out of order: the batch comes back by priority, then earliest run time.
    for (priority, seconds_ago) in [(1, 1), (5, 2), (1, 9), (0, 30), (5, 1)] {
        let queued = w
            .queue
            .enqueue(at(
                base - TimeDelta::seconds(seconds_ago),
                job("import", priority),
            ))
            .await
            .unwrap();
        expected.push((-priority, base - TimeDelta::seconds(seconds_ago), queued.id));
    }
    expected.sort();
    let expected: Vec<BackgroundJobId> = expected.into_iter().map(|(_, _, id)| id).collect();
    let future = w
        .queue
        .enqueue(at(base + TimeDelta::hours(1), job("import", 100)))
        .await
        .unwrap();
    let other_kind = w.queue.enqueue(job("sync", 100)).await.unwrap();

    assert!(
        w.queue
            .claim_batch("w1".into(), kinds(&["import"]), LEASE, 0)
            .await
            .unwrap()
            .is_empty(),
        "a batch of at most none claimed jobs"
    );
    assert!(
        w.queue
            .claim_batch("w1".into(), Vec::new(), LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "a batch of no kinds claimed jobs"
    );

    let first = w
        .queue
        .claim_batch("w1".into(), kinds(&["import"]), LEASE, 3)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|j| j.id).collect::<Vec<_>>(),
        expected[..3],
        "the batch is not the best three runnable jobs, in claim order"
    );
    for claimed in &first {
        assert_eq!(claimed.status, JobStatus::Processing);
        assert_eq!(
            claimed.attempts, 1,
            "claiming in a batch did not count the attempt"
        );
        assert_eq!(claimed.locked_by.as_deref(), Some("w1"));
        assert!(
            claimed
                .locked_until
                .is_some_and(|until| until > now() + TimeDelta::seconds(200)),
            "the lease is not as long as asked"
        );
        assert_eq!(
            &w.queue.get(claimed.id).await.unwrap(),
            claimed,
            "the claimed job read back differs"
        );
    }

    let rest = w
        .queue
        .claim_batch("w2".into(), kinds(&["import"]), LEASE, 10)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|j| j.id).collect::<Vec<_>>(),
        expected[3..],
        "a second batch does not hold exactly the jobs left runnable"
    );
    assert!(
        rest.iter().all(|j| j.locked_by.as_deref() == Some("w2")),
        "a job of the second batch is not locked by its worker"
    );
    assert!(
        w.queue
            .claim_batch("w3".into(), kinds(&["import"]), LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed jobs, or a job due later, were handed out again"
    );
    assert_eq!(
        w.queue.get(future.id).await.unwrap(),
        future,
        "a job due later was touched"
    );
    assert_eq!(
        w.queue.get(other_kind.id).await.unwrap(),
        other_kind,
        "a job of another kind was touched"
    );
}

pub async fn job_queue_complete_batch_completes_only_the_jobs_the_worker_holds(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    for _ in 0..3 {
        w.queue.enqueue(job("import", 0)).await.unwrap();
    }
    let mine = w
        .queue
        .claim_batch("w1".into(), kinds(&["import"]), LEASE, 2)
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let theirs = w
        .queue
        .claim("w2".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let missing = BackgroundJobId::new();

    assert!(
        w.queue
            .complete_batch(Vec::new(), "w1".into())
            .await
            .unwrap()
            .is_empty(),
        "completing no jobs completed some"
    );
    let completed = w
        .queue
        .complete_batch(
            vec![mine[0].id, theirs.id, missing, mine[1].id],
            "w1".into(),
        )
        .await
        .unwrap();
    let mut completed_sorted = completed.clone();
    completed_sorted.sort();
    let mut expected = vec![mine[0].id, mine[1].id];
    expected.sort();
    assert_eq!(
        completed_sorted, expected,
        "the batch did not complete exactly the jobs the worker holds"
    );
    for id in expected {
        let done = w.queue.get(id).await.unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        assert_eq!(
            (done.locked_by, done.locked_until),
            (None, None),
            "a completed job is still locked"
        );
    }
    assert_eq!(
        w.queue.get(theirs.id).await.unwrap(),
        theirs,
        "another worker's job was changed"
    );
    assert!(
        w.queue
            .complete_batch(vec![mine[0].id], "w1".into())
            .await
            .unwrap()
            .is_empty(),
        "a job was completed twice"
    );
}
