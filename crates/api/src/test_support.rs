//! What handler tests share: an app on the in-memory adapters and signed-in users.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use chrono::TimeDelta;
use sophie_domain::memory::MemoryStore;
use sophie_domain::values::{Email, Name};
use sophie_domain::{Clock, NewSession, NewUser, SystemClock, UserId};

use crate::auth::Argon2Hasher;
use crate::auth::token::new_token;
use crate::state::{AlwaysReady, ApiConfig, AppState};

/// State on a fresh in-memory store, with a fast (test-only) password hash.
pub(crate) fn state() -> AppState {
    let store = MemoryStore::new();
    AppState::new(
        store.repositories(),
        Arc::new(Argon2Hasher::with_params(8, 1, 1).unwrap()),
        Arc::new(SystemClock),
        Arc::new(AlwaysReady),
        ApiConfig::default(),
    )
}

/// The app over `state`.
pub(crate) async fn app(
    state: AppState,
) -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(App::new().configure(|cfg| crate::configure(cfg, state))).await
}

/// A user with a live session; returns their id and bearer token.
pub(crate) async fn signed_in(state: &AppState, email: &str) -> (UserId, String) {
    let user = state
        .repositories
        .users
        .create(NewUser {
            name: Name::parse("Test Student").unwrap(),
            email: Email::parse(email).unwrap(),
            image: None,
        })
        .await
        .unwrap();
    let (token, hash) = new_token().unwrap();
    state
        .repositories
        .sessions
        .create(NewSession {
            user_id: user.id,
            token_hash: hash,
            expires_at: SystemClock.now() + TimeDelta::days(7),
            ip_address: None,
            user_agent: None,
        })
        .await
        .unwrap();
    (user.id, token)
}

/// `Authorization: Bearer <token>`.
pub(crate) fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}
