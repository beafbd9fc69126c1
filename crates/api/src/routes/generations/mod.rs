//! Generation: `POST /flashcard-sets/generate`, `/quizzes/generate` and
//! `/study-guides/generate` start a generation in the background; `/generation-jobs` follows
//! them.

use actix_web::web;
use sophie_domain::{
    GenerationJob, GenerationJobId, GenerationKind, GenerationSettings, JobStatus, Page,
    SourceQuote,
};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::reply::{Accepted, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::GenerateRequest;

#[derive(OpenApi)]
#[openapi(
    paths(generate_flashcards, generate_quiz, generate_study_guide, list, get, delete),
    components(schemas(GenerationJob, GenerationKind, GenerationSettings, JobStatus,
        Page<GenerationJob>, GenerateRequest, SourceQuote)),
    tags((name = "generation", description = "Flashcard sets, quizzes and study guides made \
        from the student's own material, in the background"))
)]
pub(crate) struct Api;

/// The three `generate` resources, registered before the scopes of their collections so
/// `generate` is not read as an id.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/flashcard-sets/generate").route(web::post().to(generate_flashcards)),
    )
    .service(web::resource("/quizzes/generate").route(web::post().to(generate_quiz)))
    .service(web::resource("/study-guides/generate").route(web::post().to(generate_study_guide)))
    .service(
        web::scope("/generation-jobs")
            .service(web::resource("").route(web::get().to(list)))
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::delete().to(delete)),
            ),
    );
}

async fn start(
    state: &AppState,
    user: &CurrentUser,
    kind: GenerationKind,
    body: GenerateRequest,
) -> ApiResult<Accepted<GenerationJob>> {
    let (source, settings) = body.into_domain()?;
    let job = state
        .generation()?
        .start(user.user_id, kind, source, settings)
        .await?;
    Ok(Accepted::at(
        format!("/api/v1/generation-jobs/{}", job.id),
        job,
    ))
}

/// Generates a flashcard set from a note, a document or a whole course, in the background.
///
/// Answers 202 with the generation `PENDING`, to poll at its `Location`: it ends `COMPLETED`
/// with the set's id in `resultId`, or `FAILED` with an `errorMessage`, and a notification
/// tells the student either way. Every card carries `sources`: words quoted verbatim from the
/// chunk of the document (with its page) or the note it rests on; cards that cannot be traced
/// to the material are dropped, never stored, and no two cards ask the same thing.
#[utoipa::path(post, path = "/api/v1/flashcard-sets/generate", tag = "generation",
    request_body = GenerateRequest, security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; running in the background", body = GenerationJob,
            headers(("Location" = String, description = "The generation's URL, to poll"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The note, document or course is not the student's",
            body = Problem),
        (status = 409, description = "The document is not processed (READY) yet",
            body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "Not exactly one source, a count outside 1 to 50, a bad \
            title, or question types (a quiz only)", body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent \
            (with a model configured); `Retry-After` says until when", body = Problem),
        (status = 503, description = "The generation could not be queued; nothing was \
            recorded", body = Problem)))]
async fn generate_flashcards(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<GenerateRequest>,
) -> ApiResult<Accepted<GenerationJob>> {
    start(&state, &user, GenerationKind::Flashcards, body.into_inner()).await
}

/// Generates a quiz from a note, a document or a whole course, in the background.
///
/// As for flashcards; `types` chooses the question types (`MULTIPLE_CHOICE` with distinct
/// options and exactly one correct, `TRUE_FALSE`, `FILL_IN_THE_BLANK`, `SHORT_ANSWER`), every
/// type when left out. Every question carries its `sources`.
#[utoipa::path(post, path = "/api/v1/quizzes/generate", tag = "generation",
    request_body = GenerateRequest, security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; running in the background", body = GenerationJob,
            headers(("Location" = String, description = "The generation's URL, to poll"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The note, document or course is not the student's",
            body = Problem),
        (status = 409, description = "The document is not processed (READY) yet",
            body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "Not exactly one source, a count outside 1 to 50, or a \
            bad title", body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent",
            body = Problem),
        (status = 503, description = "The generation could not be queued; nothing was \
            recorded", body = Problem)))]
async fn generate_quiz(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<GenerateRequest>,
) -> ApiResult<Accepted<GenerationJob>> {
    start(&state, &user, GenerationKind::Quiz, body.into_inner()).await
}

/// Generates a study guide from a note, a document or a whole course, in the background.
///
/// The guide is Markdown: a summary, an outline, sections following the material's headings,
/// key terms with their definitions, and practice questions. Its `sources` quote the material
/// for each section (`section` names it). `count` and `types` are not used.
#[utoipa::path(post, path = "/api/v1/study-guides/generate", tag = "generation",
    request_body = GenerateRequest, security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; running in the background", body = GenerationJob,
            headers(("Location" = String, description = "The generation's URL, to poll"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The note, document or course is not the student's",
            body = Problem),
        (status = 409, description = "The document is not processed (READY) yet",
            body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "Not exactly one source, a count outside 1 to 50, a bad \
            title, or question types (a quiz only)", body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent",
            body = Problem),
        (status = 503, description = "The generation could not be queued; nothing was \
            recorded", body = Problem)))]
async fn generate_study_guide(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<GenerateRequest>,
) -> ApiResult<Accepted<GenerationJob>> {
    start(&state, &user, GenerationKind::StudyGuide, body.into_inner()).await
}

/// Lists the student's generations, newest first.
#[utoipa::path(get, path = "/api/v1/generation-jobs", tag = "generation",
    params(PageQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<GenerationJob>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
) -> ApiResult<web::Json<Page<GenerationJob>>> {
    let page = page.to_request()?;
    let jobs = state
        .repositories
        .generations
        .list(user.user_id, page)
        .await?;
    Ok(web::Json(jobs))
}

/// One of the student's generations: its state, progress, and the id of what it made.
#[utoipa::path(get, path = "/api/v1/generation-jobs/{id}", tag = "generation",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = GenerationJob), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<GenerationJobId>,
) -> ApiResult<web::Json<GenerationJob>> {
    let job = state
        .repositories
        .generations
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(job))
}

/// Deletes the record of a generation; what it made stays. A generation still running is
/// cancelled: it stores nothing and sends no notification.
#[utoipa::path(delete, path = "/api/v1/generation-jobs/{id}", tag = "generation",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<GenerationJobId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .generations
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
