//! The background worker: claims jobs from the domain's `JobQueue`, renews their lease,
//! retries with backoff, and runs imports and generation, in a later version.
//!
//! [`ingest`] reads documents: text per page out of PDF, DOCX, PPTX, HTML, Markdown and plain
//! text files under size and time limits, and chunks of it for retrieval.

pub mod ingest;
