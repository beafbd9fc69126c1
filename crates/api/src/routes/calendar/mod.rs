//! `/api/v1/calendar-events`: lectures, exams and deadlines in the student's calendar.

use actix_web::web;
use sophie_domain::{CalendarEvent, CalendarEventId, Page};
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

use body::{CalendarQuery, CreateCalendarEvent, UpdateCalendarEvent};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(
        CreateCalendarEvent,
        UpdateCalendarEvent,
        CalendarEvent,
        Page<CalendarEvent>
    )),
    tags((name = "calendar", description = "Events in the student's calendar"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/calendar-events")
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

/// Creates a calendar event.
#[utoipa::path(post, path = "/api/v1/calendar-events", tag = "calendar",
    request_body = CreateCalendarEvent, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404, description = "The course or document is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateCalendarEvent>,
) -> ApiResult<Created<CalendarEvent>> {
    let new = body.into_inner().into_domain()?;
    let event = state
        .repositories
        .calendar
        .create(user.user_id, new)
        .await?;
    Ok(Created::at(
        format!("/api/v1/calendar-events/{}", event.id),
        event,
    ))
}

/// Lists the student's events **by start date, earliest first**.
#[utoipa::path(get, path = "/api/v1/calendar-events", tag = "calendar",
    params(PageQuery, CalendarQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<CalendarEvent>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<CalendarQuery>,
) -> ApiResult<web::Json<Page<CalendarEvent>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let events = state
        .repositories
        .calendar
        .list(user.user_id, filter, page)
        .await?;
    Ok(web::Json(events))
}

/// Reads a calendar event.
#[utoipa::path(get, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CalendarEventId>,
) -> ApiResult<web::Json<CalendarEvent>> {
    let event = state
        .repositories
        .calendar
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(event))
}

/// Changes a calendar event. A new start or end is checked against the other one, as stored
/// when it does not change: the event never ends before it starts.
#[utoipa::path(patch, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), request_body = UpdateCalendarEvent,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404,
            description = "The event, or a new course or document, is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CalendarEventId>,
    body: ApiJson<UpdateCalendarEvent>,
) -> ApiResult<web::Json<CalendarEvent>> {
    let id = id.into_inner();
    let body = body.into_inner();
    // Start and end are validated as a whole, so a change to one is merged with the other as
    // stored. (A concurrent change to the schedule between this read and the write is lost to
    // this one, as with any PATCH.)
    let current = if body.changes_schedule() {
        Some(state.repositories.calendar.get(user.user_id, id).await?)
    } else {
        None
    };
    let update = body.into_domain(current.as_ref())?;
    let event = state
        .repositories
        .calendar
        .update(user.user_id, id, update)
        .await?;
    Ok(web::Json(event))
}

/// Deletes a calendar event.
#[utoipa::path(delete, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CalendarEventId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .calendar
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
