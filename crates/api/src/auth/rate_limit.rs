//! Attempts at signing in or up, counted per client IP and per email in fixed windows.
//!
//! Counts live in this process: behind a load balancer each instance counts its own, which
//! still bounds guessing to a known multiple.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sophie_domain::DomainError;

/// Counts attempts and refuses those over the limits.
#[derive(Debug)]
pub struct RateLimiter {
    per_ip: u32,
    per_email: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Allows `per_ip` attempts per IP and `per_email` per email in each `window`.
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
    /// `RateLimited` with the seconds until the window ends, when a limit is reached.
    pub fn attempt(&self, ip: &str, email: &str) -> Result<(), DomainError> {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() > 100_000 {
            let window = self.window;
            counts.retain(|_, (started, _)| now.duration_since(*started) < window);
        }
        let ip_key = format!("ip:{ip}");
        let email_key = format!("email:{}", email.trim().to_lowercase());
        for (key, limit) in [(&ip_key, self.per_ip), (&email_key, self.per_email)] {
            if let Some((started, count)) = counts.get(key)
                && now.duration_since(*started) < self.window
                && *count >= limit
            {
                let left = self.window.saturating_sub(now.duration_since(*started));
                return Err(DomainError::RateLimited {
                    retry_after_seconds: left.as_secs().max(1),
                });
            }
        }
        for key in [ip_key, email_key] {
            let entry = counts.entry(key).or_insert((now, 0));
            if now.duration_since(entry.0) >= self.window {
                *entry = (now, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_per_ip_and_per_email() {
        let limiter = RateLimiter::new(3, 2, Duration::from_secs(60));
        limiter.attempt("1.1.1.1", "a@x.io").unwrap();
        limiter.attempt("1.1.1.1", "A@x.io").unwrap();
        let refused = limiter.attempt("2.2.2.2", "a@x.io");
        assert!(
            matches!(refused, Err(DomainError::RateLimited { retry_after_seconds }) if retry_after_seconds > 0)
        );
        limiter.attempt("1.1.1.1", "b@x.io").unwrap();
        assert!(
            limiter.attempt("1.1.1.1", "c@x.io").is_err(),
            "fourth from one IP"
        );
        limiter.attempt("3.3.3.3", "c@x.io").unwrap();
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
