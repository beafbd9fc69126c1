//! `/api/v1/search`: one search over the student's notes, flashcards and documents.

use actix_web::web;
use sophie_domain::{SearchHit, SearchQuery};
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
    components(schemas(SearchResults, SearchHit)),
    tags((name = "search", description = "Search over the student's material"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/search").route(web::get().to(search)));
}

/// Searches the student's notes, flashcards and documents.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SearchResults), (status = 401, body = Problem),
        (status = 422, description = "`q` is empty or too long, or `limit` is out of range",
            body = Problem)))]
async fn search(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: ApiQuery<SearchParams>,
) -> ApiResult<web::Json<SearchResults>> {
    let params = params.into_inner();
    let query = SearchQuery::new(params.q.as_deref().unwrap_or_default(), params.limit)?;
    let items = state
        .repositories
        .search
        .search(user.user_id, query)
        .await?;
    Ok(web::Json(SearchResults { items }))
}
