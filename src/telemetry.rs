//! Structured logs with tracing.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

/// Installs the global subscriber; logs go to standard error.
pub fn init(level: &str, format: LogFormat) {
    // The PDF reader narrates every font it loads at `info`: only its warnings are news,
    // unless the filter names it.
    let level = if level.contains("pdf_oxide") {
        level.to_owned()
    } else {
        format!("{level},pdf_oxide=warn")
    };
    let filter = EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"));
    // Each request is a span (request id, method, route, status); its close is the request's
    // log line, with the time it took.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, plain text for a file or a log collector.
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
