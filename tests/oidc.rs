//! Sign-in with an OpenID Connect provider, end to end: `sophie serve` against a provider on
//! 127.0.0.1 (`tests/fakes/oidc.rs`), with a browser of reqwest that keeps cookies and follows
//! no redirect, on memory and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fakes;
mod server;

use fakes::oidc::{CLIENT_ID, CLIENT_SECRET, Key, Person, Provider, Spoil};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use server::Server;
use sophie_persistence::testing::TestDatabase;

/// The callback sophie registers; the browser below takes the provider's redirect to the
/// server under test instead (its port is not known before it starts).
const REGISTERED_CALLBACK: &str = "http://127.0.0.1:9/api/v1/auth/oidc/callback";
const KEY: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn start(provider: &Provider, db: Option<TestDatabase>) -> Server {
    Server::start_with(
        db,
        &[
            ("OIDC_ISSUER", provider.issuer()),
            ("OIDC_CLIENT_ID", CLIENT_ID),
            ("OIDC_CLIENT_SECRET", CLIENT_SECRET),
            ("OIDC_REDIRECT_URL", REGISTERED_CALLBACK),
            ("TOKEN_KEY", KEY),
            // The browser below speaks plain HTTP to 127.0.0.1.
            ("SECURE_COOKIES", "false"),
            // Every sign-in of the tests comes from 127.0.0.1.
            ("SIGN_IN_ATTEMPTS_PER_IP", "1000"),
        ],
    )
    .await
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location in a {} answer", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The provider's redirect back, aimed at the server under test: `(code, state)` kept.
fn callback_on(server: &Server, provider_redirect: &str) -> String {
    let tail = provider_redirect
        .strip_prefix("http://127.0.0.1:9")
        .unwrap_or_else(|| panic!("the provider sent the browser to {provider_redirect}"));
    format!("{}{tail}", server.base)
}

/// From the provider's sign-in page to the URL sophie's callback is called with.
async fn through_provider(server: &Server, browser: &Client, authorization_url: &str) -> String {
    let at_provider = browser.get(authorization_url).send().await.unwrap();
    assert_eq!(at_provider.status(), StatusCode::FOUND);
    callback_on(server, &location(&at_provider))
}

/// Starts a sign-in in `browser` and brings it to the callback URL.
async fn to_callback(server: &Server, browser: &Client) -> String {
    let start = browser
        .get(format!("{}/api/v1/auth/oidc/start", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        start.status(),
        StatusCode::FOUND,
        "{:?}",
        start.text().await
    );
    let authorization_url = location(&start);
    assert!(authorization_url.contains("code_challenge_method=S256"));
    assert!(authorization_url.contains("nonce="));
    assert!(authorization_url.contains("state="));
    through_provider(server, browser, &authorization_url).await
}

async fn finish(browser: &Client, callback: &str) -> (StatusCode, Value) {
    let response = browser.get(callback).send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A whole sign-in in a new browser.
async fn sign_in(server: &Server) -> (StatusCode, Value) {
    let browser = browser();
    let callback = to_callback(server, &browser).await;
    finish(&browser, &callback).await
}

async fn users_and_accounts(server: &Server) -> (i64, i64) {
    (
        server.count("SELECT count(*) AS n FROM users").await,
        server.count("SELECT count(*) AS n FROM accounts").await,
    )
}

async fn signs_up_then_in(server: Server, provider: &Provider) {
    let (status, first) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let token = first["token"].as_str().unwrap().to_owned();
    let me = server
        .expect(200, Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_eq!(me["email"], "grace@example.com");
    assert_eq!(me["name"], "Grace Hopper");
    assert_eq!(me["emailVerified"], true);

    let accounts = server
        .expect(200, Method::GET, "/api/v1/me/accounts", Some(&token), None)
        .await;
    let provider_id = format!("oidc:{}", provider.issuer());
    assert_eq!(accounts.as_array().unwrap().len(), 1, "{accounts}");
    assert_eq!(accounts[0]["providerId"], provider_id.as_str());
    assert_eq!(accounts[0]["scope"], "openid email profile");
    let shown = accounts.to_string();
    assert!(
        !shown.contains("access-") && !shown.contains("refresh-"),
        "{shown}"
    );

    // The same person again: the same user, a new session.
    let (status, second) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["user"]["id"], first["user"]["id"]);
    assert_ne!(second["token"], first["token"]);

    // The last way to sign in stays.
    let id = accounts[0]["id"].as_str().unwrap();
    let refused = server
        .expect(
            409,
            Method::DELETE,
            &format!("/api/v1/me/accounts/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert!(refused["detail"].as_str().unwrap().contains("only way"));
}

#[tokio::test]
async fn a_new_person_signs_up_through_the_provider_then_in_again_in_memory() {
    let provider = Provider::start().await;
    let server = start(&provider, None).await;
    signs_up_then_in(server, &provider).await;
}

#[tokio::test]
async fn a_new_person_signs_up_through_the_provider_then_in_again_on_postgres() {
    let provider = Provider::start().await;
    let server = start(&provider, Some(TestDatabase::new().await)).await;
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(users_and_accounts(&server).await, (1, 1));

    // No token in clear in the row: each column holds a sealed value, and none of what the
    // provider issued appears in it.
    let sealed = server
        .count(
            "SELECT count(*) AS n FROM accounts WHERE access_token LIKE 'v1:k1:%' \
             AND refresh_token LIKE 'v1:k1:%' AND id_token LIKE 'v1:k1:%'",
        )
        .await;
    assert_eq!(sealed, 1);
    let clear = server
        .count(
            "SELECT count(*) AS n FROM accounts WHERE concat(access_token, refresh_token, \
             id_token) ~ '(access-1-a1b2c3d4e5f6|refresh-1-f6e5d4c3b2a1|sub-grace)'",
        )
        .await;
    assert_eq!(clear, 0, "a provider token is stored in clear");
    assert_eq!(provider.issued(), 1);

    signs_up_then_in(server, &provider).await;
}

#[tokio::test]
async fn an_email_of_a_password_account_is_linked_only_by_its_owner() {
    let provider = Provider::start().await;
    let server = start(&provider, Some(TestDatabase::new().await)).await;
    let (ada, ada_token) = server.sign_up("Ada", "ada@example.com").await;
    // Someone registers Ada's address at the provider (and it says it verified it).
    provider.sign_in_as(Person::new("sub-mallory", "ada@example.com"));
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("link"), "{body}");
    assert_eq!(
        users_and_accounts(&server).await,
        (1, 1),
        "no account was linked"
    );

    // Ada herself, signed in, links her provider account (another email at the provider).
    provider.sign_in_as(Person::new("sub-ada", "ada.lovelace@example.org"));
    let browser = browser();
    let started = browser
        .post(format!("{}/api/v1/me/accounts/oidc/link", server.base))
        .bearer_auth(&ada_token)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    let started: Value = started.json().await.unwrap();
    let callback = through_provider(
        &server,
        &browser,
        started["authorizationUrl"].as_str().unwrap(),
    )
    .await;
    let (status, linked) = finish(&browser, &callback).await;
    assert_eq!(status, StatusCode::CREATED, "{linked}");
    assert_eq!(linked["providerId"], format!("oidc:{}", provider.issuer()));

    // Now the provider signs Ada in.
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], ada.as_str());
    let accounts = server
        .expect(
            200,
            Method::GET,
            "/api/v1/me/accounts",
            Some(&ada_token),
            None,
        )
        .await;
    let providers: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["providerId"].as_str().unwrap())
        .collect();
    assert_eq!(providers[0], "credential");
    assert_eq!(providers.len(), 2);

    // Bob cannot link Ada's provider account, nor unlink her accounts.
    let (_, bob_token) = server.sign_up("Bob", "bob@example.com").await;
    let browser = self::browser();
    let started: Value = browser
        .post(format!("{}/api/v1/me/accounts/oidc/link", server.base))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let callback = through_provider(
        &server,
        &browser,
        started["authorizationUrl"].as_str().unwrap(),
    )
    .await;
    let (status, body) = finish(&browser, &callback).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let adas_google = accounts[1]["id"].as_str().unwrap();
    server
        .expect(
            404,
            Method::DELETE,
            &format!("/api/v1/me/accounts/{adas_google}"),
            Some(&bob_token),
            None,
        )
        .await;

    // Ada drops her password: the provider is enough to sign in.
    let credential = accounts[0]["id"].as_str().unwrap();
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/me/accounts/{credential}"),
            Some(&ada_token),
            None,
        )
        .await;
    server
        .expect(
            409,
            Method::DELETE,
            &format!("/api/v1/me/accounts/{adas_google}"),
            Some(&ada_token),
            None,
        )
        .await;
}

#[tokio::test]
async fn bad_callbacks_are_refused_with_their_reason_and_create_nothing() {
    let provider = Provider::start().await;
    let server = start(&provider, Some(TestDatabase::new().await)).await;

    // A state this server never issued.
    let browser = browser();
    let callback = to_callback(&server, &browser).await;
    let forged = callback.replace("state=", "state=x");
    let (status, body) = finish(&browser, &forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("state"), "{body}");

    // Another browser, holding a flow cookie of its own: refused, and the flow is spent, so
    // its code cannot be finished later by whoever learns the URL.
    let other = self::browser();
    let _ = to_callback(&server, &other).await;
    let (status, body) = finish(&other, &callback).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("browser"),
        "{body}"
    );
    let (status, body) = finish(&browser, &callback).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // The right browser passes; the same callback again is refused (used state) ...
    let callback = to_callback(&server, &browser).await;
    let (status, body) = finish(&browser, &callback).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = finish(&browser, &callback).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // ... and so is its code under a fresh state: the provider will not exchange it twice.
    let fresh = to_callback(&server, &browser).await;
    let fresh_state = fresh.split("state=").nth(1).unwrap();
    let old_code = callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let replay = format!(
        "{}/api/v1/auth/oidc/callback?code={old_code}&state={fresh_state}",
        server.base
    );
    let (status, body) = finish(&browser, &replay).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("invalid_grant"),
        "{body}"
    );
    let before = users_and_accounts(&server).await;
    assert_eq!(before, (1, 1));

    // ID tokens that fail a check, for a person who would otherwise be created.
    provider.sign_in_as(Person::new("sub-eve", "eve@example.com"));
    for (spoil, reason) in [
        (Spoil::AlgNone, "ID token"),
        (Spoil::Hs256, "ID token"),
        (Spoil::BadSignature, "ID token"),
        (Spoil::OtherAudience, "ID token"),
        (Spoil::Expired, "ID token"),
        (Spoil::OtherNonce, "ID token"),
    ] {
        provider.spoil(spoil);
        let (status, body) = sign_in(&server).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{spoil:?}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(reason),
            "{spoil:?}: {body}"
        );
        assert_eq!(users_and_accounts(&server).await, before, "{spoil:?}");
    }
    provider.spoil(Spoil::Nothing);

    // An email the provider has not verified makes no user.
    let mut unverified = Person::new("sub-eve", "eve@example.com");
    unverified.email_verified = false;
    provider.sign_in_as(unverified);
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("verified"),
        "{body}"
    );
    assert_eq!(users_and_accounts(&server).await, before);

    // A declined consent, and a callback without its parameters.
    let declined = format!(
        "{}/api/v1/auth/oidc/callback?error=access_denied&state=x",
        server.base
    );
    let (status, body) = finish(&browser, &declined).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("access_denied"));
    let (status, _) = finish(
        &browser,
        &format!("{}/api/v1/auth/oidc/callback?state=x", server.base),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(users_and_accounts(&server).await, before);
}

#[tokio::test]
async fn es256_tokens_and_rotated_keys_are_accepted_and_unknown_keys_do_not_flood_the_provider() {
    let provider = Provider::start().await;
    let server = start(&provider, None).await;

    provider.sign_with(Key::Ec);
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "ES256: {body}");
    let reads = provider.jwks_reads();
    assert_eq!(
        reads, 1,
        "the keys are read once, with the discovery document"
    );

    // The provider rotates to a key sophie has not seen: it reads the keys again, once.
    provider.publish(&[Key::Rsa2, Key::Ec]);
    provider.sign_with(Key::Rsa2);
    let (status, body) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK, "after rotation: {body}");
    assert_eq!(provider.jwks_reads(), reads + 1);

    // Tokens naming a key no one published are refused, without reading the keys again
    // within the minute.
    provider.spoil(Spoil::UnknownKid);
    for _ in 0..3 {
        let (status, body) = sign_in(&server).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    assert_eq!(provider.jwks_reads(), reads + 1);

    // The key retired with the rotation no longer signs anyone in.
    provider.spoil(Spoil::Nothing);
    provider.sign_with(Key::Rsa1);
    let (status, _) = sign_in(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_provider_the_sign_in_endpoints_say_so() {
    let server = Server::start_in_memory().await;
    let body = server
        .expect(501, Method::GET, "/api/v1/auth/oidc/start", None, None)
        .await;
    assert!(body["detail"].as_str().unwrap().contains("OIDC_CLIENT_ID"));
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    server
        .expect(
            501,
            Method::POST,
            "/api/v1/me/accounts/oidc/link",
            Some(&token),
            Some(json!({})),
        )
        .await;
    let accounts = server
        .expect(200, Method::GET, "/api/v1/me/accounts", Some(&token), None)
        .await;
    assert_eq!(accounts[0]["providerId"], "credential");
}

#[tokio::test]
async fn the_provider_client_refreshes_tokens_until_the_refresh_token_is_revoked() {
    use sophie_ai::{OidcConfig, OpenIdProvider};
    use sophie_domain::{DomainError, IdentityProvider as _};

    let provider = Provider::start().await;
    // A sign-in through sophie has the provider issue refresh token 1.
    let server = start(&provider, None).await;
    let (status, _) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK);

    let client = OpenIdProvider::new(OidcConfig {
        issuer: provider.issuer().to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_url: REGISTERED_CALLBACK.to_owned(),
        jwks_refetch_interval: std::time::Duration::from_secs(60),
        timeout: std::time::Duration::from_secs(10),
        token_url: None,
    })
    .unwrap();
    let fresh = client.refresh("refresh-1-f6e5d4c3b2a1").await.unwrap();
    assert_eq!(fresh.access_token, "access-2-refreshed");
    assert_eq!(
        fresh.refresh_token, None,
        "the provider kept the refresh token"
    );
    assert!(fresh.access_token_expires_at.is_some());

    // `GOOGLE_TOKEN_URL` replaces the discovered token endpoint: here a closed port, which
    // the refresh then reaches instead of the provider's.
    let elsewhere = OpenIdProvider::new(OidcConfig {
        issuer: provider.issuer().to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_url: REGISTERED_CALLBACK.to_owned(),
        jwks_refetch_interval: std::time::Duration::from_secs(60),
        timeout: std::time::Duration::from_secs(10),
        token_url: Some("http://127.0.0.1:9/token".to_owned()),
    })
    .unwrap();
    let unreachable = elsewhere.refresh("refresh-1-f6e5d4c3b2a1").await;
    assert!(
        matches!(&unreachable, Err(DomainError::Unavailable { .. })),
        "{unreachable:?}"
    );

    provider.revoke_refresh_tokens();
    let revoked = client.refresh("refresh-1-f6e5d4c3b2a1").await;
    assert!(
        matches!(&revoked, Err(DomainError::SignInRefused(why)) if why.contains("invalid_grant")),
        "{revoked:?}"
    );
}
