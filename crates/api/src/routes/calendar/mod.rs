//! `/api/v1/calendar-events`: lectures, exams and deadlines in the student's calendar; and
//! `/api/v1/calendar`, its iCalendar feed.

use actix_web::web;
use sophie_domain::{CalendarEvent, CalendarEventId, EventException, EventOccurrence, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod agenda;
mod body;
pub(crate) mod extractions;
mod feed;
mod import;
#[cfg(test)]
mod tests;

use body::{
    CalendarQuery, ChangeOccurrence, CreateCalendarEvent, UpdateCalendarEvent, original_start,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        create,
        list,
        get,
        update,
        delete,
        change_occurrence,
        cancel_occurrence,
        feed::rotate_token,
        feed::feed,
        agenda::agenda,
        import::import,
        import::subscriptions,
        import::unsubscribe,
        import::refresh,
        extractions::extract_from_document,
        extractions::extract_from_note,
        extractions::get_extraction,
        extractions::accept_proposals
    ),
    components(schemas(
        CreateCalendarEvent,
        UpdateCalendarEvent,
        ChangeOccurrence,
        CalendarEvent,
        EventOccurrence,
        EventException,
        Page<EventOccurrence>,
        feed::FeedAddress,
        sophie_domain::Agenda,
        sophie_domain::AgendaItem,
        sophie_domain::StudyFor,
        sophie_domain::QuizToTake,
        sophie_domain::CalendarSubscription,
        import::ImportCalendarForm,
        import::ImportCalendarUrl,
        import::CalendarImportAnswer,
        extractions::ExtractEvents,
        extractions::AcceptProposals,
        sophie_domain::EventExtraction,
        sophie_domain::EventProposal,
        sophie_domain::ProposalSource
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
            .service(web::resource("/import").route(web::post().to(import::import)))
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::patch().to(update))
                    .route(web::delete().to(delete)),
            )
            .service(
                web::resource("/{id}/occurrences/{originalStart}")
                    .route(web::put().to(change_occurrence))
                    .route(web::delete().to(cancel_occurrence)),
            ),
    )
    .service(
        web::scope("/calendar")
            .service(web::resource("/agenda").route(web::get().to(agenda::agenda)))
            .service(web::resource("/feed-token").route(web::post().to(feed::rotate_token)))
            .service(web::resource("/feed/{token}.ics").route(web::get().to(feed::feed)))
            .service(web::resource("/subscriptions").route(web::get().to(import::subscriptions)))
            .service(
                web::resource("/subscriptions/{id}").route(web::delete().to(import::unsubscribe)),
            )
            .service(
                web::resource("/subscriptions/{id}/refresh").route(web::post().to(import::refresh)),
            ),
    )
    .service(
        web::scope("/event-extractions")
            .service(web::resource("/{id}").route(web::get().to(extractions::get_extraction)))
            .service(
                web::resource("/{id}/accept").route(web::post().to(extractions::accept_proposals)),
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
    let body = body.into_inner();
    let defaults = if body.takes_default_reminders() {
        state
            .repositories
            .users
            .get(user.user_id)
            .await?
            .default_reminders
    } else {
        None
    };
    let new = body.into_domain(defaults.as_deref())?;
    let event = state.calendar().create(user.user_id, new).await?;
    Ok(Created::at(
        format!("/api/v1/calendar-events/{}", event.id),
        event,
    ))
}

/// Lists the student's events **by start date, earliest first**.
/// Lists the student's calendar, by start, earliest first. With both `from` and `to`, each
/// repeating event is expanded: every occurrence in the range is an item, with the event's
/// fields, its `eventId`, and the occurrence's `occurrenceStart`, `occurrenceEnd` and
/// `originalStart` (the key to change or cancel it), at the same local time in the event's
/// zone across daylight-saving changes; a changed occurrence has its own times, title and
/// location, a cancelled one is left out. Without both, each event is one item, as its first
/// occurrence.
#[utoipa::path(get, path = "/api/v1/calendar-events", tag = "calendar",
    params(PageQuery, CalendarQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<EventOccurrence>), (status = 401, body = Problem),
        (status = 422, description = "A bad filter or cursor; `to` before `from`, a range \
            longer than 366 days or holding more than 5,000 occurrences (the limit named), or \
            an event repeating more than 100,000 times between its start and `from` (named)",
            body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<CalendarQuery>,
) -> ApiResult<web::Json<Page<EventOccurrence>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let occurrences = state
        .calendar()
        .occurrences(user.user_id, filter, page)
        .await?;
    Ok(web::Json(occurrences))
}

/// Changes one occurrence of a repeating event (its start, end, title or location), found by
/// its original start (`originalStart` of the listed occurrence, RFC 3339). A later change of
/// the same occurrence replaces this one; changing nothing restores it, even after a
/// cancellation.
#[utoipa::path(put, path = "/api/v1/calendar-events/{id}/occurrences/{originalStart}",
    tag = "calendar",
    params(("id" = Uuid, Path),
        ("originalStart" = DateTime<Utc>, Path, description = "The occurrence's start in the \
            series (RFC 3339)")),
    request_body = ChangeOccurrence, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = EventException), (status = 401, body = Problem),
        (status = 404, description = "The event is not the student's, or has no occurrence \
            starting then", body = Problem),
        (status = 422, description = "The event does not repeat, the end is before the start, \
            or a bad field", body = Problem)))]
async fn change_occurrence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(CalendarEventId, String)>,
    body: ApiJson<ChangeOccurrence>,
) -> ApiResult<web::Json<EventException>> {
    let (id, start) = path.into_inner();
    let start = original_start(&start)?;
    let change = body.into_inner().into_domain()?;
    let exception = state
        .calendar()
        .change_occurrence(user.user_id, id, start, change)
        .await?;
    Ok(web::Json(exception))
}

/// Cancels one occurrence of a repeating event: it is no longer listed. `PUT` on the same
/// path restores it.
#[utoipa::path(delete, path = "/api/v1/calendar-events/{id}/occurrences/{originalStart}",
    tag = "calendar",
    params(("id" = Uuid, Path),
        ("originalStart" = DateTime<Utc>, Path, description = "The occurrence's start in the \
            series (RFC 3339)")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem),
        (status = 404, description = "The event is not the student's, or has no occurrence \
            starting then", body = Problem),
        (status = 422, description = "The event does not repeat, or a bad original start",
            body = Problem)))]
async fn cancel_occurrence(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(CalendarEventId, String)>,
) -> ApiResult<NoContent> {
    let (id, start) = path.into_inner();
    let start = original_start(&start)?;
    state
        .calendar()
        .cancel_occurrence(user.user_id, id, start)
        .await?;
    Ok(NoContent)
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
    let event = state.calendar().update(user.user_id, id, update).await?;
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
        .calendar()
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
