//! `/api/v1/courses`: the courses a student takes.

use actix_web::web;
use sophie_domain::{Course, CourseId, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{CreateCourse, UpdateCourse};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(CreateCourse, UpdateCourse, Course, Page<Course>)),
    tags((name = "courses", description = "The courses a student takes"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/courses")
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

/// Creates a course.
#[utoipa::path(post, path = "/api/v1/courses", tag = "courses", request_body = CreateCourse,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Course), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateCourse>,
) -> ApiResult<Created<Course>> {
    let new = body.into_inner().into_domain()?;
    let course = state.repositories.courses.create(user.user_id, new).await?;
    Ok(Created::at(
        format!("/api/v1/courses/{}", course.id),
        course,
    ))
}

/// Lists the student's courses, newest first.
#[utoipa::path(get, path = "/api/v1/courses", tag = "courses", params(PageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Course>), (status = 401, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
) -> ApiResult<web::Json<Page<Course>>> {
    let page = page.to_request()?;
    let courses = state.repositories.courses.list(user.user_id, page).await?;
    Ok(web::Json(courses))
}

/// Reads a course.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Course), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CourseId>,
) -> ApiResult<web::Json<Course>> {
    let course = state
        .repositories
        .courses
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(course))
}

/// Changes a course.
#[utoipa::path(patch, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    request_body = UpdateCourse, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Course), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CourseId>,
    body: ApiJson<UpdateCourse>,
) -> ApiResult<web::Json<Course>> {
    let update = body.into_inner().into_domain()?;
    let course = state
        .repositories
        .courses
        .update(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(course))
}

/// Deletes a course; what was filed under it stays, unfiled.
#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CourseId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .courses
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
