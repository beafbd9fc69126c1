//! # sophie-domain
//!
//! The domain of sophie, an AI study platform: students keep courses, notes, documents and a
//! calendar; sophie turns that material into flashcards, quizzes and study guides, answers
//! questions about it in chat, and imports lectures in the background.
//!
//! This crate holds what is true whatever the storage or transport:
//!
//! - [`entities`]: the twenty models, as stored, and the commands that create and change them;
//! - [`values`]: validated values (emails, titles, tags, questions...), so an invalid value
//!   cannot reach a repository;
//! - [`enums`]: the enumerations, with their exact UPPER_SNAKE strings;
//! - [`ports`]: repository and service traits for adapters to implement;
//! - [`rules`]: pure rules that span entities (link ownership, quiz totals, grading, file
//!   types);
//! - [`services`]: use cases (sign-up, quiz attempts, uploading and processing documents...),
//!   each holding the ports it needs; the HTTP layer and the worker share them;
//! - [`jobs`]: typed background jobs, enqueued by services and run by the worker;
//! - [`pagination`]: keyset pagination over `(timestamp, id)`;
//! - [`timestamp`]: how timestamps are written out (RFC 3339, UTC);
//! - [`memory`] (feature `memory`): in-memory adapters that behave like the PostgreSQL schema.
//!
//! It does no I/O and depends on no web framework or database driver, so any Rust service can
//! embed it. With the `mock` feature, every port has a mockall mock.

#[cfg(feature = "contract")]
pub mod contract;
pub mod entities;
pub mod enums;
pub mod error;
pub mod id;
pub mod jobs;
#[cfg(feature = "memory")]
pub mod memory;
pub mod pagination;
pub mod ports;
pub mod rules;
pub mod services;
pub mod timestamp;
pub mod values;

pub use entities::*;
pub use enums::*;
pub use error::{DomainError, DomainResult};
pub use id::*;
pub use pagination::{Cursor, Page, PageRequest, SortOrder};
pub use ports::*;
pub use values::{FieldContext, InvalidValue};
