//! A Google Calendar API v3 double on 127.0.0.1, following the shapes of the API's discovery
//! document: `calendarList`, `calendars.insert`, and `events` insert, patch, delete and list
//! with `nextPageToken` and `nextSyncToken`. It enforces the rules a client must meet (an
//! end on every event, a `timeZone` on repeating ones, base32hex ids, no `timeMin` beside a
//! `syncToken`), answers `410` to sync tokens it has expired, answers times in the event's
//! offset, and fails the next requests as a test asks (`429`, `403`, `5xx`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};

use super::fake_server::{FakeServer, Recorded, Reply};

pub const TOKEN: &str = "ya29.good-token";
/// Events per page, whatever `maxResults` asks (the API may return fewer).
const PAGE: usize = 2;

struct Stored {
    event: Value,
    /// The change number of its last change.
    changed: u64,
}

#[derive(Default)]
struct State {
    calendars: Vec<(String, String)>,
    events: HashMap<String, BTreeMap<String, Stored>>,
    changes: u64,
    /// Sync tokens below this change number are refused with 410.
    expired_before: u64,
    failures: Vec<(u16, &'static str, Option<u64>)>,
    /// Bearer tokens accepted, by prefix.
    accepted: Vec<String>,
    /// Tokens refused as expired, whatever their prefix.
    refused: Vec<String>,
    /// After this many more inserts, an insert is stored and never answered.
    silence_after_inserts: Option<usize>,
}

/// The double.
pub struct Double {
    pub server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl Double {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            calendars: vec![("primary".to_owned(), "Grace".to_owned())],
            accepted: vec![TOKEN.to_owned()],
            ..State::default()
        }));
        let shared = state.clone();
        let server = FakeServer::start(move |_, request| answer(&shared, request)).await;
        Self { server, state }
    }

    pub fn base_url(&self) -> String {
        format!("{}/calendar/v3", self.server.base_url)
    }

    /// The next requests fail with these statuses, reasons and `Retry-After`s, in order.
    pub fn fail_next(&self, failures: &[(u16, &'static str, Option<u64>)]) {
        self.state.lock().unwrap().failures = failures.to_vec();
    }

    /// Every sync token issued so far is expired (410).
    pub fn expire_sync_tokens(&self) {
        let mut state = self.state.lock().unwrap();
        // Tokens issued from now on carry a higher number.
        state.changes += 1;
        state.expired_before = state.changes;
    }

    /// Accepts bearer tokens starting with `prefix` too (a provider's access tokens).
    pub fn accept(&self, prefix: &str) {
        self.state.lock().unwrap().accepted.push(prefix.to_owned());
    }

    /// Refuses `token` from now on (`401`), as Google does an access token revoked early.
    pub fn refuse(&self, token: &str) {
        self.state.lock().unwrap().refused.push(token.to_owned());
    }

    /// The bearer tokens of the requests so far, in order.
    pub fn tokens_used(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .filter_map(|r| r.header("authorization"))
            .filter_map(|h| h.strip_prefix("Bearer "))
            .map(str::to_owned)
            .collect()
    }

    /// After `n` more inserts, stores the next one and never answers it (a crash of the
    /// client after Google did the work).
    pub fn silence_after_inserts(&self, n: usize) {
        self.state.lock().unwrap().silence_after_inserts = Some(n);
    }

    /// The events of `calendar` that are not deleted, by id.
    pub fn events(&self, calendar: &str) -> Vec<Value> {
        let state = self.state.lock().unwrap();
        state
            .events
            .get(calendar)
            .map(|events| {
                events
                    .values()
                    .filter(|s| s.event["status"] != "cancelled")
                    .map(|s| s.event.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An event made in Google's own interface under Google's id; answers the id.
    pub fn create(&self, calendar: &str, mut event: Value) -> String {
        let mut state = self.state.lock().unwrap();
        state.changes += 1;
        let changed = state.changes;
        let id = format!("g{changed:05}google");
        event["id"] = json!(id);
        event["kind"] = json!("calendar#event");
        event["status"] = json!("confirmed");
        event["updated"] = json!(now());
        state
            .events
            .entry(calendar.to_owned())
            .or_default()
            .insert(id.clone(), Stored { event, changed });
        id
    }

    /// An event deleted in Google's own interface.
    pub fn remove(&self, calendar: &str, id: &str) {
        self.change(calendar, id, |event| event["status"] = json!("cancelled"));
    }

    /// An edit made in Google's own interface.
    pub fn edit(&self, calendar: &str, id: &str, summary: &str) {
        self.change(calendar, id, |event| event["summary"] = json!(summary));
    }

    /// A change made in Google's own interface to the event `id` of `calendar`.
    fn change(&self, calendar: &str, id: &str, change: impl FnOnce(&mut Value)) {
        let mut state = self.state.lock().unwrap();
        state.changes += 1;
        let changed = state.changes;
        let stored = state
            .events
            .get_mut(calendar)
            .and_then(|events| events.get_mut(id))
            .unwrap();
        change(&mut stored.event);
        stored.event["updated"] = json!(now());
        stored.changed = changed;
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn error(status: u16, reason: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "error": { "code": status, "message": message,
            "errors": [{ "domain": "global", "reason": reason, "message": message }] } }),
    )
}

fn answer(state: &Arc<Mutex<State>>, request: &Recorded) -> Reply {
    let mut state = state.lock().unwrap();
    if !state.failures.is_empty() {
        let (status, reason, wait) = state.failures.remove(0);
        let reply = error(status, reason, "scripted failure");
        return match (reply, wait) {
            (Reply::Http { status, body, .. }, Some(wait)) => Reply::Http {
                status,
                headers: vec![("retry-after", wait.to_string())],
                body,
            },
            (reply, _) => reply,
        };
    }
    let token = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let accepted = state.accepted.iter().any(|p| token.starts_with(p.as_str()));
    if token.is_empty() || !accepted || state.refused.iter().any(|r| r == token) {
        return error(401, "authError", "Invalid Credentials");
    }
    let url = reqwest::Url::parse(&format!("http://double{}", request.path)).unwrap();
    let segments: Vec<String> = url.path_segments().unwrap().map(percent_decode).collect();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["calendar", "v3", "users", "me", "calendarList"]) => {
            let items: Vec<Value> = state
                .calendars
                .iter()
                .map(|(id, summary)| {
                    json!({ "kind": "calendar#calendarListEntry", "id": id, "summary": summary,
                        "primary": id == "primary", "accessRole": "owner" })
                })
                .collect();
            Reply::json(
                200,
                &json!({ "kind": "calendar#calendarList", "items": items }),
            )
        }
        ("POST", ["calendar", "v3", "calendars"]) => {
            let id = format!("sophie-{}@group.calendar.google.com", state.calendars.len());
            let summary = request.body["summary"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            state.calendars.push((id.clone(), summary.clone()));
            Reply::json(
                200,
                &json!({ "kind": "calendar#calendar", "id": id, "summary": summary,
                "timeZone": request.body["timeZone"] }),
            )
        }
        ("POST", ["calendar", "v3", "calendars", calendar, "events"]) => {
            let reply = insert(&mut state, calendar, request.body.clone());
            match state.silence_after_inserts {
                Some(0) => {
                    state.silence_after_inserts = None;
                    Reply::Silence
                }
                Some(n) => {
                    state.silence_after_inserts = Some(n - 1);
                    reply
                }
                None => reply,
            }
        }
        ("PATCH", ["calendar", "v3", "calendars", calendar, "events", id]) => {
            patch(&mut state, calendar, id, &request.body)
        }
        ("DELETE", ["calendar", "v3", "calendars", calendar, "events", id]) => {
            state.changes += 1;
            let changed = state.changes;
            let Some(stored) = state.events.get_mut(*calendar).and_then(|e| e.get_mut(*id)) else {
                return error(404, "notFound", "Not Found");
            };
            if stored.event["status"] == "cancelled" {
                return error(410, "deleted", "Resource has been deleted");
            }
            stored.event["status"] = json!("cancelled");
            stored.event["updated"] = json!(now());
            stored.changed = changed;
            Reply::Http {
                status: 204,
                headers: Vec::new(),
                body: String::new(),
            }
        }
        ("GET", ["calendar", "v3", "calendars", calendar, "events"]) => {
            list(&state, calendar, &query)
        }
        _ => error(404, "notFound", "Not Found"),
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&segment[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A time as the API answers it: in the offset of the event's zone (here: New York is -05:00
/// in winter, else the instant's own UTC).
fn in_offset(time: &Value) -> Value {
    let mut time = time.clone();
    if let (Some(at), Some(zone)) = (time["dateTime"].as_str(), time["timeZone"].as_str())
        && zone == "America/New_York"
    {
        let at: DateTime<FixedOffset> = DateTime::parse_from_rfc3339(at).unwrap();
        let offset = FixedOffset::west_opt(5 * 3600).unwrap();
        time["dateTime"] = json!(at.with_timezone(&offset).to_rfc3339());
    }
    time
}

fn valid_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'v'))
}

fn insert(state: &mut State, calendar: &str, mut event: Value) -> Reply {
    let id = event["id"].as_str().unwrap_or_default().to_owned();
    if !valid_id(&id) {
        return error(400, "invalid", "Invalid resource id value.");
    }
    if event["end"].is_null() || event["start"].is_null() {
        return error(400, "required", "Missing end time.");
    }
    let repeats = event["recurrence"]
        .as_array()
        .is_some_and(|r| !r.is_empty());
    if repeats && (event["start"]["timeZone"].is_null() || event["end"]["timeZone"].is_null()) {
        return error(
            400,
            "required",
            "Missing time zone definition for start time.",
        );
    }
    let events = state.events.entry(calendar.to_owned()).or_default();
    if events.contains_key(&id) {
        return error(409, "duplicate", "The requested identifier already exists.");
    }
    event["kind"] = json!("calendar#event");
    event["status"] = json!(event["status"].as_str().unwrap_or("confirmed"));
    event["updated"] = json!(now());
    event["start"] = in_offset(&event["start"]);
    event["end"] = in_offset(&event["end"]);
    state.changes += 1;
    let changed = state.changes;
    state.events.get_mut(calendar).unwrap().insert(
        id,
        Stored {
            event: event.clone(),
            changed,
        },
    );
    Reply::json(200, &event)
}

fn patch(state: &mut State, calendar: &str, id: &str, body: &Value) -> Reply {
    state.changes += 1;
    let changed = state.changes;
    let Some(stored) = state.events.get_mut(calendar).and_then(|e| e.get_mut(id)) else {
        return error(404, "notFound", "Not Found");
    };
    if stored.event["status"] == "cancelled" {
        return error(410, "deleted", "Resource has been deleted");
    }
    // Patch semantics: objects are merged key by key, `null` removes a key.
    merge(&mut stored.event, body);
    if stored.event["start"]["date"].is_string() && stored.event["start"]["dateTime"].is_string() {
        return error(
            400,
            "invalid",
            "Start and end times must either both be date or both be dateTime.",
        );
    }
    stored.event["start"] = in_offset(&stored.event["start"]);
    stored.event["end"] = in_offset(&stored.event["end"]);
    stored.event["updated"] = json!(now());
    stored.changed = changed;
    Reply::json(200, &stored.event)
}

fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn list(state: &State, calendar: &str, query: &HashMap<String, String>) -> Reply {
    let sync_from = match query.get("syncToken") {
        Some(token) => {
            if ["timeMin", "timeMax", "q", "orderBy", "updatedMin"]
                .iter()
                .any(|k| query.contains_key(*k))
            {
                return error(
                    400,
                    "invalid",
                    "syncToken cannot be combined with these filters",
                );
            }
            let seq: u64 = token.trim_start_matches("sync-").parse().unwrap_or(0);
            if seq < state.expired_before {
                return error(
                    410,
                    "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                );
            }
            Some(seq)
        }
        None => None,
    };
    let all: Vec<&Stored> = state
        .events
        .get(calendar)
        .map(|events| events.values().collect())
        .unwrap_or_default();
    let items: Vec<Value> = all
        .into_iter()
        .filter(|s| match sync_from {
            Some(seq) => s.changed > seq,
            None => s.event["status"] != "cancelled",
        })
        .map(|s| {
            if s.event["status"] == "cancelled" {
                json!({ "kind": "calendar#event", "id": s.event["id"], "status": "cancelled" })
            } else {
                s.event.clone()
            }
        })
        .collect();
    let offset: usize = query
        .get("pageToken")
        .map_or(0, |t| t.trim_start_matches("page-").parse().unwrap());
    let page: Vec<Value> = items.iter().skip(offset).take(PAGE).cloned().collect();
    let mut body = json!({ "kind": "calendar#events", "items": page });
    if offset + PAGE < items.len() {
        body["nextPageToken"] = json!(format!("page-{}", offset + PAGE));
    } else {
        body["nextSyncToken"] = json!(format!("sync-{}", state.changes));
    }
    Reply::json(200, &body)
}
