//! The two-way Google Calendar sync end to end: `sophie serve` (and `sophie worker`) against
//! an OpenID provider (`tests/fakes/oidc.rs`) and a Calendar API v3 double
//! (`crates/ai/tests/google_calendar/double.rs`), both on 127.0.0.1, on memory and on
//! PostgreSQL: the first sync both ways, an edit and a deletion on each side, conflicts
//! settled by the later change, an expired sync token, an access token refused early, a
//! revoked refresh token, a rate limit, and a worker killed mid-sync.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../crates/ai/tests/google_calendar/double.rs"]
mod double;
#[path = "../crates/ai/tests/fake_server/mod.rs"]
mod fake_server;
mod fakes;
mod server;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use double::Double;
use fakes::oidc::{CLIENT_ID, CLIENT_SECRET, Provider};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use server::Server;
use sophie_persistence::testing::TestDatabase;

const REGISTERED_CALLBACK: &str = "http://127.0.0.1:9/api/v1/auth/oidc/callback";
const KEY: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const WAIT: Duration = Duration::from_secs(45);

/// The provider, the Calendar double and their settings for sophie.
struct Google {
    provider: Provider,
    calendar: Double,
}

impl Google {
    async fn start() -> Self {
        let provider = Provider::start().await;
        let calendar = Double::start().await;
        // The provider's access tokens are `access-<n>-…`.
        calendar.accept("access-");
        Self { provider, calendar }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OIDC_ISSUER", self.provider.issuer().to_owned()),
            ("OIDC_CLIENT_ID", CLIENT_ID.to_owned()),
            ("OIDC_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
            ("OIDC_REDIRECT_URL", REGISTERED_CALLBACK.to_owned()),
            ("TOKEN_KEY", KEY.to_owned()),
            ("GOOGLE_CALENDAR_BASE_URL", self.calendar.base_url()),
            ("CALENDAR_SYNC_INTERVAL_SECS", "3600".to_owned()),
            ("SECURE_COOKIES", "false".to_owned()),
        ]
    }

    async fn serve(&self, db: Option<TestDatabase>, extra: &[(&'static str, &str)]) -> Server {
        let mut env = self.env();
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Server::start_with(db, &env).await
    }
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Takes the provider's consent to the calendar connection: the callback links the Google
/// account and connects the sync.
async fn consent(server: &Server, token: &str) {
    let browser = browser();
    let started = browser
        .post(format!("{}/api/v1/me/calendar-sync/connect", server.base))
        .bearer_auth(token)
        .json(&json!({ "access": "existing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    let started: Value = started.json().await.unwrap();
    let url = started["authorizationUrl"].as_str().unwrap();
    for asked in [
        "access_type=offline",
        "include_granted_scopes=true",
        "calendar.events",
        "calendar.calendarlist.readonly",
    ] {
        assert!(url.contains(asked), "{asked} not in {url}");
    }
    let at_provider = browser.get(url).send().await.unwrap();
    assert_eq!(at_provider.status(), StatusCode::FOUND);
    let back = at_provider.headers()["location"].to_str().unwrap();
    let callback = format!(
        "{}{}",
        server.base,
        back.strip_prefix("http://127.0.0.1:9").unwrap()
    );
    let linked = browser.get(callback).send().await.unwrap();
    assert_eq!(linked.status(), StatusCode::CREATED);
}

/// Connects Ada's Google calendar through the provider's consent, and chooses `primary`.
async fn connect(server: &Server, token: &str) {
    let status = sync_state(server, token).await;
    assert_eq!(status["connected"], false, "{status}");
    consent(server, token).await;

    let status = sync_state(server, token).await;
    assert_eq!(status["connected"], true, "{status}");
    assert_eq!(status["calendarId"], Value::Null);
    let calendars = server
        .expect(
            200,
            Method::GET,
            "/api/v1/me/calendar-sync/calendars",
            Some(token),
            None,
        )
        .await;
    assert_eq!(calendars[0]["id"], "primary", "{calendars}");
    // Before a calendar is chosen, there is nothing to run.
    server
        .expect(
            409,
            Method::POST,
            "/api/v1/me/calendar-sync/run",
            Some(token),
            None,
        )
        .await;
    let chosen = server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me/calendar-sync",
            Some(token),
            Some(json!({ "calendarId": "primary" })),
        )
        .await;
    assert_eq!(chosen["calendarId"], "primary");
}

/// Where the student's sync stands.
async fn sync_state(server: &Server, token: &str) -> Value {
    server
        .expect(
            200,
            Method::GET,
            "/api/v1/me/calendar-sync",
            Some(token),
            None,
        )
        .await
}

/// Waits until a run that ended after `since` has ended well; answers the status.
async fn synced(server: &Server, token: &str, since: &Value) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = sync_state(server, token).await;
        if status["state"] == "IDLE" && !status["lastSyncedAt"].is_null() {
            // As instants: the text of a time has 0 to 9 digits of fraction.
            let instant = |value: &Value| {
                value
                    .as_str()
                    .map(|text| chrono::DateTime::parse_from_rfc3339(text).unwrap())
            };
            let later = match (instant(&status["lastSyncedAt"]), instant(since)) {
                (Some(now), Some(before)) => now > before,
                (Some(_), None) => true,
                _ => false,
            };
            if later {
                return status;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no run ended well in time: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks for a run now and waits for it.
async fn run(server: &Server, token: &str, since: &Value) -> Value {
    server
        .expect(
            202,
            Method::POST,
            "/api/v1/me/calendar-sync/run",
            Some(token),
            None,
        )
        .await;
    synced(server, token, since).await
}

async fn events(server: &Server, token: &str) -> Vec<Value> {
    let page = server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar-events?limit=100",
            Some(token),
            None,
        )
        .await;
    // A repeating event comes once per occurrence: once each here.
    let mut seen = std::collections::BTreeSet::new();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| seen.insert(e["id"].as_str().unwrap().to_owned()))
        .cloned()
        .collect()
}

fn titled<'a>(events: &'a [Value], title: &str) -> Option<&'a Value> {
    events.iter().find(|e| e["title"] == title)
}

fn summaries(events: &[Value]) -> Vec<String> {
    let mut found: Vec<String> = events
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or_default().to_owned())
        .collect();
    found.sort();
    found
}

fn titles(events: &[Value]) -> Vec<String> {
    let mut found: Vec<String> = events
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

async fn create(server: &Server, token: &str, body: Value) -> Value {
    server
        .expect(
            201,
            Method::POST,
            "/api/v1/calendar-events",
            Some(token),
            Some(body),
        )
        .await
}

async fn rename(server: &Server, token: &str, id: &str, title: &str) {
    server
        .expect(
            200,
            Method::PATCH,
            &format!("/api/v1/calendar-events/{id}"),
            Some(token),
            Some(json!({ "title": title })),
        )
        .await;
}

fn lecture() -> Value {
    json!({
        "title": "Algebra", "eventType": "LECTURE",
        "startDate": "2027-03-15T09:00:00Z", "endDate": "2027-03-15T10:30:00Z",
        "timeZone": "Europe/Berlin",
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10"],
        "reminders": [10, 30], "color": "red", "location": "Room 1"
    })
}

fn field_day() -> Value {
    json!({
        "title": "Field trip", "eventType": "OTHER", "allDay": true,
        "startDate": "2027-04-01T00:00:00Z", "endDate": "2027-04-02T00:00:00Z"
    })
}

async fn both_ways(google: Google, server: Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let algebra = create(&server, &ada, lecture()).await;
    let algebra_id = algebra["id"].as_str().unwrap().to_owned();
    let trip = create(&server, &ada, field_day()).await;
    let dentist = google.calendar.create(
        "primary",
        json!({
            "summary": "Dentist",
            "start": { "dateTime": "2027-03-16T14:00:00+01:00", "timeZone": "Europe/Paris" },
            "end": { "dateTime": "2027-03-16T15:00:00+01:00", "timeZone": "Europe/Paris" },
            "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": 15 }] },
            "colorId": "7"
        }),
    );

    // The first sync, both ways.
    connect(&server, &ada).await;
    let status = synced(&server, &ada, &Value::Null).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let at_google = google.calendar.events("primary");
    assert_eq!(
        summaries(&at_google),
        ["Algebra", "Dentist", "Field trip"],
        "{at_google:?}"
    );
    let pushed = at_google
        .iter()
        .find(|e| e["summary"] == "Algebra")
        .unwrap();
    assert_eq!(
        pushed["recurrence"],
        json!(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10"])
    );
    assert_eq!(pushed["start"]["timeZone"], "Europe/Berlin");
    assert_eq!(pushed["location"], "Room 1");
    assert_eq!(pushed["colorId"], "11");
    assert_eq!(
        pushed["extendedProperties"]["private"]["sophieEventId"],
        algebra_id.as_str()
    );
    let minutes: Vec<u64> = pushed["reminders"]["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["minutes"].as_u64().unwrap())
        .collect();
    assert_eq!(minutes, [10, 30]);
    let trip_at_google = at_google
        .iter()
        .find(|e| e["summary"] == "Field trip")
        .unwrap();
    assert_eq!(trip_at_google["start"]["date"], "2027-04-01");
    assert_eq!(trip_at_google["end"]["date"], "2027-04-02");

    let mine = events(&server, &ada).await;
    assert_eq!(titles(&mine), ["Algebra", "Dentist", "Field trip"]);
    let pulled = titled(&mine, "Dentist").unwrap();
    assert_eq!(pulled["googleEventId"], dentist.as_str());
    assert_eq!(pulled["googleCalendarId"], "primary");
    assert_eq!(pulled["startDate"], "2027-03-16T13:00:00Z", "{pulled}");
    assert_eq!(pulled["timeZone"], "Europe/Paris");
    assert_eq!(pulled["reminders"], json!([15]));
    assert_eq!(pulled["color"], "#039be5");
    let pulled_id = pulled["id"].as_str().unwrap().to_owned();
    assert!(
        mine.iter().all(|e| !e["googleEventId"].is_null()),
        "{mine:?}"
    );

    // A second run finds nothing to do: nothing doubles on either side.
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(google.calendar.events("primary").len(), 3);
    assert_eq!(events(&server, &ada).await.len(), 3);

    // An edit on each side.
    rename(&server, &ada, &algebra_id, "Algebra II").await;
    google.calendar.edit("primary", &dentist, "Dentist (moved)");
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra II", "Dentist (moved)", "Field trip"]
    );
    assert_eq!(
        titles(&events(&server, &ada).await),
        ["Algebra II", "Dentist (moved)", "Field trip"]
    );

    // A deletion on each side.
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/calendar-events/{}", trip["id"].as_str().unwrap()),
            Some(&ada),
            None,
        )
        .await;
    google.calendar.remove("primary", &dentist);
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra II"]
    );
    assert_eq!(titles(&events(&server, &ada).await), ["Algebra II"]);
    server
        .expect(
            404,
            Method::GET,
            &format!("/api/v1/calendar-events/{pulled_id}"),
            Some(&ada),
            None,
        )
        .await;

    // Changed on both sides: the later change wins, whichever side it is on.
    let remote_algebra = google.calendar.events("primary")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    rename(&server, &ada, &algebra_id, "Algebra (sophie, earlier)").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    google
        .calendar
        .edit("primary", &remote_algebra, "Algebra (Google, later)");
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(
        titles(&events(&server, &ada).await),
        ["Algebra (Google, later)"]
    );
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra (Google, later)"]
    );

    google
        .calendar
        .edit("primary", &remote_algebra, "Algebra (Google, earlier)");
    tokio::time::sleep(Duration::from_millis(20)).await;
    rename(&server, &ada, &algebra_id, "Algebra (sophie, later)").await;
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(
        titles(&events(&server, &ada).await),
        ["Algebra (sophie, later)"]
    );
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra (sophie, later)"]
    );

    // Google no longer takes the sync token: everything is listed again, and nothing is
    // doubled or lost; an event deleted at Google meanwhile is deleted in sophie.
    let quiz = google.calendar.create(
        "primary",
        json!({
            "summary": "Quiz",
            "start": { "date": "2027-05-03" }, "end": { "date": "2027-05-04" }
        }),
    );
    let _ = run(&server, &ada, &status["lastSyncedAt"]).await;
    google.calendar.expire_sync_tokens();
    google.calendar.remove("primary", &quiz);
    google.calendar.create(
        "primary",
        json!({
            "summary": "Exam",
            "start": { "dateTime": "2027-06-01T08:00:00Z" },
            "end": { "dateTime": "2027-06-01T10:00:00Z" }
        }),
    );
    let before = sync_state(&server, &ada).await;
    let status = run(&server, &ada, &before["lastSyncedAt"]).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(
        titles(&events(&server, &ada).await),
        ["Algebra (sophie, later)", "Exam"]
    );
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra (sophie, later)", "Exam"]
    );

    // Disconnected: the events stay on both sides, unlinked in sophie.
    server
        .expect(
            204,
            Method::DELETE,
            "/api/v1/me/calendar-sync",
            Some(&ada),
            None,
        )
        .await;
    let mine = events(&server, &ada).await;
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter().all(|e| e["googleEventId"].is_null()),
        "{mine:?}"
    );
    assert_eq!(google.calendar.events("primary").len(), 2);
    let status = sync_state(&server, &ada).await;
    assert_eq!(status["connected"], false);

    // Connected again to the same calendar: every event is linked again (the one that came
    // from Google too, which sophie gave its ids), none is doubled on either side.
    consent(&server, &ada).await;
    server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me/calendar-sync",
            Some(&ada),
            Some(json!({ "calendarId": "primary" })),
        )
        .await;
    let status = synced(&server, &ada, &Value::Null).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    let mine = events(&server, &ada).await;
    assert_eq!(titles(&mine), ["Algebra (sophie, later)", "Exam"]);
    assert!(
        mine.iter().all(|e| !e["googleEventId"].is_null()),
        "{mine:?}"
    );
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Algebra (sophie, later)", "Exam"]
    );
}

#[tokio::test]
async fn events_sync_both_ways_in_memory() {
    let google = Google::start().await;
    let server = google.serve(None, &[]).await;
    both_ways(google, server).await;
}

#[tokio::test]
async fn events_sync_both_ways_on_postgres() {
    let google = Google::start().await;
    let server = google.serve(Some(TestDatabase::new().await), &[]).await;
    both_ways(google, server).await;
}

async fn notifications(server: &Server, token: &str) -> Vec<Value> {
    let page = server
        .expect(200, Method::GET, "/api/v1/notifications", Some(token), None)
        .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_refused_access_token_is_renewed_and_a_revoked_grant_asks_to_reconnect() {
    let google = Google::start().await;
    let server = google.serve(Some(TestDatabase::new().await), &[]).await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    create(&server, &ada, lecture()).await;
    connect(&server, &ada).await;
    let status = synced(&server, &ada, &Value::Null).await;
    let first_token = google.calendar.tokens_used()[0].clone();
    assert!(first_token.starts_with("access-"), "{first_token}");

    // Google refuses the access token before its expiry: it is renewed with the refresh
    // token, and the run goes on.
    google.calendar.refuse(&first_token);
    create(&server, &ada, field_day()).await;
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(google.calendar.events("primary").len(), 2);
    let renewed = google.calendar.tokens_used().last().unwrap().clone();
    assert!(renewed.ends_with("-refreshed"), "{renewed}");

    // The student revokes sophie at Google: the run stops, the link needs reconnecting, and
    // the student is told once.
    google.provider.revoke_refresh_tokens();
    google.calendar.refuse(&renewed);
    server
        .expect(
            202,
            Method::POST,
            "/api/v1/me/calendar-sync/run",
            Some(&ada),
            None,
        )
        .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let status = loop {
        let status = sync_state(&server, &ada).await;
        if status["state"] == "NEEDS_RECONNECTION" {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status["lastError"]
            .as_str()
            .unwrap()
            .contains("/api/v1/me/calendar-sync/connect"),
        "{status}"
    );
    let accounts = server
        .expect(200, Method::GET, "/api/v1/me/accounts", Some(&ada), None)
        .await;
    let google_account = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["providerId"] != "credential")
        .unwrap();
    assert_eq!(google_account["needsReconnection"], true);
    let told: Vec<Value> = notifications(&server, &ada)
        .await
        .into_iter()
        .filter(|n| n["type"] == "CALENDAR_SYNC")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");

    // Connected again, the sync goes on.
    consent(&server, &ada).await;
    let status = sync_state(&server, &ada).await;
    assert_eq!(status["state"], "IDLE", "{status}");
    create(&server, &ada, lecture()).await;
    let status = run(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(google.calendar.events("primary").len(), 3);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_recorded_meanwhile() {
    let google = Google::start().await;
    let server = google.serve(None, &[]).await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    create(&server, &ada, lecture()).await;
    connect(&server, &ada).await;
    let status = synced(&server, &ada, &Value::Null).await;

    create(&server, &ada, field_day()).await;
    google.calendar.fail_next(&[
        (429, "rateLimitExceeded", None),
        (403, "rateLimitExceeded", None),
    ]);
    server
        .expect(
            202,
            Method::POST,
            "/api/v1/me/calendar-sync/run",
            Some(&ada),
            None,
        )
        .await;
    // The failure is visible while the worker backs off.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = sync_state(&server, &ada).await;
        if now["state"] == "FAILED" {
            assert!(
                now["lastError"].as_str().unwrap().contains("slow down"),
                "{now}"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = synced(&server, &ada, &status["lastSyncedAt"]).await;
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(google.calendar.events("primary").len(), 2);
}

/// A `sophie worker` process with a short lease.
fn worker(google: &Google, server: &Server) -> Child {
    let db = server.db.as_ref().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sophie"));
    command
        .arg("worker")
        .env("DATABASE_URL", db.url())
        .env("BLOB_DIR", server.blobs.path())
        .env("WORKER_LEASE_SECS", "2")
        .env("WORKER_RESCUE_INTERVAL_SECS", "1")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (name, value) in google.env() {
        command.env(name, value);
    }
    command.spawn().expect("start sophie worker")
}

#[tokio::test]
async fn a_worker_killed_mid_sync_leaves_no_duplicate_after_the_restart() {
    let google = Google::start().await;
    let server = google
        .serve(
            Some(TestDatabase::new().await),
            &[("EMBEDDED_WORKER", "false")],
        )
        .await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    for n in 1..=3 {
        let mut event = field_day();
        event["title"] = json!(format!("Day {n}"));
        create(&server, &ada, event).await;
    }
    // The second insert reaches Google, and its answer never comes back.
    google.calendar.silence_after_inserts(1);
    let mut first = worker(&google, &server);
    connect(&server, &ada).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while google.calendar.events("primary").len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first worker never reached the second insert"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let mut second = worker(&google, &server);
    let status = synced(&server, &ada, &Value::Null).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(status["lastError"], Value::Null, "{status}");
    assert_eq!(
        summaries(&google.calendar.events("primary")),
        ["Day 1", "Day 2", "Day 3"],
        "one event each at Google"
    );
    let mine = events(&server, &ada).await;
    assert_eq!(titles(&mine), ["Day 1", "Day 2", "Day 3"]);
    assert!(mine.iter().all(|e| !e["googleEventId"].is_null()));
}

#[tokio::test]
async fn without_a_provider_the_sync_says_it_is_not_configured() {
    let server = Server::start_in_memory().await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let answer = server
        .expect(
            501,
            Method::GET,
            "/api/v1/me/calendar-sync",
            Some(&ada),
            None,
        )
        .await;
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .contains("OIDC_CLIENT_ID"),
        "{answer}"
    );
}
