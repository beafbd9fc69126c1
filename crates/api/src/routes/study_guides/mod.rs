//! `/api/v1/study-guides`: Markdown guides made from notes or documents, editable by the
//! student.

use actix_web::web;
use sophie_domain::{Page, StudyGuide, StudyGuideId};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{CreateStudyGuide, StudyGuideQuery, UpdateStudyGuide};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(CreateStudyGuide, UpdateStudyGuide, StudyGuide, Page<StudyGuide>)),
    tags((name = "study-guides", description = "Study guides made from the student's material"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/study-guides")
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

/// Creates a study guide.
#[utoipa::path(post, path = "/api/v1/study-guides", tag = "study-guides",
    request_body = CreateStudyGuide, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = StudyGuide), (status = 401, body = Problem),
        (status = 404, description = "A linked course, note or document is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateStudyGuide>,
) -> ApiResult<Created<StudyGuide>> {
    let new = body.into_inner().into_domain()?;
    let guide = state
        .repositories
        .study_guides
        .create(user.user_id, new)
        .await?;
    Ok(Created::at(
        format!("/api/v1/study-guides/{}", guide.id),
        guide,
    ))
}

/// Lists the student's study guides, newest first.
#[utoipa::path(get, path = "/api/v1/study-guides", tag = "study-guides",
    params(PageQuery, StudyGuideQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<StudyGuide>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<StudyGuideQuery>,
) -> ApiResult<web::Json<Page<StudyGuide>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let guides = state
        .repositories
        .study_guides
        .list(user.user_id, filter, page)
        .await?;
    Ok(web::Json(guides))
}

/// Reads a study guide.
#[utoipa::path(get, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StudyGuide), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StudyGuideId>,
) -> ApiResult<web::Json<StudyGuide>> {
    let guide = state
        .repositories
        .study_guides
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(guide))
}

/// Changes a study guide.
#[utoipa::path(patch, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), request_body = UpdateStudyGuide,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StudyGuide), (status = 401, body = Problem),
        (status = 404,
            description = "The guide, or a newly linked course, note or document, is not the \
                           student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StudyGuideId>,
    body: ApiJson<UpdateStudyGuide>,
) -> ApiResult<web::Json<StudyGuide>> {
    let update = body.into_inner().into_domain()?;
    let guide = state
        .repositories
        .study_guides
        .update(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(guide))
}

/// Deletes a study guide.
#[utoipa::path(delete, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StudyGuideId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .study_guides
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
