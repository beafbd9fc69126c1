//! Google Calendar API v3 over a thin `reqwest` client: the calls a two-way sync makes.
//!
//! Facts of the API it is built for:
//!
//! - `events.insert` answers 200; an id chosen by the client makes a retried insert a 409
//!   instead of a duplicate (told as `Conflict` on `id`);
//! - an incremental list (`syncToken`) returns deleted events as `status: cancelled` with
//!   little more than the id, and takes no `timeMin`, `timeMax`, `q`, `orderBy` or
//!   `updatedMin`; a sync token the server no longer accepts is a `410 Gone` (told as
//!   `Conflict` on `syncToken`);
//! - times come back in the event's offset: they are read as instants;
//! - `429` and `403 rateLimitExceeded` are told as `RateLimited` (the caller backs off);
//!   `403 insufficientPermissions` as `Forbidden`, not worth retrying; a `5xx` is retried
//!   here a few times, then told as `Unavailable`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{
    CalendarProvider, RemoteCalendar, RemoteEvent, RemoteEventPage, RemoteStatus, RemoteTime,
};

use crate::http::{Attempt, Failure, RetryPolicy, retry_after, with_retries};

/// Google's endpoint.
pub const GOOGLE_CALENDAR_BASE_URL: &str = "https://www.googleapis.com/calendar/v3";

const SERVICE: &str = "Google Calendar";
/// What a listing of events is called in errors (and how a 410 is told apart).
const LISTING: &str = "event list";
/// Events per page of a listing.
const PAGE_SIZE: &str = "250";

/// Where the Calendar API is and how long a call may take.
#[derive(Clone, Debug)]
pub struct GoogleCalendarConfig {
    /// The API's base URL (`GOOGLE_CALENDAR_BASE_URL`).
    pub base_url: String,
    /// The timeout of one request.
    pub timeout: Duration,
}

impl Default for GoogleCalendarConfig {
    fn default() -> Self {
        Self {
            base_url: GOOGLE_CALENDAR_BASE_URL.to_owned(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A [`CalendarProvider`] speaking Google Calendar API v3.
#[derive(Clone, Debug)]
pub struct GoogleCalendar {
    base: Url,
    http: reqwest::Client,
    retries: RetryPolicy,
}

impl GoogleCalendar {
    /// A client of the API at `config.base_url`.
    ///
    /// # Errors
    ///
    /// `Validation` when the base URL is not an `http` or `https` URL; `Internal` when the
    /// HTTP client cannot be built.
    pub fn new(config: &GoogleCalendarConfig) -> DomainResult<Self> {
        let base = Url::parse(config.base_url.trim_end_matches('/'))
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base())
            .ok_or_else(|| {
                DomainError::validation(
                    "GOOGLE_CALENDAR_BASE_URL",
                    "must be an http:// or https:// URL",
                )
            })?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| DomainError::internal_from("the Google Calendar HTTP client", e))?;
        Ok(Self {
            base,
            http,
            retries: RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(250),
                max_delay: Duration::from_secs(4),
            },
        })
    }

    /// The URL of `segments` under the base, each segment escaped (calendar ids hold `@`).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends one request (retried on `5xx` and network failures) and reads its JSON answer.
    async fn call<T: for<'de> Deserialize<'de>, B: Serialize + Sync>(
        &self,
        method: Method,
        url: Url,
        access_token: &str,
        body: Option<&B>,
        what: &'static str,
    ) -> DomainResult<Option<T>> {
        let endpoint = format!("{} {}", method, url.path());
        with_retries(self.retries, SERVICE, &endpoint, || {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(access_token);
            if let Some(body) = body {
                request = request.json(body);
            }
            async move {
                let response = match request.send().await {
                    Ok(response) => response,
                    Err(e) => return Attempt::Failed(Failure::new(format!("{e}"))),
                };
                let status = response.status();
                let wait = retry_after(response.headers());
                let text = response.text().await.unwrap_or_default();
                if status == StatusCode::NO_CONTENT || (status.is_success() && text.is_empty()) {
                    return Attempt::Done(None);
                }
                if status.is_success() {
                    return match serde_json::from_str(&text) {
                        Ok(value) => Attempt::Done(Some(value)),
                        Err(e) => Attempt::Refused(DomainError::Unavailable {
                            service: SERVICE,
                            message: format!("an answer that is not a {what}: {e}"),
                        }),
                    };
                }
                classify(status, &text, wait, what)
            }
        })
        .await
    }
}

/// A failed answer as the domain tells it (see the module's notes).
fn classify<T>(status: StatusCode, body: &str, wait: Option<Duration>, what: &str) -> Attempt<T> {
    let error: WireError = serde_json::from_str(body).unwrap_or_default();
    let reasons: Vec<&str> = error
        .error
        .errors
        .iter()
        .map(|e| e.reason.as_str())
        .collect();
    let message = error.error.message.chars().take(300).collect::<String>();
    let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && reasons
                .iter()
                .any(|r| matches!(*r, "rateLimitExceeded" | "userRateLimitExceeded")));
    if rate_limited {
        return Attempt::Refused(DomainError::RateLimited {
            retry_after_seconds: wait.map_or(1, |w| w.as_secs().max(1)),
        });
    }
    if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        return Attempt::Failed(Failure {
            reason: format!("{status}: {message}"),
            retry_after: wait,
        });
    }
    Attempt::Refused(match status {
        StatusCode::BAD_REQUEST => DomainError::validation(
            "event",
            format!("Google Calendar refused the {what}: {message}"),
        ),
        StatusCode::UNAUTHORIZED => DomainError::Unauthorized,
        StatusCode::FORBIDDEN => DomainError::Forbidden(format!(
            "Google Calendar refused the {what} ({}): {message}",
            reasons.first().copied().unwrap_or("forbidden")
        )),
        StatusCode::NOT_FOUND => DomainError::not_found("Google Calendar item"),
        StatusCode::CONFLICT => DomainError::conflict("id", "an event with this id exists"),
        StatusCode::GONE if what == LISTING => DomainError::conflict(
            "syncToken",
            "Google Calendar no longer accepts the sync token: list everything again",
        ),
        // An event deleted before.
        StatusCode::GONE => DomainError::not_found("Google Calendar item"),
        other => DomainError::Unavailable {
            service: SERVICE,
            message: format!("{other} for the {what}: {message}"),
        },
    })
}

#[async_trait]
impl CalendarProvider for GoogleCalendar {
    async fn calendars(&self, access_token: &str) -> DomainResult<Vec<RemoteCalendar>> {
        let mut calendars = Vec::new();
        let mut page: Option<String> = None;
        // At most 100 pages: a server that repeats its page token does not keep sophie busy.
        for _ in 0..100 {
            let mut url = self.url(&["users", "me", "calendarList"]);
            if let Some(token) = &page {
                url.query_pairs_mut().append_pair("pageToken", token);
            }
            let list: WireCalendarList = self
                .call(Method::GET, url, access_token, None::<&()>, "calendar list")
                .await?
                .unwrap_or_default();
            calendars.extend(list.items.into_iter().map(RemoteCalendar::from));
            match list.next_page_token {
                Some(token) if page.as_ref() != Some(&token) => page = Some(token),
                _ => return Ok(calendars),
            }
        }
        Ok(calendars)
    }

    async fn create_calendar(
        &self,
        access_token: &str,
        summary: &str,
        time_zone: &str,
    ) -> DomainResult<RemoteCalendar> {
        let url = self.url(&["calendars"]);
        let body = serde_json::json!({ "summary": summary, "timeZone": time_zone });
        let created: WireCalendar = self
            .call(Method::POST, url, access_token, Some(&body), "new calendar")
            .await?
            .ok_or_else(|| DomainError::internal("Google Calendar answered no calendar"))?;
        Ok(RemoteCalendar {
            access_role: "owner".to_owned(),
            ..RemoteCalendar::from(created)
        })
    }

    async fn insert(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent> {
        let url = self.url(&["calendars", calendar, "events"]);
        let wire = WireEvent::from(event);
        let answer: WireEvent = self
            .call(Method::POST, url, access_token, Some(&wire), "event")
            .await?
            .ok_or_else(|| DomainError::internal("Google Calendar answered no event"))?;
        answer.into_remote()
    }

    async fn patch(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent> {
        let url = self.url(&["calendars", calendar, "events", &event.id]);
        let wire = WireEvent {
            id: None,
            ..WireEvent::from(event)
        };
        let answer: WireEvent = self
            .call(Method::PATCH, url, access_token, Some(&wire), "event")
            .await?
            .ok_or_else(|| DomainError::internal("Google Calendar answered no event"))?;
        answer.into_remote()
    }

    async fn delete(&self, access_token: &str, calendar: &str, id: &str) -> DomainResult<()> {
        let url = self.url(&["calendars", calendar, "events", id]);
        match self
            .call::<serde_json::Value, ()>(Method::DELETE, url, access_token, None, "deletion")
            .await
        {
            // Gone already (410 for an event deleted before): what was asked holds.
            Ok(_) | Err(DomainError::NotFound { .. }) => Ok(()),
            Err(other) => Err(other),
        }
    }

    async fn list<'a>(
        &self,
        access_token: &str,
        calendar: &str,
        sync_token: Option<&'a str>,
        page_token: Option<&'a str>,
    ) -> DomainResult<RemoteEventPage> {
        let mut url = self.url(&["calendars", calendar, "events"]);
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("maxResults", PAGE_SIZE);
            // Nothing else beside a sync token: the API refuses it.
            if let Some(token) = sync_token {
                query.append_pair("syncToken", token);
            }
            if let Some(token) = page_token {
                query.append_pair("pageToken", token);
            }
        }
        // An empty answer would lose the caller's sync token: it is an error.
        let list: WireEventList = self
            .call(Method::GET, url, access_token, None::<&()>, LISTING)
            .await?
            .ok_or_else(|| DomainError::Unavailable {
                service: SERVICE,
                message: "an empty answer to an event listing".to_owned(),
            })?;
        Ok(RemoteEventPage {
            events: list
                .items
                .into_iter()
                .map(WireEvent::into_remote)
                .collect::<DomainResult<_>>()?,
            next_page_token: list.next_page_token,
            next_sync_token: list.next_sync_token,
        })
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCalendarList {
    #[serde(default)]
    items: Vec<WireCalendar>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCalendar {
    id: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    access_role: String,
}

impl From<WireCalendar> for RemoteCalendar {
    fn from(wire: WireCalendar) -> Self {
        Self {
            id: wire.id,
            summary: wire.summary,
            primary: wire.primary,
            access_role: wire.access_role,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEventList {
    #[serde(default)]
    items: Vec<WireEvent>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

/// An event as the API writes it. `None` fields are sent as `null`, which a patch takes as
/// "clear it".
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    summary: Option<String>,
    description: Option<String>,
    location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<WireTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<WireTime>,
    #[serde(default)]
    recurrence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reminders: Option<WireReminders>,
    color_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extended_properties: Option<WireExtended>,
    #[serde(skip_serializing)]
    updated: Option<DateTime<FixedOffset>>,
    #[serde(skip_serializing)]
    recurring_event_id: Option<String>,
    #[serde(skip_serializing)]
    original_start_time: Option<WireTime>,
}

/// A start or end. Every field is sent, `null` when unused: a patch merges objects, so a
/// field left out would survive a switch between timed and all-day.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTime {
    date: Option<NaiveDate>,
    date_time: Option<DateTime<FixedOffset>>,
    time_zone: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReminders {
    use_default: bool,
    #[serde(default)]
    overrides: Vec<WireReminder>,
}

#[derive(Serialize, Deserialize)]
struct WireReminder {
    method: String,
    minutes: u32,
}

#[derive(Default, Serialize, Deserialize)]
struct WireExtended {
    #[serde(default)]
    private: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
struct WireError {
    #[serde(default)]
    error: WireErrorBody,
}

#[derive(Default, Deserialize)]
struct WireErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<WireErrorItem>,
}

#[derive(Default, Deserialize)]
struct WireErrorItem {
    #[serde(default)]
    reason: String,
}

impl From<&RemoteTime> for WireTime {
    fn from(time: &RemoteTime) -> Self {
        match time {
            RemoteTime::Date(date) => Self {
                date: Some(*date),
                date_time: None,
                time_zone: None,
            },
            RemoteTime::At { at, time_zone } => Self {
                date: None,
                date_time: Some(at.fixed_offset()),
                time_zone: time_zone.clone(),
            },
        }
    }
}

impl WireTime {
    fn into_remote(self) -> DomainResult<RemoteTime> {
        match (self.date, self.date_time) {
            (_, Some(at)) => Ok(RemoteTime::At {
                at: at.with_timezone(&Utc),
                time_zone: self.time_zone,
            }),
            (Some(date), None) => Ok(RemoteTime::Date(date)),
            (None, None) => Err(DomainError::Unavailable {
                service: SERVICE,
                message: "an event time with neither date nor dateTime".to_owned(),
            }),
        }
    }
}

impl From<&RemoteEvent> for WireEvent {
    fn from(event: &RemoteEvent) -> Self {
        Self {
            id: Some(event.id.clone()),
            status: Some(
                match event.status {
                    RemoteStatus::Confirmed => "confirmed",
                    RemoteStatus::Tentative => "tentative",
                    RemoteStatus::Cancelled => "cancelled",
                }
                .to_owned(),
            ),
            summary: event.summary.clone(),
            description: event.description.clone(),
            location: event.location.clone(),
            start: event.start.as_ref().map(WireTime::from),
            end: event.end.as_ref().map(WireTime::from),
            recurrence: event.recurrence.clone(),
            reminders: Some(match &event.reminders {
                None => WireReminders {
                    use_default: true,
                    overrides: Vec::new(),
                },
                Some(minutes) => WireReminders {
                    use_default: false,
                    overrides: minutes
                        .iter()
                        .map(|&minutes| WireReminder {
                            method: "popup".to_owned(),
                            minutes,
                        })
                        .collect(),
                },
            }),
            color_id: event.color_id.clone(),
            extended_properties: (!event.private.is_empty()).then(|| WireExtended {
                private: event.private.clone(),
            }),
            updated: None,
            recurring_event_id: None,
            original_start_time: None,
        }
    }
}

impl WireEvent {
    fn into_remote(self) -> DomainResult<RemoteEvent> {
        let id = self.id.ok_or_else(|| DomainError::Unavailable {
            service: SERVICE,
            message: "an event without an id".to_owned(),
        })?;
        let status = match self.status.as_deref() {
            Some("cancelled") => RemoteStatus::Cancelled,
            Some("tentative") => RemoteStatus::Tentative,
            _ => RemoteStatus::Confirmed,
        };
        Ok(RemoteEvent {
            id,
            status,
            summary: self.summary,
            description: self.description,
            location: self.location,
            start: self.start.map(WireTime::into_remote).transpose()?,
            end: self.end.map(WireTime::into_remote).transpose()?,
            recurrence: self.recurrence,
            reminders: self.reminders.and_then(|r| {
                (!r.use_default).then(|| {
                    // The popups: sophie's reminders are notifications.
                    let mut minutes: Vec<u32> = r
                        .overrides
                        .iter()
                        .filter(|o| o.method == "popup")
                        .map(|o| o.minutes)
                        .collect();
                    minutes.sort_unstable();
                    minutes
                })
            }),
            color_id: self.color_id,
            private: self
                .extended_properties
                .map(|e| e.private)
                .unwrap_or_default(),
            updated: self.updated.map(|at| at.with_timezone(&Utc)),
            recurring_event_id: self.recurring_event_id,
            original_start: self
                .original_start_time
                .map(WireTime::into_remote)
                .transpose()?,
        })
    }
}
