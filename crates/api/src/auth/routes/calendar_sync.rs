//! `/api/v1/me/calendar-sync`: the two-way sync of the student's calendar with a Google
//! calendar. Connecting links the Google account with access to calendars; the student then
//! chooses a calendar of theirs or has sophie create one; runs follow each change in sophie,
//! and come at least every `CALENDAR_SYNC_INTERVAL_SECS`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::ports::RemoteCalendar;
use sophie_domain::services::calendar_sync::{CalendarChoice, CalendarSyncService};
use sophie_domain::services::federation::CalendarAccess;
use sophie_domain::values::{BoundedText, TimeZone, Title};
use sophie_domain::{AccountId, CalendarSync, DomainError, SyncState};
use utoipa::ToSchema;

use super::oidc::{LinkStarted, flow_started};
use crate::auth::session::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::{ApiJson, parse_json, read_body};
use crate::state::AppState;
use crate::validate::Fields;

fn sync_service(state: &AppState) -> Result<&CalendarSyncService, DomainError> {
    state
        .calendar_sync
        .as_deref()
        .ok_or(DomainError::NotImplemented {
            feature: "Google Calendar sync (OIDC_CLIENT_ID is not set)",
        })
}

/// Where the student's calendar sync stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SyncStatus {
    /// Whether a Google calendar is connected.
    connected: bool,
    /// The linked Google account the sync acts through.
    account_id: Option<AccountId>,
    /// The Google calendar kept in step; `null` until one is chosen or created.
    calendar_id: Option<String>,
    /// `IDLE`, `SYNCING`, `FAILED` (tried again; see `lastError`) or `NEEDS_RECONNECTION`
    /// (Google no longer lets sophie act: connect again); `null` when not connected.
    state: Option<SyncState>,
    /// Why the last run failed, or which events Google refused.
    last_error: Option<String>,
    /// When the last run started.
    #[serde(serialize_with = "sophie_domain::timestamp::serialize_option")]
    last_attempt_at: Option<DateTime<Utc>>,
    /// When a run last ended well.
    #[serde(serialize_with = "sophie_domain::timestamp::serialize_option")]
    last_synced_at: Option<DateTime<Utc>>,
}

impl From<Option<CalendarSync>> for SyncStatus {
    fn from(sync: Option<CalendarSync>) -> Self {
        match sync {
            None => Self {
                connected: false,
                account_id: None,
                calendar_id: None,
                state: None,
                last_error: None,
                last_attempt_at: None,
                last_synced_at: None,
            },
            Some(sync) => Self {
                connected: true,
                account_id: Some(sync.account_id),
                calendar_id: sync.calendar_id,
                state: Some(sync.state),
                last_error: sync.last_error,
                last_attempt_at: sync.last_attempt_at,
                last_synced_at: sync.last_synced_at,
            },
        }
    }
}

/// Which access to grant.
#[derive(Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Connect {
    /// `own` (the default): a calendar sophie creates, and no other
    /// (`calendar.app.created`); `existing`: a calendar the student chooses
    /// (`calendar.events` and `calendar.calendarlist.readonly`).
    #[serde(default)]
    access: CalendarAccess,
}

/// The calendar to keep in step: an existing one by `calendarId`, or else a new one sophie
/// creates, named `name` in `timeZone`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ChooseCalendar {
    /// One of the student's calendars (`GET /api/v1/me/calendar-sync/calendars`); leave it out
    /// to have sophie create one.
    #[schema(value_type = Option<BoundedText<1024>>, inline)]
    calendar_id: Option<String>,
    /// The name of the calendar created (`sophie` unless given); only when creating.
    #[schema(value_type = Option<Title>, inline)]
    name: Option<String>,
    /// The IANA time zone of the calendar created (the student's, or UTC, unless given);
    /// only when creating.
    #[schema(value_type = Option<String>)]
    time_zone: Option<String>,
}

/// Starts connecting the student's Google calendar: answers the consent URL to send the
/// browser to (asking for a refresh token and the access chosen), and sets the flow's cookie.
/// The callback (`GET /api/v1/auth/oidc/callback`, 201) links the Google account and connects
/// the sync; then choose a calendar with `PATCH /api/v1/me/calendar-sync`.
#[utoipa::path(post, path = "/api/v1/me/calendar-sync/connect", tag = "me",
    security(("bearer" = []), ("cookie" = [])), request_body(content = Option<Connect>),
    responses(
        (status = 200, body = LinkStarted, headers(("Set-Cookie" = String,
            description = "The flow's cookie: HttpOnly, SameSite=Lax, for the callback"))),
        (status = 400, body = Problem, description = "A body that is not a JSON object"),
        (status = 401, body = Problem),
        (status = 413, body = Problem, description = "A body over the JSON limit"),
        (status = 422, body = Problem, description = "An unknown `access`"),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed"))),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "The provider cannot be reached")))]
pub(crate) async fn connect_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let service = sync_service(&state)?;
    let body = read_body(payload, state.config.json_limit).await?;
    // The body may be left out altogether, or be `null`.
    let text = body.trim_ascii();
    let connect: Connect = if text.is_empty() || text == b"null" {
        Connect::default()
    } else {
        parse_json(text)?
    };
    state.limiter.attempt_as(user.user_id)?;
    let access = connect.access;
    let flow = service.connect(user.user_id, access).await?;
    Ok(flow_started(&state, flow))
}

/// Where the student's calendar sync stands: connected or not, the calendar kept in step, the
/// state of its runs and the last error.
#[utoipa::path(get, path = "/api/v1/me/calendar-sync", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SyncStatus), (status = 401, body = Problem),
        (status = 501, body = Problem, description = "No provider is configured")))]
pub(crate) async fn sync_status(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<SyncStatus>> {
    let service = sync_service(&state)?;
    Ok(web::Json(service.status(user.user_id).await?.into()))
}

/// The student's Google calendars that sophie may change (with the `existing` access).
#[utoipa::path(get, path = "/api/v1/me/calendar-sync/calendars", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<GoogleCalendar>), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Google no longer lets sophie act for \
            the student, or the access granted does not cover listing calendars"),
        (status = 404, body = Problem, description = "Disconnected meanwhile"),
        (status = 409, body = Problem, description = "No Google calendar is connected"),
        (status = 429, body = Problem, description = "Google asks to slow down"),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "Google cannot be reached")))]
pub(crate) async fn sync_calendars(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<Vec<GoogleCalendar>>> {
    let service = sync_service(&state)?;
    let calendars = service.calendars(user.user_id).await?;
    Ok(web::Json(calendars.into_iter().map(Into::into).collect()))
}

/// A Google calendar of the student's.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GoogleCalendar {
    /// Its id.
    id: String,
    /// Its name.
    summary: String,
    /// Whether it is the student's main calendar.
    primary: bool,
    /// `owner` or `writer`.
    access_role: String,
}

impl From<RemoteCalendar> for GoogleCalendar {
    fn from(c: RemoteCalendar) -> Self {
        Self {
            id: c.id,
            summary: c.summary,
            primary: c.primary,
            access_role: c.access_role,
        }
    }
}

/// Chooses the Google calendar to keep in step, or creates one, and runs the sync now.
/// Choosing another calendar than the current one copies every event to it.
#[utoipa::path(patch, path = "/api/v1/me/calendar-sync", tag = "me",
    security(("bearer" = []), ("cookie" = [])), request_body = ChooseCalendar,
    responses((status = 200, body = SyncStatus),
        (status = 400, body = Problem, description = "A body that is not JSON"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Google no longer lets sophie act for \
            the student, or the access granted does not cover this calendar"),
        (status = 404, body = Problem, description = "Disconnected meanwhile"),
        (status = 409, body = Problem, description = "No Google calendar is connected, or \
            one is kept in step already and no `calendarId` names where to move"),
        (status = 413, body = Problem, description = "A body over the JSON limit"),
        (status = 415, body = Problem, description = "A body that is not JSON"),
        (status = 422, body = Problem, description = "Not one of the student's calendars \
            that sophie may change (`calendarId`), a name over 200 characters or blank, or a \
            time zone that is not an IANA name (`timeZone`)"),
        (status = 429, body = Problem, description = "Google asks to slow down"),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "Google cannot be reached")))]
pub(crate) async fn choose_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<ChooseCalendar>,
) -> ApiResult<web::Json<SyncStatus>> {
    let service = sync_service(&state)?;
    let body = body.into_inner();
    let choice = match body.calendar_id {
        Some(id) => {
            let mut fields = Fields::new();
            let id = fields.check(
                "calendarId",
                BoundedText::<1024>::parse(id).map(|id| id.to_string()),
            );
            fields.finish()?;
            CalendarChoice::Existing(id.unwrap_or_default())
        }
        None => {
            let mut fields = Fields::new();
            let name = fields.check(
                "name",
                Title::parse(body.name.unwrap_or_else(|| "sophie".to_owned())),
            );
            let zone = fields.check_opt("timeZone", body.time_zone, |zone| TimeZone::parse(&zone));
            fields.finish()?;
            CalendarChoice::Create {
                name: name.map(|n| n.to_string()).unwrap_or_default(),
                // The student's zone, unless given.
                time_zone: match zone.flatten() {
                    Some(zone) => zone,
                    None => state
                        .repositories
                        .users
                        .get(user.user_id)
                        .await?
                        .time_zone
                        .and_then(|z| TimeZone::parse(&z).ok())
                        .unwrap_or(TimeZone::UTC),
                },
            }
        }
    };
    let sync = service.choose(user.user_id, choice).await?;
    Ok(web::Json(Some(sync).into()))
}

/// Runs the sync now (in the background; `GET /api/v1/me/calendar-sync` tells how it went).
#[utoipa::path(post, path = "/api/v1/me/calendar-sync/run", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = SyncStatus, description = "A run is on its way"),
        (status = 401, body = Problem),
        (status = 409, body = Problem, description = "No Google calendar is connected, or none \
            is chosen yet"),
        (status = 501, body = Problem, description = "No provider is configured")))]
pub(crate) async fn run_sync(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<HttpResponse> {
    let service = sync_service(&state)?;
    let sync = service.request_run(user.user_id).await?;
    Ok(HttpResponse::Accepted().json(SyncStatus::from(Some(sync))))
}

/// Disconnects the sync. Events stay in sophie and in Google; the Google account stays linked
/// (unlink it with `DELETE /api/v1/me/accounts/{id}`).
#[utoipa::path(delete, path = "/api/v1/me/calendar-sync", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Disconnected"), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "No Google calendar is connected"),
        (status = 501, body = Problem, description = "No provider is configured")))]
pub(crate) async fn disconnect_sync(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<HttpResponse> {
    let service = sync_service(&state)?;
    service.disconnect(user.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
