//! Study generators ([`StudyGenerator`](sophie_domain::ports::StudyGenerator)): flashcards,
//! quiz questions, study guides, answers and summaries drafted from the student's material.
//!
//! - [`offline::OfflineGenerator`], the default: made from the text itself, with no network
//!   and no download, deterministic.
//! - [`model::ModelGenerator`] asks a language model
//!   ([`LanguageModel`](sophie_domain::ports::LanguageModel)) for schema-shaped JSON, with
//!   prompts that keep it to the passages given and treat them as data, never as
//!   instructions.

pub mod model;
pub mod offline;
