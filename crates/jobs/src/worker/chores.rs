//! What a worker does besides running jobs: rescuing expired leases and enqueueing periodic
//! jobs.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sophie_domain::DomainError;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::Shared;
use super::registry::Periodic;

/// The longest pause between two looks at a periodic job.
const MAX_LOOK_EVERY: Duration = Duration::from_secs(60);

/// Puts back jobs whose lease ran out, and fails those of a kind no worker has claimed within
/// `unknown_kind_grace`, at once and then every `rescue_interval`, until `stop`.
pub(super) async fn rescue(shared: Arc<Shared>, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(shared.config.rescue_interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let grace = chrono::TimeDelta::from_std(shared.config.unknown_kind_grace)
            .unwrap_or(chrono::TimeDelta::MAX);
        let runnable_before = shared
            .clock
            .now()
            .checked_sub_signed(grace)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        match shared
            .queue
            .fail_unknown_kinds(shared.kinds.clone(), runnable_before)
            .await
        {
            Ok(0) => {}
            Ok(failed) => tracing::warn!(
                failed,
                grace = ?shared.config.unknown_kind_grace,
                "failed jobs of a kind no worker has claimed: unknown job kind"
            ),
            Err(error) => tracing::warn!(%error, "cannot look for jobs of unknown kinds"),
        }
        let rescued = match shared.queue.rescue_expired(shared.clock.now()).await {
            Ok(rescued) => rescued,
            Err(error) => {
                tracing::warn!(%error, "cannot rescue expired jobs; trying at the next round");
                continue;
            }
        };
        if rescued.put_back > 0 {
            tracing::info!(
                put_back = rescued.put_back,
                "put back jobs whose lease ran out"
            );
        }
        // A job whose worker died on its last attempt failed for good: what follows a final
        // failure (the document marked failed, the student told) is done here, or nobody
        // would. A job of a kind this worker does not know is left as it is.
        for job in rescued.failed {
            tracing::warn!(job = %job.id, kind = %job.kind, "a job's lease ran out on its last attempt: failed");
            let reason = job
                .last_error
                .clone()
                .unwrap_or_else(|| "the job's lease ran out".to_owned());
            shared
                .registry
                .exhausted(&job, DomainError::internal(reason))
                .await;
        }
    }
}

/// Enqueues `periodic` for the next instant of its schedule, and looks again four times per
/// interval (at most a minute apart) until `stop`. While the job of an instant is unfinished
/// its unique key makes the enqueue return it instead; once it finished, the next look
/// enqueues the next instant's.
pub(super) async fn schedule(shared: Arc<Shared>, periodic: Periodic, stop: CancellationToken) {
    let look_every = (periodic.interval / 4).clamp(Duration::from_millis(1), MAX_LOOK_EVERY);
    loop {
        match (periodic.make)() {
            Ok(mut job) => {
                let at = next_instant(shared.clock.now(), periodic.interval);
                job.run_at = Some(at);
                match shared.queue.enqueue(job).await {
                    Ok(queued) => tracing::trace!(
                        kind = periodic.kind,
                        job = %queued.id,
                        run_at = %queued.run_at,
                        "periodic job scheduled"
                    ),
                    Err(error) => tracing::warn!(
                        kind = periodic.kind,
                        %error,
                        "cannot enqueue a periodic job; trying at the next look"
                    ),
                }
            }
            Err(error) => {
                tracing::error!(kind = periodic.kind, %error, "cannot make the periodic job");
                return;
            }
        }
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            () = tokio::time::sleep(look_every) => {}
        }
    }
}

/// The first whole multiple of `interval` since the Unix epoch strictly after `now`, in
/// milliseconds.
fn next_instant(now: DateTime<Utc>, interval: Duration) -> DateTime<Utc> {
    let every = i64::try_from(interval.as_millis())
        .unwrap_or(i64::MAX)
        .max(1);
    let now_ms = now.timestamp_millis();
    let next = now_ms
        .div_euclid(every)
        .saturating_add(1)
        .saturating_mul(every);
    DateTime::from_timestamp_millis(next).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn the_next_instant_is_the_next_multiple_of_the_interval() {
        let hour = Duration::from_secs(3600);
        let h = 3_600_000;
        assert_eq!(next_instant(at(5 * h + 1), hour), at(6 * h));
        assert_eq!(next_instant(at(6 * h - 1), hour), at(6 * h));
        // On an instant: the next one, never now.
        assert_eq!(next_instant(at(6 * h), hour), at(7 * h));
        // Workers whose clocks read differently within one interval agree.
        assert_eq!(
            next_instant(at(5 * h + 17), hour),
            next_instant(at(5 * h + 3_599_000), hour)
        );
        assert_eq!(
            next_instant(at(10), Duration::from_micros(10)),
            at(11),
            "an interval under a millisecond counts as one"
        );
    }
}
