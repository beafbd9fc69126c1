//! One adapter per repository port, each implemented on [`crate::PostgresStore`].

mod accounts;
mod calendar;
mod chats;
mod courses;
mod documents;
mod flashcards;
mod import_jobs;
mod notes;
mod notifications;
mod quizzes;
mod search;
mod sessions;
mod study_guides;
mod users;
mod verifications;
