//! Attempts at signing in or up, counted in fixed windows so that guessing is bounded without
//! letting a stranger lock a student out:
//!
//! - per client address: every attempt from it, whatever the email;
//! - per (email, address): a burst at one account from one place stops there, and only there:
//!   the owner signing in from anywhere else is not affected;
//! - per email, from every address together: past a threshold the account is only slowed (one
//!   attempt per [`RateLimiter::SLOW_INTERVAL`]), never closed, so guessing from many
//!   addresses stays slow and the owner still gets in.
//!
//! Changing the password from a live session is counted per account on its own
//! ([`RateLimiter::attempt_as`]): nothing a stranger does can block it.
//!
//! Counts live in this process: behind a load balancer each instance counts its own, which
//! still bounds guessing to a known multiple.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sophie_domain::{DomainError, UserId};

/// One key's window: when it started, how many attempts, when the last one was let through.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
    last: Instant,
}

/// Counts attempts and refuses those over the limits.
#[derive(Debug)]
pub struct RateLimiter {
    per_ip: u32,
    per_email: u32,
    window: Duration,
    counts: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    /// How many times `per_email` attempts at one account, from every address together, are
    /// let through at full speed in a window before it is slowed.
    pub const SLOW_AFTER_FACTOR: u32 = 5;
    /// The pace of attempts at a slowed account.
    pub const SLOW_INTERVAL: Duration = Duration::from_secs(2);

    /// Allows `per_ip` attempts per address and `per_email` per (email, address) in each
    /// `window`.
    #[must_use]
    pub fn new(per_ip: u32, per_email: u32, window: Duration) -> Self {
        Self {
            per_ip,
            per_email,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `ip` for `email`.
    ///
    /// # Errors
    ///
    /// `RateLimited` with the seconds to wait, when a limit is reached.
    pub fn attempt(&self, ip: &str, email: &str) -> Result<(), DomainError> {
        let email = email.trim().to_lowercase();
        self.count(&[
            (format!("ip:{ip}"), Limit::Refuse(self.per_ip)),
            (format!("pair:{email}\n{ip}"), Limit::Refuse(self.per_email)),
            (
                format!("email:{email}"),
                Limit::Slow(self.per_email.saturating_mul(Self::SLOW_AFTER_FACTOR)),
            ),
        ])
    }

    /// Counts one attempt from `ip` that names no account (starting a sign-in at a provider),
    /// against the per-address limit only.
    ///
    /// # Errors
    ///
    /// `RateLimited` with the seconds to wait, when the address's limit is reached.
    pub fn attempt_from(&self, ip: &str) -> Result<(), DomainError> {
        self.count(&[(format!("ip:{ip}"), Limit::Refuse(self.per_ip))])
    }

    /// Counts one attempt by a signed-in user at proving their password (changing it).
    ///
    /// # Errors
    ///
    /// `RateLimited` with the seconds to wait, when the user's own limit is reached.
    pub fn attempt_as(&self, user: UserId) -> Result<(), DomainError> {
        self.count(&[(format!("user:{user}"), Limit::Refuse(self.per_email))])
    }

    fn count(&self, keys: &[(String, Limit)]) -> Result<(), DomainError> {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, w| now.duration_since(w.started) < window);
        }
        // Check every key first: an attempt refused by one limit counts against none.
        for (key, limit) in keys {
            let Some(w) = counts.get(key) else { continue };
            if now.duration_since(w.started) >= self.window {
                continue;
            }
            let wait = match *limit {
                Limit::Refuse(max) if w.count >= max => {
                    Some(self.window.saturating_sub(now.duration_since(w.started)))
                }
                Limit::Slow(after) if w.count >= after => {
                    Some(Self::SLOW_INTERVAL.saturating_sub(now.duration_since(w.last)))
                        .filter(|wait| !wait.is_zero())
                }
                _ => None,
            };
            if let Some(wait) = wait {
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Err(DomainError::RateLimited {
                    retry_after_seconds: seconds.max(1),
                });
            }
        }
        for (key, _) in keys {
            let w = counts.entry(key.clone()).or_insert(Window {
                started: now,
                count: 0,
                last: now,
            });
            if now.duration_since(w.started) >= self.window {
                *w = Window {
                    started: now,
                    count: 0,
                    last: now,
                };
            }
            w.count += 1;
            w.last = now;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Limit {
    /// Refuse past this many attempts until the window ends.
    Refuse(u32),
    /// Past this many, let one attempt through per [`RateLimiter::SLOW_INTERVAL`].
    Slow(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::needless_pass_by_value, reason = "takes what attempt returns")]
    fn refused(result: Result<(), DomainError>) -> bool {
        matches!(result, Err(DomainError::RateLimited { retry_after_seconds }) if retry_after_seconds > 0)
    }

    #[test]
    fn a_burst_at_one_account_from_one_address_stops_only_that_address() {
        let limiter = RateLimiter::new(30, 3, Duration::from_secs(60));
        for _ in 0..3 {
            limiter.attempt("6.6.6.6", "ada@x.io").unwrap();
        }
        assert!(refused(limiter.attempt("6.6.6.6", "ada@x.io")));
        assert!(refused(limiter.attempt("6.6.6.6", "ADA@x.io")), "any case");
        // The owner, from home: let in.
        limiter.attempt("1.1.1.1", "ada@x.io").unwrap();
        // The stranger may still try other accounts, up to the per-address limit.
        limiter.attempt("6.6.6.6", "bob@x.io").unwrap();
        // Changing the password from a live session is the owner's own count.
        let ada = UserId::new();
        limiter.attempt_as(ada).unwrap();
    }

    #[test]
    fn many_addresses_at_one_account_are_slowed_not_stopped() {
        let limiter = RateLimiter::new(30, 2, Duration::from_secs(60));
        let threshold = 2 * RateLimiter::SLOW_AFTER_FACTOR;
        for i in 0..threshold {
            limiter.attempt(&format!("10.0.0.{i}"), "ada@x.io").unwrap();
        }
        // Past the threshold, the next attempt from anywhere waits for the pace...
        let error = limiter.attempt("1.1.1.1", "ada@x.io").unwrap_err();
        assert!(matches!(
            error,
            DomainError::RateLimited {
                retry_after_seconds: 1..=2
            }
        ));
        // ...and other accounts are untouched.
        limiter.attempt("1.1.1.1", "bob@x.io").unwrap();
    }

    #[test]
    fn one_address_is_limited_across_accounts() {
        let limiter = RateLimiter::new(3, 10, Duration::from_secs(60));
        for email in ["a@x.io", "b@x.io", "c@x.io"] {
            limiter.attempt("6.6.6.6", email).unwrap();
        }
        assert!(refused(limiter.attempt("6.6.6.6", "d@x.io")));
        limiter.attempt("7.7.7.7", "d@x.io").unwrap();
    }

    #[test]
    fn a_user_changing_their_password_is_limited_on_their_own() {
        let limiter = RateLimiter::new(30, 2, Duration::from_secs(60));
        let (ada, bob) = (UserId::new(), UserId::new());
        limiter.attempt_as(ada).unwrap();
        limiter.attempt_as(ada).unwrap();
        assert!(refused(limiter.attempt_as(ada)));
        limiter.attempt_as(bob).unwrap();
    }

    #[test]
    fn a_new_window_starts_afresh() {
        let limiter = RateLimiter::new(1, 1, Duration::from_millis(20));
        limiter.attempt("1.1.1.1", "a@x.io").unwrap();
        assert!(limiter.attempt("1.1.1.1", "a@x.io").is_err());
        std::thread::sleep(Duration::from_millis(30));
        limiter.attempt("1.1.1.1", "a@x.io").unwrap();
    }
}
