//! `/api/v1/import-jobs`: the student's view of imports running in the background.

use actix_web::web;
use sophie_domain::{DomainError, ImportJob, ImportJobId, JobStatus, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Never, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::ImportJobQuery;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, cancel, delete),
    components(schemas(ImportJob, JobStatus, Page<ImportJob>)),
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

/// Starts an import: **not available in this version**.
///
/// Imports are run by the background worker, which comes in a later version of sophie; until
/// then this always answers 501 Not Implemented, and no job is recorded.
#[utoipa::path(post, path = "/api/v1/import-jobs", tag = "import-jobs",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 401, body = Problem),
        (status = 501, body = Problem, description = "Starting imports comes in a later version")))]
async fn create(_user: CurrentUser) -> ApiResult<Never> {
    Err(DomainError::NotImplemented {
        feature: "starting imports",
    }
    .into())
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
