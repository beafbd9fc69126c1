//! The handlers of `/api/v1/auth/*` and `/api/v1/me`, driven through the HTTP API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};
use sophie_domain::memory::{FixedClock, MemoryStore};
use sophie_domain::{CourseId, DomainError, UserId};
use uuid::Uuid;

use super::parse_ip;
use crate::auth::Argon2Hasher;
use crate::auth::token::hash_token;
use crate::state::{AlwaysReady, ApiConfig, AppState};
use crate::test_support::{app, bearer, signed_in, state};

const PASSWORD: &str = "correct horse battery";

fn state_with(config: ApiConfig, clock: Option<Arc<FixedClock>>) -> AppState {
    let (store, clock): (MemoryStore, Arc<dyn sophie_domain::Clock>) = match clock {
        Some(clock) => (MemoryStore::with_clock(clock.clone()), clock),
        None => (MemoryStore::new(), Arc::new(sophie_domain::SystemClock)),
    };
    AppState::new(
        store.repositories(),
        Arc::new(Argon2Hasher::with_params(8, 1, 1).unwrap()),
        clock,
        Arc::new(AlwaysReady),
        config,
    )
}

async fn post<S, B>(app: &S, uri: &str, body: Value) -> ServiceResponse<B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    test::TestRequest::post()
        .uri(uri)
        .set_json(body)
        .send_request(app)
        .await
}

async fn sign_up<S, B>(app: &S, email: &str) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = post(
        app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada Lovelace", "email": email, "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 201);
    test::read_body_json(response).await
}

/// Signs in and returns the token.
async fn sign_in<S, B>(app: &S, email: &str, password: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = post(
        app,
        "/api/v1/auth/sign-in",
        json!({ "email": email, "password": password }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = test::read_body_json(response).await;
    body["token"].as_str().unwrap().to_owned()
}

async fn me_status<S, B>(app: &S, token: &str) -> u16
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    test::TestRequest::get()
        .uri("/api/v1/me")
        .insert_header(bearer(token))
        .send_request(app)
        .await
        .status()
        .as_u16()
}

fn set_cookie<B>(response: &ServiceResponse<B>) -> String {
    response
        .headers()
        .get("Set-Cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

async fn problem_fields<B: MessageBody>(response: ServiceResponse<B>) -> Vec<String> {
    let problem: Value = test::read_body_json(response).await;
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn sign_up_then_sign_in_and_the_token_authenticates() {
    let state = state();
    let app = app(state.clone()).await;

    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada Lovelace", "email": " Ada@Example.com ", "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers().get("Location").unwrap(), "/api/v1/me");
    assert_eq!(response.headers().get("Cache-Control").unwrap(), "no-store");
    let cookie = set_cookie(&response);
    let body: Value = test::read_body_json(response).await;
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["name"], "Ada Lovelace");
    assert!(body["expiresAt"].is_string());
    assert!(body["user"].get("password").is_none());
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(cookie.starts_with(&format!("sophie_session={token};")));
    assert_eq!(me_status(&app, &token).await, 200);

    let signed_in = sign_in(&app, "ADA@example.com", PASSWORD).await;
    assert_ne!(signed_in, token, "each sign-in is a new session");
    let me: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::get()
            .uri("/api/v1/me")
            .insert_header(bearer(&signed_in))
            .to_request(),
    )
    .await;
    assert_eq!(me, body["user"]);

    let anonymous = test::TestRequest::get()
        .uri("/api/v1/me")
        .send_request(&app)
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn the_cookie_is_locked_down_and_authenticates() {
    let state = state();
    let app = app(state).await;
    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    let cookie = set_cookie(&response);
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=2592000",
    ] {
        assert!(
            cookie.split("; ").any(|part| part == attribute),
            "{attribute} missing from {cookie}"
        );
    }
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = test::TestRequest::get()
        .uri("/api/v1/me")
        .insert_header(("Cookie", pair))
        .send_request(&app)
        .await;
    assert_eq!(me.status(), 200);
}

#[actix_web::test]
async fn the_cookie_is_not_secure_when_configured_so() {
    let state = state_with(
        ApiConfig {
            secure_cookies: false,
            ..ApiConfig::default()
        },
        None,
    );
    let app = app(state).await;
    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 201);
    let cookie = set_cookie(&response);
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

#[actix_web::test]
async fn only_the_hash_of_the_token_is_stored() {
    let state = state();
    let app = app(state.clone()).await;
    let body = sign_up(&app, "ada@example.com").await;
    let token = body["token"].as_str().unwrap();
    let sessions = &state.repositories.sessions;
    let session = sessions
        .find_by_token_hash(&hash_token(token))
        .await
        .unwrap()
        .expect("the session is found by the token's hash");
    assert_eq!(session.token_hash, hash_token(token));
    assert!(sessions.find_by_token_hash(token).await.unwrap().is_none());
    assert_eq!(
        session
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        body["expiresAt"].as_str().unwrap()
    );
}

#[actix_web::test]
async fn the_session_records_the_client() {
    // Behind a trusted proxy, the forwarded address is the client's.
    let mut state = state();
    let mut config = (*state.config).clone();
    config.trust_proxy = true;
    state.config = Arc::new(config);
    let app = app(state.clone()).await;
    let long_agent = "x".repeat(600);
    let response = test::TestRequest::post()
        .uri("/api/v1/auth/sign-up")
        .peer_addr("10.0.0.1:50000".parse().unwrap())
        .insert_header(("User-Agent", long_agent))
        .insert_header(("X-Forwarded-For", "192.0.2.66, 203.0.113.7"))
        .set_json(json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }))
        .send_request(&app)
        .await;
    let body: Value = test::read_body_json(response).await;
    let session = state
        .repositories
        .sessions
        .find_by_token_hash(&hash_token(body["token"].as_str().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.user_agent.unwrap().chars().count(), 512);
    assert_eq!(session.ip_address.as_deref(), Some("203.0.113.7"));
}

#[actix_web::test]
async fn without_a_trusted_proxy_a_forged_forwarded_header_is_ignored() {
    let state = state();
    let app = app(state.clone()).await;
    let response = test::TestRequest::post()
        .uri("/api/v1/auth/sign-up")
        .peer_addr("198.51.100.9:50000".parse().unwrap())
        .insert_header(("X-Forwarded-For", "203.0.113.7"))
        .set_json(json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }))
        .send_request(&app)
        .await;
    let body: Value = test::read_body_json(response).await;
    let session = state
        .repositories
        .sessions
        .find_by_token_hash(&hash_token(body["token"].as_str().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.ip_address.as_deref(), Some("198.51.100.9"));
}

#[actix_web::test]
async fn only_ip_addresses_are_taken_as_the_client_ip() {
    assert_eq!(parse_ip("203.0.113.7"), Some([203, 0, 113, 7].into()));
    assert_eq!(parse_ip("203.0.113.7:4711"), Some([203, 0, 113, 7].into()));
    assert!(parse_ip("[2001:db8::1]:443").is_some());
    assert!(parse_ip("\"[2001:db8::1]\"").is_some());
    assert!(parse_ip("2001:db8::1").is_some());
    assert_eq!(parse_ip("not an address"), None);
    assert_eq!(parse_ip(&"9".repeat(10_000)), None);
}

#[actix_web::test]
async fn a_taken_email_is_a_conflict() {
    let state = state();
    let app = app(state).await;
    sign_up(&app, "ada@example.com").await;
    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Other Ada", "email": "ADA@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 409);
}

#[actix_web::test]
async fn sign_up_names_every_invalid_field() {
    let state = state();
    let app = app(state).await;
    for password in ["x".repeat(7), "x".repeat(129)] {
        let response = post(
            &app,
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": "ada@example.com", "password": password }),
        )
        .await;
        assert_eq!(response.status(), 422);
        assert_eq!(problem_fields(response).await, ["password"]);
    }
    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": " ", "email": "not-an-email", "password": "short" }),
    )
    .await;
    assert_eq!(response.status(), 422);
    assert_eq!(
        problem_fields(response).await,
        ["name", "email", "password"]
    );
    let response = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "role": "admin" }),
    )
    .await;
    assert_eq!(response.status(), 422, "unknown fields are refused");
    // 8 and 128 characters are both fine.
    for (email, password) in [
        ("a@example.com", "x".repeat(8)),
        ("b@example.com", "y".repeat(128)),
    ] {
        let response = post(
            &app,
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": email, "password": password }),
        )
        .await;
        assert_eq!(response.status(), 201);
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let state = state();
    let app = app(state).await;
    sign_up(&app, "ada@example.com").await;

    let mut bodies = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        // A password the policy would refuse reveals nothing about the policy either.
        ("ada@example.com", "short"),
        ("nobody@example.com", "short"),
    ] {
        let response = post(
            &app,
            "/api/v1/auth/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
        assert_eq!(response.status(), 401, "{email}");
        assert!(response.headers().get("Set-Cookie").is_none());
        bodies.push(test::read_body(response).await);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    let body = String::from_utf8(bodies[0].to_vec()).unwrap();
    assert!(!body.contains("wrong password!") && !body.contains(PASSWORD));

    let response = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "not an email", "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 422);
    assert_eq!(problem_fields(response).await, ["email"]);
}

#[actix_web::test]
async fn a_user_without_a_password_cannot_sign_in_with_one() {
    let state = state();
    // `signed_in` creates a user with no credential account, as an OAuth sign-up would.
    signed_in(&state, "oauth@example.com").await;
    let app = app(state).await;
    let unknown = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "nobody@example.com", "password": PASSWORD }),
    )
    .await;
    let unknown = test::read_body(unknown).await;
    let response = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "oauth@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert_eq!(test::read_body(response).await, unknown);
}

#[actix_web::test]
async fn sign_out_ends_that_session_only() {
    let state = state();
    let app = app(state).await;
    let first = sign_up(&app, "ada@example.com").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = sign_in(&app, "ada@example.com", PASSWORD).await;

    let response = test::TestRequest::post()
        .uri("/api/v1/auth/sign-out")
        .insert_header(bearer(&first))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 204);
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("sophie_session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");

    assert_eq!(me_status(&app, &first).await, 401);
    assert_eq!(me_status(&app, &second).await, 200);
    let again = test::TestRequest::post()
        .uri("/api/v1/auth/sign-out")
        .insert_header(bearer(&first))
        .send_request(&app)
        .await;
    assert_eq!(again.status(), 401);
}

#[actix_web::test]
async fn sign_out_all_ends_every_session() {
    let state = state();
    let app = app(state).await;
    sign_up(&app, "ada@example.com").await;
    let first = sign_in(&app, "ada@example.com", PASSWORD).await;
    let second = sign_in(&app, "ada@example.com", PASSWORD).await;
    sign_up(&app, "bob@example.com").await;
    let bob = sign_in(&app, "bob@example.com", PASSWORD).await;

    let response = test::TestRequest::post()
        .uri("/api/v1/auth/sign-out-all")
        .insert_header(bearer(&first))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 204);
    assert!(set_cookie(&response).contains("Max-Age=0"));
    assert_eq!(me_status(&app, &first).await, 401);
    assert_eq!(me_status(&app, &second).await, 401);
    assert_eq!(me_status(&app, &bob).await, 200, "other users stay");
}

#[actix_web::test]
async fn changing_the_password_ends_the_other_sessions() {
    let state = state();
    let app = app(state).await;
    sign_up(&app, "ada@example.com").await;
    let current = sign_in(&app, "ada@example.com", PASSWORD).await;
    let other = sign_in(&app, "ada@example.com", PASSWORD).await;
    let new_password = "a brand new password";

    let change = |current_password: &str, new: &str| {
        test::TestRequest::post()
            .uri("/api/v1/me/password")
            .insert_header(bearer(&current))
            .set_json(json!({ "currentPassword": current_password, "newPassword": new }))
    };
    let wrong = change("not my password", new_password)
        .send_request(&app)
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(problem_fields(wrong).await, ["currentPassword"]);
    let weak = change(PASSWORD, "short").send_request(&app).await;
    assert_eq!(weak.status(), 422);
    assert_eq!(problem_fields(weak).await, ["newPassword"]);
    assert_eq!(
        me_status(&app, &other).await,
        200,
        "failures change nothing"
    );

    let changed = change(PASSWORD, new_password).send_request(&app).await;
    assert_eq!(changed.status(), 204);
    assert_eq!(me_status(&app, &current).await, 200);
    assert_eq!(me_status(&app, &other).await, 401);

    let old = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(old.status(), 401);
    sign_in(&app, "ada@example.com", new_password).await;
}

#[actix_web::test]
async fn a_user_changes_their_profile() {
    let state = state();
    let app = app(state).await;
    let token = sign_up(&app, "ada@example.com").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = |body: Value| {
        test::TestRequest::patch()
            .uri("/api/v1/me")
            .insert_header(bearer(&token))
            .set_json(body)
    };

    let changed =
        patch(json!({ "name": "Countess Lovelace", "image": "https://example.com/ada.png" }))
            .send_request(&app)
            .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = test::read_body_json(changed).await;
    assert_eq!(changed["name"], "Countess Lovelace");
    assert_eq!(changed["image"], "https://example.com/ada.png");

    let cleared: Value =
        test::read_body_json(patch(json!({ "image": null })).send_request(&app).await).await;
    assert_eq!(cleared["image"], Value::Null, "null removes the image");
    assert_eq!(cleared["name"], "Countess Lovelace", "left out stays");

    let invalid = patch(json!({ "name": "", "image": "javascript:alert(1)" }))
        .send_request(&app)
        .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(problem_fields(invalid).await, ["name", "image"]);
    for body in [
        json!({ "email": "eve@example.com" }),
        json!({ "emailVerified": true }),
    ] {
        let refused = patch(body).send_request(&app).await;
        assert_eq!(refused.status(), 422, "not changeable here");
    }
}

#[actix_web::test]
async fn deleting_the_account_deletes_everything() {
    let state = state();
    let app = app(state.clone()).await;
    let body = sign_up(&app, "ada@example.com").await;
    let token = body["token"].as_str().unwrap().to_owned();
    let user_id: UserId = serde_json::from_value(body["user"]["id"].clone()).unwrap();
    let course: Value = test::call_and_read_body_json(
        &app,
        test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&token))
            .set_json(json!({ "name": "Linear Algebra" }))
            .to_request(),
    )
    .await;
    let course_id = CourseId::from_uuid(Uuid::parse_str(course["id"].as_str().unwrap()).unwrap());

    let response = test::TestRequest::delete()
        .uri("/api/v1/me")
        .insert_header(bearer(&token))
        .send_request(&app)
        .await;
    assert_eq!(response.status(), 204);
    assert!(set_cookie(&response).contains("Max-Age=0"));

    assert!(matches!(
        state.repositories.users.get(user_id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        state.repositories.courses.get(user_id, course_id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        state
            .repositories
            .sessions
            .find_by_token_hash(&hash_token(&token))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(me_status(&app, &token).await, 401);
    let again = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(again.status(), 401);
    sign_up(&app, "ada@example.com").await;
}

#[actix_web::test]
async fn too_many_attempts_are_refused_with_retry_after() {
    let state = state_with(
        ApiConfig {
            attempts_per_email: 2,
            ..ApiConfig::default()
        },
        None,
    );
    let app = app(state).await;
    sign_up(&app, "ada@example.com").await;
    let wrong = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "ada@example.com", "password": "wrong password" }),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    // The third attempt for this email, right password or not.
    let refused = post(
        &app,
        "/api/v1/auth/sign-in",
        json!({ "email": "ADA@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("Retry-After")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after));
    let refused = post(
        &app,
        "/api/v1/auth/sign-up",
        json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(
        refused.status(),
        429,
        "sign-up counts against the same email"
    );
    // Another email is still welcome.
    sign_up(&app, "bob@example.com").await;
}

#[actix_web::test]
async fn too_many_attempts_from_one_ip_are_refused() {
    let state = state_with(
        ApiConfig {
            attempts_per_ip: 2,
            ..ApiConfig::default()
        },
        None,
    );
    let app = app(state).await;
    let attempt = |email: &str| {
        test::TestRequest::post()
            .uri("/api/v1/auth/sign-in")
            .insert_header(("X-Forwarded-For", "198.51.100.1"))
            .set_json(json!({ "email": email, "password": PASSWORD }))
    };
    assert_eq!(
        attempt("a@example.com").send_request(&app).await.status(),
        401
    );
    assert_eq!(
        attempt("b@example.com").send_request(&app).await.status(),
        401
    );
    assert_eq!(
        attempt("c@example.com").send_request(&app).await.status(),
        429
    );
}

#[actix_web::test]
async fn using_a_session_renews_it_up_to_the_maximum_age() {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let state = state_with(ApiConfig::default(), Some(clock.clone()));
    let app = app(state.clone()).await;
    let token = sign_up(&app, "ada@example.com").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let expiry = || async {
        state
            .repositories
            .sessions
            .find_by_token_hash(&hash_token(&token))
            .await
            .unwrap()
            .unwrap()
            .expires_at
    };
    assert_eq!(expiry().await, start + TimeDelta::days(7));

    // Used within a day of the last renewal: unchanged.
    clock.advance(TimeDelta::hours(12));
    assert_eq!(me_status(&app, &token).await, 200);
    assert_eq!(expiry().await, start + TimeDelta::days(7));

    // Used later: pushed back a full TTL from now.
    clock.set(start + TimeDelta::days(2));
    assert_eq!(me_status(&app, &token).await, 200);
    assert_eq!(expiry().await, start + TimeDelta::days(9));

    // Kept in use, it never outlives 30 days from sign-in.
    for day in [8, 14, 20, 26, 29] {
        clock.set(start + TimeDelta::days(day));
        assert_eq!(me_status(&app, &token).await, 200, "day {day}");
    }
    assert_eq!(expiry().await, start + TimeDelta::days(30));
    clock.set(start + TimeDelta::days(30));
    assert_eq!(me_status(&app, &token).await, 401);
}

#[actix_web::test]
async fn an_unused_session_expires_after_the_ttl() {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let state = state_with(ApiConfig::default(), Some(clock.clone()));
    let app = app(state).await;
    let token = sign_up(&app, "ada@example.com").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let unused = sign_in(&app, "ada@example.com", PASSWORD).await;
    clock.set(start + TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(me_status(&app, &token).await, 200, "renewed by this use");
    clock.set(start + TimeDelta::days(7));
    assert_eq!(me_status(&app, &unused).await, 401, "a week unused");
    assert_eq!(me_status(&app, &token).await, 200);
}

#[actix_web::test]
async fn the_document_describes_the_routes() {
    let doc = serde_json::to_value(crate::openapi::document()).unwrap();
    for path in [
        "/api/v1/auth/sign-up",
        "/api/v1/auth/sign-in",
        "/api/v1/auth/sign-out",
        "/api/v1/auth/sign-out-all",
        "/api/v1/me",
        "/api/v1/me/password",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is undocumented");
    }
    assert!(doc["components"]["schemas"]["AuthResponse"].is_object());
    assert!(doc["paths"]["/api/v1/me"]["get"]["security"].is_array());
}
