//! How a worker runs: how many jobs at once, its lease, its polling and its retries.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A worker's settings. [`WorkerConfig::default`] gives the defaults;
/// [`WorkerConfig::from_env`] reads them from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// The name the worker claims jobs under (`locked_by`): unique per process,
    /// `host-pid-random` by default (see [`worker_id`]).
    pub worker_id: String,
    /// How many jobs run at once; at least 1 (`WORKER_CONCURRENCY`, default 2).
    pub concurrency: usize,
    /// How long a claim holds a job before another worker may rescue it (default 60 s). It
    /// is renewed every third of it while the job runs (see [`WorkerConfig::heartbeat_interval`]).
    pub lease: Duration,
    /// How often an idle worker looks for jobs when no wake-up comes (default 1 s). Wake-ups
    /// (`JobQueue::wait_for_work`) make it claim sooner; this is the fallback.
    pub poll_interval: Duration,
    /// The wait before retrying a failed job.
    pub backoff: Backoff,
    /// How often the worker puts back jobs whose lease ran out (default 30 s).
    pub rescue_interval: Duration,
    /// How long a job of a kind no worker knows may wait before it fails with `unknown job
    /// kind` (`WORKER_UNKNOWN_KIND_GRACE_SECS`, default 1 h); looked at with the rescue.
    pub unknown_kind_grace: Duration,
    /// How long a stopping worker lets its running jobs finish before it aborts them and puts
    /// them back to pending (default 30 s).
    pub shutdown_deadline: Duration,
    /// The most completions recorded in one call to the queue (default 256). Completions
    /// that arrive while one is being recorded are recorded together next.
    pub completion_batch: usize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            worker_id: worker_id(),
            concurrency: 2,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            backoff: Backoff::default(),
            rescue_interval: Duration::from_secs(30),
            unknown_kind_grace: Duration::from_secs(3600),
            shutdown_deadline: Duration::from_secs(30),
            completion_batch: 256,
        }
    }
}

impl WorkerConfig {
    /// The defaults, overridden by the environment: `WORKER_CONCURRENCY`,
    /// `WORKER_POLL_INTERVAL_MS`, `WORKER_LEASE_SECS`, `WORKER_SHUTDOWN_DEADLINE_SECS`,
    /// `WORKER_RESCUE_INTERVAL_SECS`, `WORKER_UNKNOWN_KIND_GRACE_SECS`, each a positive whole
    /// number when set.
    ///
    /// # Errors
    ///
    /// Names the variable whose value is not a positive whole number.
    pub fn from_env() -> Result<Self, String> {
        let mut config = Self::default();
        if let Some(n) = positive_var("WORKER_CONCURRENCY")? {
            config.concurrency = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(ms) = positive_var("WORKER_POLL_INTERVAL_MS")? {
            config.poll_interval = Duration::from_millis(ms);
        }
        if let Some(secs) = positive_var("WORKER_LEASE_SECS")? {
            config.lease = Duration::from_secs(secs);
        }
        if let Some(secs) = positive_var("WORKER_SHUTDOWN_DEADLINE_SECS")? {
            config.shutdown_deadline = Duration::from_secs(secs);
        }
        if let Some(secs) = positive_var("WORKER_RESCUE_INTERVAL_SECS")? {
            config.rescue_interval = Duration::from_secs(secs);
        }
        if let Some(secs) = positive_var("WORKER_UNKNOWN_KIND_GRACE_SECS")? {
            config.unknown_kind_grace = Duration::from_secs(secs);
        }
        Ok(config)
    }

    /// How often a running job's lease is renewed: a third of the lease, so two renewals may
    /// fail before it runs out.
    #[must_use]
    pub fn heartbeat_interval(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(1))
    }
}

fn positive_var(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "{name} must be a positive whole number, not {value:?}"
            )),
        },
    }
}

/// Exponential backoff with equal jitter: after attempt `n` failed, the job runs again after
/// `d = min(cap, base × 2^(n-1))`, of which half is fixed and half random, so retries of many
/// jobs that failed together spread out and never come sooner than `d / 2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first attempt (default 2 s).
    pub base: Duration,
    /// The longest wait (default 10 min).
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    /// The wait before the retry of a job whose attempt number `attempt` (from 1) failed.
    #[must_use]
    pub fn delay(&self, attempt: i32) -> Duration {
        self.delay_with(attempt, random_u64())
    }

    /// [`Backoff::delay`] with the random part drawn from `random`.
    fn delay_with(&self, attempt: i32, random: u64) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0);
        let full = 2_u32
            .checked_pow(doublings)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |wait| wait.min(self.cap));
        let half = full / 2;
        let spread = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 {
            0
        } else {
            random % spread.saturating_add(1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// A worker name unique per process: `host-pid-random`.
#[must_use]
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| {
            name.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!(
        "{host}-{}-{:06x}",
        std::process::id(),
        random_u64() & 0x00ff_ffff
    )
}

/// A random number good enough for jitter and names (not for secrets): SipHash under the
/// standard library's randomly keyed [`RandomState`], of a counter and the time.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    hasher.write_u128(nanos);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(600),
        }
    }

    #[test]
    fn the_wait_doubles_per_attempt_within_equal_jitter() {
        let b = backoff();
        for (attempt, full) in [(1, 2), (2, 4), (3, 8), (4, 16)] {
            let full = Duration::from_secs(full);
            assert_eq!(b.delay_with(attempt, 0), full / 2, "attempt {attempt}");
            let most = u64::try_from((full / 2).as_nanos()).unwrap();
            assert_eq!(b.delay_with(attempt, most), full, "attempt {attempt}");
            for _ in 0..100 {
                let d = b.delay(attempt);
                assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn the_wait_stops_growing_at_the_cap() {
        let b = backoff();
        for attempt in [10, 31, 32, 33, 64, i32::MAX] {
            let d = b.delay(attempt);
            assert!(
                d >= b.cap / 2 && d <= b.cap,
                "attempt {attempt} waits {d:?}"
            );
        }
        // Attempts below one (never given by a queue) wait as the first.
        assert_eq!(b.delay_with(0, 0), Duration::from_secs(1));
        assert_eq!(b.delay_with(-5, 0), Duration::from_secs(1));
    }

    #[test]
    fn the_jitter_spreads_the_waits() {
        let b = backoff();
        let waits: std::collections::BTreeSet<Duration> = (0..50).map(|_| b.delay(5)).collect();
        assert!(
            waits.len() > 40,
            "only {} distinct waits of 50",
            waits.len()
        );
    }

    #[test]
    fn worker_ids_differ_within_a_process() {
        let a = worker_id();
        let b = worker_id();
        assert_ne!(a, b);
        assert!(a.contains(&format!("-{}-", std::process::id())), "{a}");
    }

    #[test]
    fn the_heartbeat_renews_every_third_of_the_lease() {
        let config = WorkerConfig {
            lease: Duration::from_secs(90),
            ..WorkerConfig::default()
        };
        assert_eq!(config.heartbeat_interval(), Duration::from_secs(30));
        let defaults = WorkerConfig::default();
        assert_eq!(
            (defaults.concurrency, defaults.lease, defaults.poll_interval),
            (2, Duration::from_secs(60), Duration::from_secs(1))
        );
    }
}
