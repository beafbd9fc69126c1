//! One adapter per repository port, each implemented on [`crate::PostgresStore`].
//!
//! Insert rows write `None` as a bound NULL rather than `DEFAULT`
//! (`treat_none_as_default_value = false`; every optional column defaults to NULL anyway):
//! the SQL text is then the same whatever is set, so each insert is prepared once per
//! connection and reused, instead of parsed and planned again at every call.

mod accounts;
mod calendar;
mod calendar_sync;
mod chats;
mod courses;
mod deck_import;
mod documents;
mod extractions;
mod flashcards;
mod generations;
mod import_jobs;
mod notes;
mod notifications;
mod quizzes;
mod reviews;
mod search;
mod sessions;
mod study_guides;
mod users;
mod verifications;

pub(crate) use search::CodeCache;
