//! `/api/v1/notifications`: what the student should know. The system sends them; the student
//! reads, marks and deletes them.

use actix_web::web;
use sophie_domain::{Notification, NotificationId, NotificationType, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::NoContent;
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{NotificationQuery, ReadAll, UnreadCount};

#[derive(OpenApi)]
#[openapi(
    paths(list, unread_count, mark_read, mark_all_read, delete),
    components(schemas(Notification, NotificationType, Page<Notification>, UnreadCount, ReadAll)),
    tags((name = "notifications", description = "What the student should know: imports \
                                                  finished, events coming up"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    // The literal paths come before `/{id}`, which would otherwise take them.
    cfg.service(
        web::scope("/notifications")
            .service(web::resource("").route(web::get().to(list)))
            .service(web::resource("/unread-count").route(web::get().to(unread_count)))
            .service(web::resource("/read-all").route(web::post().to(mark_all_read)))
            .service(web::resource("/{id}").route(web::delete().to(delete)))
            .service(web::resource("/{id}/read").route(web::post().to(mark_read))),
    );
}

/// Lists the student's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    params(PageQuery, NotificationQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Notification>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<NotificationQuery>,
) -> ApiResult<web::Json<Page<Notification>>> {
    let page = page.to_request()?;
    let notifications = state
        .repositories
        .notifications
        .list(user.user_id, filter.to_filter(), page)
        .await?;
    Ok(web::Json(notifications))
}

/// Counts the student's unread notifications, for a badge.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem)))]
async fn unread_count(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<UnreadCount>> {
    let count = state
        .repositories
        .notifications
        .count_unread(user.user_id)
        .await?;
    Ok(web::Json(UnreadCount { count }))
}

/// Marks a notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Notification), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn mark_read(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NotificationId>,
) -> ApiResult<web::Json<Notification>> {
    let notification = state
        .repositories
        .notifications
        .mark_read(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(notification))
}

/// Marks every notification of the student's read; answers how many changed.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ReadAll), (status = 401, body = Problem)))]
async fn mark_all_read(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<ReadAll>> {
    let updated = state
        .repositories
        .notifications
        .mark_all_read(user.user_id)
        .await?;
    Ok(web::Json(ReadAll { updated }))
}

/// Deletes a notification.
#[utoipa::path(delete, path = "/api/v1/notifications/{id}", tag = "notifications",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NotificationId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .notifications
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
