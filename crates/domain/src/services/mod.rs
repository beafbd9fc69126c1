//! Use cases: each service holds the ports it needs and is the one place a flow lives, shared
//! by the HTTP layer and the worker.

pub mod accounts;
pub mod documents;
pub mod ingestion;
pub mod quizzes;
pub mod search;
