//! The resources under `/api/v1`, one module each, each with its OpenAPI part.

use actix_web::web;
use utoipa::OpenApi;

mod calendar;
mod chats;
mod courses;
mod documents;
mod flashcards;
mod generations;
mod import_jobs;
mod notes;
mod notifications;
mod quizzes;
mod reviews;
mod search;
mod study_guides;

/// Each resource is a scope under its own literal prefix: a request is matched against those
/// prefixes by string comparison, and only its own resource's few path patterns run after.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(generations::configure)
        .configure(courses::configure)
        .configure(notes::configure)
        .configure(documents::configure)
        .configure(flashcards::configure)
        .configure(quizzes::configure)
        .configure(reviews::configure)
        .configure(study_guides::configure)
        .configure(chats::configure)
        .configure(calendar::configure)
        .configure(import_jobs::configure)
        .configure(notifications::configure)
        .configure(search::configure);
}

/// The OpenAPI part of every resource module.
pub(crate) fn documents() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        courses::Api::openapi(),
        notes::Api::openapi(),
        documents::Api::openapi(),
        flashcards::Api::openapi(),
        quizzes::Api::openapi(),
        reviews::Api::openapi(),
        study_guides::Api::openapi(),
        chats::Api::openapi(),
        calendar::Api::openapi(),
        import_jobs::Api::openapi(),
        generations::Api::openapi(),
        notifications::Api::openapi(),
        search::Api::openapi(),
    ]
}
