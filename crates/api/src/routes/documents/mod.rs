//! `/api/v1/documents`: the records of uploaded files (PDFs, slides, syllabi). Uploading
//! itself comes later; for now documents are read, renamed, refiled and deleted.

use actix_web::web;
use sophie_domain::{Document, DocumentId, DomainError, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Never, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{DocumentQuery, UpdateDocument};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(UpdateDocument, Document, Page<Document>)),
    tags((name = "documents", description = "Files the student uploaded"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/documents")
            .service(
                web::resource("")
                    .route(web::post().to(create))
                    .route(web::get().to(list)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::patch().to(update))
                    .route(web::delete().to(delete)),
            ),
    );
}

/// Uploads a document: **not available in this version** (answers 501 Not Implemented).
/// Documents will be uploaded as `multipart/form-data` once the blob store is wired in.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 401, body = Problem),
        (status = 501, description = "Uploading documents is not available yet", body = Problem)))]
async fn create(_user: CurrentUser) -> ApiResult<Never> {
    Err(DomainError::NotImplemented {
        feature: "uploading documents",
    }
    .into())
}

/// Lists the student's documents, newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents",
    params(PageQuery, DocumentQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Document>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<DocumentQuery>,
) -> ApiResult<web::Json<Page<Document>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let documents = state
        .repositories
        .documents
        .list(user.user_id, filter, page)
        .await?;
    Ok(web::Json(documents))
}

/// Reads a document's record.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Document), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<web::Json<Document>> {
    let document = state
        .repositories
        .documents
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(document))
}

/// Renames or refiles a document.
#[utoipa::path(patch, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), request_body = UpdateDocument,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Document), (status = 401, body = Problem),
        (status = 404, description = "The document, or the new course, is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
    body: ApiJson<UpdateDocument>,
) -> ApiResult<web::Json<Document>> {
    let update = body.into_inner().into_domain()?;
    let document = state
        .repositories
        .documents
        .update(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(document))
}

/// Deletes a document and its search index; material made from it stays, unlinked.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<NoContent> {
    // The repository hands back the deleted record so that its bytes can be removed from the
    // blob store (`storageKey`). The blob store is not wired into the API yet: the bytes are
    // removed here once uploads exist.
    let _deleted = state
        .repositories
        .documents
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
