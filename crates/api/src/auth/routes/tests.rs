//! The handlers of `/api/v1/auth/*` and `/api/v1/me`, driven through the HTTP API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_web::test::TestRequest;
use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};
use sophie_domain::memory::{FixedClock, MemoryStore};
use sophie_domain::{CourseId, DomainError, UserId};
use uuid::Uuid;

use super::parse_ip;
use crate::auth::Argon2Hasher;
use crate::auth::token::hash_token;
use crate::state::{AlwaysReady, ApiConfig, AppState};
use crate::test_support::{Reply, TestApp, TestClient, signed_in, state};

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

/// Signs up, which must answer 201.
async fn sign_up(app: &TestApp, email: &str) -> Reply {
    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada Lovelace", "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 201);
    reply
}

/// Signs in, which must answer 200; a client with the new session's token.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> TestClient {
    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": email, "password": password }),
        )
        .await;
    assert_eq!(reply.status, 200);
    app.with_token(reply["token"].as_str().unwrap())
}

/// A client with the token of a sign-up or sign-in answer.
fn client(app: &TestApp, reply: &Reply) -> TestClient {
    app.with_token(reply["token"].as_str().unwrap())
}

async fn me_status(client: &TestClient) -> u16 {
    client.get("/api/v1/me").await.status
}

#[actix_web::test]
async fn sign_up_then_sign_in_and_the_token_authenticates() {
    let app = TestApp::start(state()).await;

    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada Lovelace", "email": "Ada@Example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.location.as_deref(), Some("/api/v1/me"));
    assert_eq!(reply.header("Cache-Control"), Some("no-store"));
    let cookie = reply.header("Set-Cookie").unwrap();
    assert_eq!(reply["user"]["email"], "ada@example.com");
    assert_eq!(reply["user"]["name"], "Ada Lovelace");
    assert!(reply["expiresAt"].is_string());
    assert!(reply["user"].get("password").is_none());
    let ada = client(&app, &reply);
    assert!(cookie.starts_with(&format!("sophie_session={};", ada.token())));
    assert_eq!(me_status(&ada).await, 200);

    let signed_in = sign_in(&app, "ADA@example.com", PASSWORD).await;
    assert_ne!(
        signed_in.token(),
        ada.token(),
        "each sign-in is a new session"
    );
    let me = signed_in.get("/api/v1/me").await;
    assert_eq!(me.body, reply["user"]);

    assert_eq!(me_status(&app.anonymous()).await, 401);
}

#[actix_web::test]
async fn the_cookie_is_locked_down_and_authenticates() {
    let app = TestApp::start(state()).await;
    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    let cookie = reply.header("Set-Cookie").unwrap();
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
    let me = app
        .anonymous()
        .send(
            TestRequest::get()
                .uri("/api/v1/me")
                .insert_header(("Cookie", pair)),
        )
        .await;
    assert_eq!(me.status, 200);
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
    let app = TestApp::start(state).await;
    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 201);
    let cookie = reply.header("Set-Cookie").unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
}

#[actix_web::test]
async fn only_the_hash_of_the_token_is_stored() {
    let app = TestApp::start(state()).await;
    let reply = sign_up(&app, "ada@example.com").await;
    let token = reply["token"].as_str().unwrap();
    let sessions = &app.state.repositories.sessions;
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
        reply["expiresAt"].as_str().unwrap()
    );
}

#[actix_web::test]
async fn the_session_records_the_client() {
    // Behind a trusted proxy, the forwarded address is the client's.
    let mut state = state();
    let mut config = (*state.config).clone();
    config.trust_proxy = true;
    state.config = Arc::new(config);
    let app = TestApp::start(state).await;
    let long_agent = "x".repeat(600);
    let reply = app
        .anonymous()
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/sign-up")
                .peer_addr("10.0.0.1:50000".parse().unwrap())
                .insert_header(("User-Agent", long_agent))
                .insert_header(("X-Forwarded-For", "192.0.2.66, 203.0.113.7"))
                .set_json(
                    json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
                ),
        )
        .await;
    let session = app
        .state
        .repositories
        .sessions
        .find_by_token_hash(&hash_token(reply["token"].as_str().unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.user_agent.unwrap().chars().count(), 512);
    assert_eq!(session.ip_address.as_deref(), Some("203.0.113.7"));
}

#[actix_web::test]
async fn without_a_trusted_proxy_a_forged_forwarded_header_is_ignored() {
    let app = TestApp::start(state()).await;
    let reply = app
        .anonymous()
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/sign-up")
                .peer_addr("198.51.100.9:50000".parse().unwrap())
                .insert_header(("X-Forwarded-For", "203.0.113.7"))
                .set_json(
                    json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
                ),
        )
        .await;
    let session = app
        .state
        .repositories
        .sessions
        .find_by_token_hash(&hash_token(reply["token"].as_str().unwrap()))
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
    let app = TestApp::start(state()).await;
    sign_up(&app, "ada@example.com").await;
    let reply = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Other Ada", "email": "ADA@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 409);
}

#[actix_web::test]
async fn sign_up_names_every_invalid_field() {
    let app = TestApp::start(state()).await;
    let anonymous = app.anonymous();
    for password in ["x".repeat(7), "x".repeat(129)] {
        let problem = anonymous
            .post(
                "/api/v1/auth/sign-up",
                json!({ "name": "Ada", "email": "ada@example.com", "password": password }),
            )
            .await;
        assert_eq!(problem.status, 422);
        assert_eq!(problem.fields(), ["password"]);
    }
    let problem = anonymous
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": " ", "email": "not-an-email", "password": "short" }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["name", "email", "password"]);
    let problem = anonymous
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD, "role": "admin" }),
        )
        .await;
    assert_eq!(problem.status, 422, "unknown fields are refused");
    // 8 and 128 characters are both fine.
    for (email, password) in [
        ("a@example.com", "x".repeat(8)),
        ("b@example.com", "y".repeat(128)),
    ] {
        let reply = anonymous
            .post(
                "/api/v1/auth/sign-up",
                json!({ "name": "Ada", "email": email, "password": password }),
            )
            .await;
        assert_eq!(reply.status, 201);
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::start(state()).await;
    let anonymous = app.anonymous();
    sign_up(&app, "ada@example.com").await;

    let mut bodies = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        // A password the policy would refuse reveals nothing about the policy either.
        ("ada@example.com", "short"),
        ("nobody@example.com", "short"),
    ] {
        let reply = anonymous
            .post(
                "/api/v1/auth/sign-in",
                json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(reply.status, 401, "{email}");
        assert!(reply.header("Set-Cookie").is_none());
        bodies.push(reply.raw);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    let body = String::from_utf8(bodies[0].to_vec()).unwrap();
    assert!(!body.contains("wrong password!") && !body.contains(PASSWORD));

    let problem = anonymous
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "not an email", "password": PASSWORD }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["email"]);
}

#[actix_web::test]
async fn a_user_without_a_password_cannot_sign_in_with_one() {
    let state = state();
    // `signed_in` creates a user with no credential account, as an OAuth sign-up would.
    signed_in(&state, "oauth@example.com").await;
    let app = TestApp::start(state).await;
    let anonymous = app.anonymous();
    let unknown = anonymous
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "nobody@example.com", "password": PASSWORD }),
        )
        .await;
    let reply = anonymous
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "oauth@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.raw, unknown.raw);
}

#[actix_web::test]
async fn sign_out_ends_that_session_only() {
    let app = TestApp::start(state()).await;
    let first = client(&app, &sign_up(&app, "ada@example.com").await);
    let second = sign_in(&app, "ada@example.com", PASSWORD).await;

    let reply = first.post_empty("/api/v1/auth/sign-out").await;
    assert_eq!(reply.status, 204);
    let cookie = reply.header("Set-Cookie").unwrap();
    assert!(cookie.starts_with("sophie_session=;"), "{cookie}");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");

    assert_eq!(me_status(&first).await, 401);
    assert_eq!(me_status(&second).await, 200);
    let again = first.post_empty("/api/v1/auth/sign-out").await;
    assert_eq!(again.status, 401);
}

#[actix_web::test]
async fn sign_out_all_ends_every_session() {
    let app = TestApp::start(state()).await;
    sign_up(&app, "ada@example.com").await;
    let first = sign_in(&app, "ada@example.com", PASSWORD).await;
    let second = sign_in(&app, "ada@example.com", PASSWORD).await;
    sign_up(&app, "bob@example.com").await;
    let bob = sign_in(&app, "bob@example.com", PASSWORD).await;

    let reply = first.post_empty("/api/v1/auth/sign-out-all").await;
    assert_eq!(reply.status, 204);
    assert!(reply.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(me_status(&first).await, 401);
    assert_eq!(me_status(&second).await, 401);
    assert_eq!(me_status(&bob).await, 200, "other users stay");
}

#[actix_web::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = TestApp::start(state()).await;
    sign_up(&app, "ada@example.com").await;
    let current = sign_in(&app, "ada@example.com", PASSWORD).await;
    let other = sign_in(&app, "ada@example.com", PASSWORD).await;
    let new_password = "a brand new password";

    let change = |current_password: &str, new: &str| json!({ "currentPassword": current_password, "newPassword": new });
    let wrong = current
        .post(
            "/api/v1/me/password",
            change("not my password", new_password),
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(
        wrong.body["detail"]
            .as_str()
            .unwrap()
            .contains("currentPassword")
    );
    let weak = current
        .post("/api/v1/me/password", change(PASSWORD, "short"))
        .await;
    assert_eq!(weak.status, 422);
    assert_eq!(weak.fields(), ["newPassword"]);
    assert_eq!(me_status(&other).await, 200, "failures change nothing");

    let changed = current
        .post("/api/v1/me/password", change(PASSWORD, new_password))
        .await;
    assert_eq!(changed.status, 204);
    assert_eq!(me_status(&current).await, 200);
    assert_eq!(me_status(&other).await, 401);

    let old = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(old.status, 401);
    sign_in(&app, "ada@example.com", new_password).await;
}

#[actix_web::test]
async fn a_user_changes_their_profile() {
    let app = TestApp::start(state()).await;
    let ada = client(&app, &sign_up(&app, "ada@example.com").await);

    let changed = ada
        .patch(
            "/api/v1/me",
            json!({ "name": "Countess Lovelace", "image": "https://example.com/ada.png" }),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed["name"], "Countess Lovelace");
    assert_eq!(changed["image"], "https://example.com/ada.png");

    let cleared = ada.patch("/api/v1/me", json!({ "image": null })).await;
    assert_eq!(cleared["image"], Value::Null, "null removes the image");
    assert_eq!(cleared["name"], "Countess Lovelace", "left out stays");

    let invalid = ada
        .patch(
            "/api/v1/me",
            json!({ "name": "", "image": "javascript:alert(1)" }),
        )
        .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.fields(), ["name", "image"]);
    for body in [
        json!({ "email": "eve@example.com" }),
        json!({ "emailVerified": true }),
    ] {
        let refused = ada.patch("/api/v1/me", body).await;
        assert_eq!(refused.status, 422, "not changeable here");
    }
}

#[actix_web::test]
async fn deleting_the_account_deletes_everything() {
    let app = TestApp::start(state()).await;
    let reply = sign_up(&app, "ada@example.com").await;
    let ada = client(&app, &reply);
    let user_id: UserId = serde_json::from_value(reply["user"]["id"].clone()).unwrap();
    let course = ada
        .post("/api/v1/courses", json!({ "name": "Linear Algebra" }))
        .await;
    let course_id = CourseId::from_uuid(Uuid::parse_str(course.id()).unwrap());

    let deleted = ada.delete("/api/v1/me").await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.header("Set-Cookie").unwrap().contains("Max-Age=0"));

    let repositories = &app.state.repositories;
    assert!(matches!(
        repositories.users.get(user_id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        repositories.courses.get(user_id, course_id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        repositories
            .sessions
            .find_by_token_hash(&hash_token(ada.token()))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(me_status(&ada).await, 401);
    let again = app
        .anonymous()
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(again.status, 401);
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
    let app = TestApp::start(state).await;
    let anonymous = app.anonymous();
    sign_up(&app, "ada@example.com").await;
    let wrong = anonymous
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "ada@example.com", "password": "wrong password" }),
        )
        .await;
    assert_eq!(wrong.status, 401);
    // The third attempt for this email, right password or not.
    let refused = anonymous
        .post(
            "/api/v1/auth/sign-in",
            json!({ "email": "ADA@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(refused.status, 429);
    let retry_after: u64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after));
    let refused = anonymous
        .post(
            "/api/v1/auth/sign-up",
            json!({ "name": "Ada", "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(refused.status, 429, "sign-up counts against the same email");
    // Another email is still welcome.
    sign_up(&app, "bob@example.com").await;
}

#[actix_web::test]
async fn a_stranger_hammering_an_account_cannot_lock_its_owner_out() {
    let state = state_with(
        ApiConfig {
            attempts_per_email: 3,
            ..ApiConfig::default()
        },
        None,
    );
    let app = TestApp::start(state).await;
    let ada = client(&app, &sign_up(&app, "ada@example.com").await);
    let from = |peer: &str, password: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/sign-in")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .set_json(json!({ "email": "ada@example.com", "password": password }))
    };
    let stranger = app.anonymous();
    // The burst from one address ends at that address...
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(
            stranger
                .send(from("203.0.113.66", "guess guess"))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429, 429]);
    // ...the owner signs in from home...
    let home = stranger.send(from("198.51.100.7", PASSWORD)).await;
    assert_eq!(home.status, 200, "{home:?}");
    // ...and changes the password from a live session.
    let changed = ada
        .post(
            "/api/v1/me/password",
            json!({ "currentPassword": PASSWORD, "newPassword": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(changed.status, 204, "{changed:?}");
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
    let app = TestApp::start(state).await;
    let attempt = |email: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/sign-in")
            .insert_header(("X-Forwarded-For", "198.51.100.1"))
            .set_json(json!({ "email": email, "password": PASSWORD }))
    };
    let anonymous = app.anonymous();
    assert_eq!(anonymous.send(attempt("a@example.com")).await.status, 401);
    assert_eq!(anonymous.send(attempt("b@example.com")).await.status, 401);
    assert_eq!(anonymous.send(attempt("c@example.com")).await.status, 429);
}

#[actix_web::test]
async fn using_a_session_renews_it_up_to_the_maximum_age() {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let app = TestApp::start(state_with(ApiConfig::default(), Some(clock.clone()))).await;
    let ada = client(&app, &sign_up(&app, "ada@example.com").await);
    let expiry = || async {
        app.state
            .repositories
            .sessions
            .find_by_token_hash(&hash_token(ada.token()))
            .await
            .unwrap()
            .unwrap()
            .expires_at
    };
    assert_eq!(expiry().await, start + TimeDelta::days(7));

    // Used within a day of the last renewal: unchanged.
    clock.advance(TimeDelta::hours(12));
    assert_eq!(me_status(&ada).await, 200);
    assert_eq!(expiry().await, start + TimeDelta::days(7));

    // Used later: pushed back a full TTL from now.
    clock.set(start + TimeDelta::days(2));
    assert_eq!(me_status(&ada).await, 200);
    assert_eq!(expiry().await, start + TimeDelta::days(9));

    // Kept in use, it never outlives 30 days from sign-in.
    for day in [8, 14, 20, 26, 29] {
        clock.set(start + TimeDelta::days(day));
        assert_eq!(me_status(&ada).await, 200, "day {day}");
    }
    assert_eq!(expiry().await, start + TimeDelta::days(30));
    clock.set(start + TimeDelta::days(30));
    assert_eq!(me_status(&ada).await, 401);
}

#[actix_web::test]
async fn an_unused_session_expires_after_the_ttl() {
    let start = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let app = TestApp::start(state_with(ApiConfig::default(), Some(clock.clone()))).await;
    let used = client(&app, &sign_up(&app, "ada@example.com").await);
    let unused = sign_in(&app, "ada@example.com", PASSWORD).await;
    clock.set(start + TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(me_status(&used).await, 200, "renewed by this use");
    clock.set(start + TimeDelta::days(7));
    assert_eq!(me_status(&unused).await, 401, "a week unused");
    assert_eq!(me_status(&used).await, 200);
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
