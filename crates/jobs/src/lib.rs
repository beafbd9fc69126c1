//! sophie's background work: the worker runtime ([`worker`]: claim, heartbeat, retry with
//! backoff, rescue, periodic jobs, graceful stop), the readers of uploaded documents
//! ([`ingest`]: text per page out of PDF, DOCX, PPTX, HTML, Markdown and plain text under
//! size and time limits, and chunks of it for retrieval), the reader of Anki packages
//! ([`anki`]), and the handlers that run each kind of job through the domain's services
//! ([`handlers`]).

pub mod anki;
pub mod handlers;
pub mod ingest;
pub mod worker;
