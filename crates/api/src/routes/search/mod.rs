//! `/api/v1/search`: one search over the student's notes, flashcards and documents.

use actix_web::web;
use sophie_domain::{SearchHit, SourceKind};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::query::ApiQuery;
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{SearchParams, SearchResults};

#[derive(OpenApi)]
#[openapi(
    paths(search),
    components(schemas(SearchResults, SearchHit, SourceKind)),
    tags((name = "search", description = "Search over the student's material"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").route(web::get().to(search)));
}

/// Searches the student's notes, flashcards and documents, best first.
///
/// Lexical: every word of `q` must occur. With an embedding model configured, document passages
/// are also ranked by similarity in meaning to `q`, and the two rankings are fused by reciprocal
/// rank fusion (`score` = Σ 1 / (60 + rank)); a passage found by similarity alone shows its
/// beginning as its snippet. A filter naming another student's course or document finds
/// nothing.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem),
        (status = 422, description = "`q` is empty or too long, `limit` is out of range, \
            `courseId` or `documentId` is not a UUID, or `kind` names an unknown kind; each \
            bad parameter is named", body = Problem)))]
async fn search(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: ApiQuery<SearchParams>,
) -> ApiResult<web::Json<SearchResults>> {
    let query = params.into_inner().into_domain()?;
    let items = state.search.search(user.user_id, query).await?;
    Ok(web::Json(SearchResults { items }))
}
