//! `/api/v1/import-jobs`: the student's view of imports running in the background.

use actix_web::{HttpRequest, web};
use sophie_domain::{ImportJob, ImportJobId, ImportSource, JobStatus, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::json;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Accepted, NoContent};
use crate::routes::documents::upload;
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{ImportJobQuery, ImportLink, ImportUploadForm, LinkSource, UploadSource};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, cancel, delete),
    components(schemas(ImportJob, JobStatus, Page<ImportJob>, ImportLink, ImportUploadForm,
        LinkSource, UploadSource)),
    tags((name = "import-jobs", description = "Imports of lectures, videos, files and web pages, \
                                               running in the background"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/import-jobs")
            .service(
                web::resource("")
                    .route(web::post().to(create))
                    .route(web::get().to(list)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::delete().to(delete)),
            )
            .service(web::resource("/{id}/cancel").route(web::post().to(cancel))),
    );
}

/// Starts an import, which runs in the background: a web page or a YouTube video as JSON
/// (`{source: URL | YOUTUBE, sourceUrl, title?, courseId?}`), or a file or recording as
/// `multipart/form-data` (`source` `FILE`, `AUDIO` or `DECK`, `file`, optional `title` and
/// `courseId`). Answers 202 with the import `PENDING` and its `Location`, to poll: `progress`
/// rises through the stages (fetched 25, extracted or transcribed 60, made 75, indexed 90,
/// done 100) and the import ends `COMPLETED` with the `noteId` (or `documentId` for a file or
/// a document on the web, or the `result` of a flashcard package: see
/// `POST /api/v1/flashcard-sets/import`), or `FAILED` with an `errorMessage`; a notification
/// tells the student either way.
///
/// A page is fetched only from public addresses (the host resolved, every redirect checked):
/// an address inside a private network, loopback, link-local or cloud metadata is refused
/// with a 422 naming it.
#[utoipa::path(post, path = "/api/v1/import-jobs", tag = "import-jobs",
    request_body(content(
        (ImportLink = "application/json"),
        (ImportUploadForm = "multipart/form-data"))),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Recorded; running in the background", body = ImportJob,
            headers(("Location" = String, description = "The import's URL, to poll"))),
        (status = 400, description = "The body cannot be read (malformed JSON or multipart)",
            body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The course is not the student's", body = Problem),
        (status = 413, description = "The body or the file is larger than its limit",
            body = Problem),
        (status = 415, description = "Neither JSON nor multipart/form-data, or a file of a \
            type the source does not take (the answer names what was found)", body = Problem),
        (status = 422, description = "A bad source, link (not http(s), not public, not a \
            YouTube video), title or course id, no file, or an unknown part", body = Problem),
        (status = 503, description = "The import could not be queued; nothing was recorded",
            body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<Accepted<ImportJob>> {
    let imports = state.imports()?;
    let headers = request.headers();
    let job = if upload::is_multipart(headers) {
        let documents = state.documents()?;
        let (upload, source) = upload::read_form(
            headers,
            payload,
            documents.upload_limit(),
            || documents.too_large().into(),
            Some("source"),
        )
        .await?;
        let source = match source.as_deref().map(str::trim) {
            Some("FILE") => ImportSource::File,
            Some("AUDIO") => ImportSource::Audio,
            Some("DECK") => ImportSource::Deck,
            Some("URL" | "YOUTUBE") => {
                return Err(ApiError::field(
                    "source",
                    "URL and YOUTUBE imports are sent as JSON with a sourceUrl",
                ));
            }
            Some(other) => {
                return Err(ApiError::field(
                    "source",
                    format!("must be FILE, AUDIO or DECK, not {other:?}"),
                ));
            }
            None => return Err(ApiError::field("source", "required: FILE, AUDIO or DECK")),
        };
        imports.start_upload(user.user_id, source, upload).await?
    } else if json::is_json(headers) {
        let bytes = json::read_body(payload, state.config.json_limit).await?;
        let link: ImportLink = json::parse_json(&bytes)?;
        imports.start_link(user.user_id, link.into_domain()).await?
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send a link as application/json, or a file as multipart/form-data".to_owned(),
        ));
    };
    Ok(Accepted::at(format!("/api/v1/import-jobs/{}", job.id), job))
}

/// Lists the student's imports, newest first.
#[utoipa::path(get, path = "/api/v1/import-jobs", tag = "import-jobs",
    params(PageQuery, ImportJobQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<ImportJob>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<ImportJobQuery>,
) -> ApiResult<web::Json<Page<ImportJob>>> {
    let page = page.to_request()?;
    let jobs = state
        .repositories
        .import_jobs
        .list(user.user_id, filter.to_filter(), page)
        .await?;
    Ok(web::Json(jobs))
}

/// Reads an import.
#[utoipa::path(get, path = "/api/v1/import-jobs/{id}", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ImportJob), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ImportJobId>,
) -> ApiResult<web::Json<ImportJob>> {
    let job = state
        .repositories
        .import_jobs
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(job))
}

/// Cancels an import that has not finished: it becomes `CANCELLED`, with `completedAt` set.
#[utoipa::path(post, path = "/api/v1/import-jobs/{id}/cancel", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ImportJob), (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The import has already finished")))]
async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ImportJobId>,
) -> ApiResult<web::Json<ImportJob>> {
    let job = state
        .repositories
        .import_jobs
        .cancel(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(job))
}

/// Deletes an import's record; the note or document it produced stays.
#[utoipa::path(delete, path = "/api/v1/import-jobs/{id}", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ImportJobId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .import_jobs
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
