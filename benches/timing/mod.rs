//! What the benchmarks share: their settings from the environment, and one way of reporting
//! the times they measure.

use std::time::Duration;

/// The number in the environment variable `name`, else `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Prints the median and the 95th percentile of `times` (the largest, for fewer than 20).
#[allow(clippy::print_stdout, clippy::cast_precision_loss)]
pub fn report(what: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{what:<40} p50 {:>9.2} ms   p95 {:>9.2} ms   ({} runs)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        times.len()
    );
}
