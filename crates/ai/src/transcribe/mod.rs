//! Speech to text: a client of OpenAI-compatible transcription servers, with the recording
//! read beforehand (its length, whether it is audio at all) and cut into parts when it is
//! larger than a server accepts in one request.

pub mod audio;
pub mod openai;
mod split;

use std::panic::{AssertUnwindSafe, catch_unwind};

use sophie_domain::error::{DomainError, DomainResult};

/// Runs the CPU work `work` (reading a recording) on tokio's blocking threads; a panic (a
/// parser's bug met on a strange file) is logged and becomes the `Validation` error on `file`
/// of a recording that cannot be read, instead of taking the caller down.
pub(crate) async fn off_the_executor<T, F>(what: &'static str, work: F) -> DomainResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> DomainResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(move || caught(what, work))
        .await
        .map_err(|e| DomainError::internal_from(format!("{what} did not finish"), e))?
}

/// Runs `work` (reading a recording), turning a panic into the `Validation` error on `file` of
/// a recording that cannot be read.
pub(crate) fn caught<T>(
    what: &'static str,
    work: impl FnOnce() -> DomainResult<T>,
) -> DomainResult<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(reason = %reason, "{what} panicked");
        Err(audio::unreadable("the audio reader failed on it"))
    })
}
