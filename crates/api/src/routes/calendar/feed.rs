//! `/api/v1/calendar`: the student's calendar as a private iCalendar feed, for the calendar
//! apps of their phone and computer to subscribe to.

use std::time::SystemTime;

use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::CourseId;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::query::ApiQuery;
use crate::state::AppState;
use crate::validate::{Fields, id_param};

/// The address of the student's calendar feed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeedAddress {
    /// The feed's URL, to subscribe to from a calendar app (no sign-in needed: keep it
    /// private). Add `?courseId=` for one course's events.
    pub url: String,
    /// The token in the URL; a new one revokes this one.
    pub token: String,
}

/// Narrows the feed to one course.
// `utoipa::IntoParams` stays qualified: see `CalendarQuery`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct FeedQuery {
    /// Only the events of this course (one of the student's).
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
}

/// Makes a new private feed token, revoking the one before: the calendar apps subscribed with
/// the old URL stop receiving the calendar.
#[utoipa::path(post, path = "/api/v1/calendar/feed-token", tag = "calendar",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The new feed URL", body = FeedAddress),
        (status = 401, body = Problem)))]
pub(super) async fn rotate_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> ApiResult<web::Json<FeedAddress>> {
    let token = state.calendar().rotate_feed_token(user.user_id).await?;
    let connection = request.connection_info();
    let url = format!(
        "{}://{}/api/v1/calendar/feed/{token}.ics",
        connection.scheme(),
        connection.host()
    );
    Ok(web::Json(FeedAddress { url, token }))
}

/// The student's calendar as iCalendar (RFC 5545), opened by the token of the feed URL instead
/// of a session: every event with its recurrence, moved and cancelled occurrences, time zones
/// (`VTIMEZONE`), type (`CATEGORIES`), priority and reminders (`VALARM`). `ETag` and
/// `Last-Modified` are answered, and `304` to a request whose `If-None-Match` (or, without
/// it, `If-Modified-Since`) shows the feed unchanged.
#[utoipa::path(get, path = "/api/v1/calendar/feed/{token}.ics", tag = "calendar",
    params(("token" = String, Path, description = "The feed token"), FeedQuery),
    responses(
        (status = 200, description = "The calendar",
            content((String = "text/calendar")),
            headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "Unchanged since the version the client holds"),
        (status = 404, description = "No feed has this token (it was replaced), or the \
            course is not the student's", body = Problem),
        (status = 422, description = "A bad courseId", body = Problem)))]
pub(super) async fn feed(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: ApiQuery<FeedQuery>,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    let course = course_param(query.into_inner())?;
    let feed = state.calendar().feed(&token, course).await?;
    let last_modified = HttpDate::from(SystemTime::from(feed.last_modified));
    let unchanged = match request.headers().get(header::IF_NONE_MATCH) {
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            tags.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == "*" || tag == feed.etag)
        }),
        None => request
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|since| since.to_str().ok())
            .and_then(|since| since.parse::<HttpDate>().ok())
            .is_some_and(|since| not_after(feed.last_modified, since)),
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, feed.etag))
        .insert_header((header::LAST_MODIFIED, last_modified))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"calendar.ics\"",
        ))
        .body(feed.body))
}

fn course_param(query: FeedQuery) -> ApiResult<Option<CourseId>> {
    let mut fields = Fields::new();
    let course = fields.check_opt("courseId", query.course_id, id_param);
    fields.finish()?;
    Ok(course.flatten())
}

/// Whether `modified` (to the second) is not after `since`.
fn not_after(modified: DateTime<Utc>, since: HttpDate) -> bool {
    SystemTime::from(modified) <= SystemTime::from(since)
}
