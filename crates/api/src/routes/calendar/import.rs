//! `POST /api/v1/calendar-events/import`: an iCalendar file or URL into the student's
//! calendar; and `/api/v1/calendar/subscriptions`, the URLs fetched again on a schedule.

use actix_web::{HttpRequest, web};
use serde::{Deserialize, Serialize};
use sophie_domain::services::calendar_import::{
    CalendarImportRequest, CalendarImportService, CalendarSource,
};
use sophie_domain::values::{FieldContext as _, TimeZone, WebUrl};
use sophie_domain::{
    CalendarEvent, CalendarSubscription, CalendarSubscriptionId, CourseId, DomainError,
};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::json;
use crate::reply::NoContent;
use crate::routes::documents::upload;
use crate::state::AppState;

/// An iCalendar file to import, as `multipart/form-data`.
// Deserialize only for its serde attributes, which the schema reads.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "ImportCalendarFile")]
#[allow(dead_code)] // Only describes the form for the OpenAPI document.
pub(crate) struct ImportCalendarForm {
    /// The `.ics` file (UTF-8 iCalendar, RFC 5545), at most 10 MiB and 2,000 events.
    #[schema(value_type = String, format = Binary, content_media_type = "text/calendar")]
    file: Vec<u8>,
    /// The course to file the events under; the student's own. Leave the part out for none.
    #[schema(value_type = String, format = Uuid, required = false)]
    course_id: String,
    /// The IANA zone of times the file gives without one (`Europe/Berlin`), unless it names
    /// its own (`X-WR-TIMEZONE`); UTC by default.
    #[schema(value_type = String, required = false)]
    time_zone: String,
}

/// An iCalendar URL to import and subscribe to, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(title = "ImportCalendarUrl")]
pub(crate) struct ImportCalendarUrl {
    /// The calendar's address: an http(s) URL whose host resolves to public addresses only
    /// (a `webcal://` link is read as `https://`).
    #[schema(value_type = WebUrl, inline)]
    url: String,
    /// The course to file the events under; the student's own.
    course_id: Option<CourseId>,
    /// The IANA zone of times the calendar gives without one; UTC by default.
    #[schema(value_type = Option<String>)]
    time_zone: Option<String>,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CalendarImportAnswer {
    /// Events made.
    created: u32,
    /// Events imported before (by `UID`) and changed now.
    updated: u32,
    /// Events imported before and the same now.
    unchanged: u32,
    /// Events of the subscription that the source no longer holds, removed.
    removed: u32,
    /// The events made or changed.
    events: Vec<CalendarEvent>,
    /// For a URL: the subscription that keeps the events in step with it.
    subscription: Option<CalendarSubscription>,
}

fn service(state: &AppState) -> ApiResult<&CalendarImportService> {
    Ok(state
        .calendar_imports
        .as_deref()
        .ok_or(DomainError::NotImplemented {
            feature: "iCalendar imports",
        })?)
}

fn zone(name: Option<String>, field: &'static str) -> ApiResult<Option<TimeZone>> {
    name.map(|name| TimeZone::parse(&name))
        .transpose()
        .map_err(|e| ApiError::field(field, e.to_string()))
}

/// Imports an iCalendar calendar into the student's calendar, all or nothing.
///
/// Send a `.ics` file as `multipart/form-data` (`file`, optional `courseId` and `timeZone`),
/// or a URL as JSON (`{"url": …}`). Each `VEVENT` becomes an event: its times in their zone
/// (an IANA `TZID`, a Windows or Outlook zone name, or a `VTIMEZONE` matched to an IANA zone by
/// its offsets), all-day events as dates, `DURATION` as an end, `RRULE`, `EXDATE` and `RDATE`
/// as its recurrence, a `VEVENT` with a `RECURRENCE-ID` as a change (or, with
/// `STATUS:CANCELLED`, a cancellation) of that occurrence, `VALARM`s before the start as
/// reminders, `CATEGORIES` naming a type as its type, `PRIORITY` as its priority.
///
/// Importing is idempotent by `UID`: an event imported before is changed (its `sequence`
/// raised) when it differs, left alone when it does not, never duplicated. A URL is checked
/// like every link a student gives (no private addresses, before and after redirects),
/// fetched, and kept as a subscription: the worker fetches it again every six hours, changing,
/// adding and removing its events as the source does. Bad input (not iCalendar, more than
/// 2,000 events, a malformed date, zone or rule, named with the event's `UID`) is a 422 and
/// imports nothing.
#[utoipa::path(post, path = "/api/v1/calendar-events/import", tag = "calendar",
    request_body(content(
        (ImportCalendarUrl = "application/json"),
        (ImportCalendarForm = "multipart/form-data"))),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Imported: what was made, changed, left and removed",
            body = CalendarImportAnswer),
        (status = 400, description = "The body cannot be read (malformed JSON or multipart)",
            body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The course is not the student's, or nothing is at the \
            URL", body = Problem),
        (status = 413, description = "The file, the body or the fetched calendar is larger \
            than its limit", body = Problem),
        (status = 409, description = "Another import of the same calendar is being written at \
            the same moment; send it again", body = Problem),
        (status = 415, description = "Neither JSON nor multipart/form-data", body = Problem),
        (status = 422, description = "No file, not iCalendar, more than 2,000 events, an event \
            that does not read (its UID and property named), a URL that is not http(s) or not \
            public, a bad time zone or course id, or an unknown part", body = Problem),
        (status = 501, description = "A server built without imports (never `sophie serve`)",
            body = Problem),
        (status = 503, description = "The URL cannot be reached now", body = Problem)))]
pub(crate) async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<web::Json<CalendarImportAnswer>> {
    let imports = service(&state)?;
    let headers = request.headers();
    let request = if upload::is_multipart(headers) {
        let limit = imports.limits().max_bytes;
        let parts = upload::read_parts(
            headers,
            payload,
            limit,
            || {
                ApiError::Domain(DomainError::TooLarge {
                    field: "file".into(),
                    message: format!("an iCalendar file may be at most {limit} bytes"),
                })
            },
            Some("timeZone"),
        )
        .await?;
        if parts.title.is_some() {
            return Err(ApiError::field(
                "title",
                "is not a part of a calendar import (file, courseId, timeZone)",
            ));
        }
        let Some(file) = parts.file else {
            return Err(ApiError::field("file", "required: the .ics file"));
        };
        CalendarImportRequest {
            source: CalendarSource::File(file.bytes),
            course_id: parts.course_id,
            time_zone: zone(parts.extra, "timeZone")?,
        }
    } else if json::is_json(headers) {
        let bytes = json::read_body(payload, state.config.json_limit).await?;
        let body: ImportCalendarUrl = json::parse_json(&bytes)?;
        let url = match body.url.trim().strip_prefix("webcal://") {
            Some(rest) => format!("https://{rest}"),
            None => body.url.trim().to_owned(),
        };
        CalendarImportRequest {
            source: CalendarSource::Url(WebUrl::parse(url).field("url")?),
            course_id: body.course_id,
            time_zone: zone(body.time_zone, "timeZone")?,
        }
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send a URL as application/json, or an .ics file as multipart/form-data".to_owned(),
        ));
    };
    let outcome = imports.import(user.user_id, request).await?;
    Ok(web::Json(CalendarImportAnswer {
        created: outcome.imported.created,
        updated: outcome.imported.updated,
        unchanged: outcome.imported.unchanged,
        removed: outcome.imported.removed,
        events: outcome.imported.events,
        subscription: outcome.subscription,
    }))
}

/// Lists the student's calendar subscriptions, oldest first: each URL, its course, how many
/// events its last successful fetch held, when it was last fetched, and why that failed if it
/// did.
#[utoipa::path(get, path = "/api/v1/calendar/subscriptions", tag = "calendar",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<CalendarSubscription>), (status = 401, body = Problem),
        (status = 501, description = "A server built without imports (never `sophie serve`)",
            body = Problem)))]
pub(crate) async fn subscriptions(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<Vec<CalendarSubscription>>> {
    Ok(web::Json(
        service(&state)?.subscriptions(user.user_id).await?,
    ))
}

/// Removes a calendar subscription and the events it brought.
#[utoipa::path(delete, path = "/api/v1/calendar/subscriptions/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 501, description = "A server built without imports (never `sophie serve`)",
            body = Problem)))]
pub(crate) async fn unsubscribe(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CalendarSubscriptionId>,
) -> ApiResult<NoContent> {
    service(&state)?
        .unsubscribe(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}

/// Fetches a calendar subscription now, as the worker does every six hours, and answers it:
/// its events changed, added and removed as the source has them, or (the events kept) why the
/// source no longer reads in `lastError`.
#[utoipa::path(post, path = "/api/v1/calendar/subscriptions/{id}/refresh", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CalendarSubscription), (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "The worker is fetching it at the same moment; send it \
            again", body = Problem),
        (status = 501, description = "A server built without imports (never `sophie serve`)",
            body = Problem),
        (status = 503, description = "The URL cannot be reached now", body = Problem)))]
pub(crate) async fn refresh(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<CalendarSubscriptionId>,
) -> ApiResult<web::Json<CalendarSubscription>> {
    Ok(web::Json(
        service(&state)?
            .refresh(user.user_id, id.into_inner())
            .await?,
    ))
}
