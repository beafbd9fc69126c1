//! The background worker: claims jobs from the domain's `JobQueue`, renews their lease,
//! retries with backoff, and runs imports and generation, in a later version.

pub mod worker;
