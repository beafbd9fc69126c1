//! Sign-in through a provider on the in-memory adapters with a mocked provider: a flow's state
//! is used once and only from its browser, provider tokens are stored sealed, refreshed before
//! they expire, and a revoked refresh token leaves the account waiting for reconnection with
//! one notification.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::memory::{FixedClock, MemoryStore};
use sophie_domain::services::accounts::{AccountPorts, AccountService, ClientInfo, SessionPolicy};
use sophie_domain::services::federation::{
    FederatedSignIn, FederationPorts, FinishedFlow, FlowPurpose, StartedFlow,
};
use sophie_domain::services::sealing::{SealedIn, TokenKeys};
use sophie_domain::values::{Password, PasswordHash};
use sophie_domain::{
    AuthorizationStart, DomainError, DomainResult, LinkedAccount, MockIdentityProvider,
    NotificationFilter, NotificationType, PageRequest, PasswordHasher, ProviderIdentity,
    ProviderTokens, Repositories, UserId,
};

struct PlainHasher;

#[async_trait]
impl PasswordHasher for PlainHasher {
    async fn hash(&self, password: Password) -> DomainResult<PasswordHash> {
        Ok(PasswordHash::new(format!("plain${}", password.expose())))
    }

    async fn verify(&self, password: Password, hash: PasswordHash) -> DomainResult<bool> {
        Ok(hash.as_str() == format!("plain${}", password.expose()))
    }

    async fn waste_equivalent_time(&self, _password: Password) {}
}

struct World {
    service: FederatedSignIn,
    r: Repositories,
    clock: Arc<FixedClock>,
    keys: Arc<TokenKeys>,
}

fn tokens(access: &str, expires_in: TimeDelta, now: chrono::DateTime<Utc>) -> ProviderTokens {
    ProviderTokens {
        access_token: access.to_owned(),
        refresh_token: Some("refresh-1".to_owned()),
        id_token: Some("header.claims.signature".to_owned()),
        access_token_expires_at: Some(now + expires_in),
        scope: Some("openid email profile".to_owned()),
    }
}

/// A provider whose flows all carry state `state-<n>`, and who signs in Grace.
fn provider(now: chrono::DateTime<Utc>) -> MockIdentityProvider {
    let mut provider = MockIdentityProvider::new();
    provider
        .expect_provider_id()
        .return_const("google".to_owned());
    let mut started = 0;
    provider.expect_start().returning(move |_, _| {
        started += 1;
        Ok(AuthorizationStart {
            url: format!("https://provider.test/authorize?state=state-{started}"),
            state: format!("state-{started}"),
            nonce: format!("nonce-{started}"),
            pkce_verifier: format!("verifier-{started}"),
        })
    });
    provider
        .expect_finish()
        .returning(move |code, verifier, nonce| {
            // The flow's own secrets come back to the provider.
            assert_eq!(verifier.replace("verifier", "nonce"), nonce);
            assert_eq!(code, "code");
            Ok(ProviderIdentity {
                subject: "sub-grace".to_owned(),
                email: Some("grace@example.com".to_owned()),
                email_verified: true,
                name: Some("Grace Hopper".to_owned()),
                picture: None,
                tokens: tokens("access-1", TimeDelta::hours(1), now),
            })
        });
    provider
}

fn world(provider: impl FnOnce(chrono::DateTime<Utc>) -> MockIdentityProvider) -> World {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let store = MemoryStore::with_clock(clock.clone());
    let r = store.repositories();
    let sessions = AccountService::new(
        AccountPorts {
            users: r.users.clone(),
            accounts: r.accounts.clone(),
            sessions: r.sessions.clone(),
            passwords: Arc::new(PlainHasher),
            clock: clock.clone(),
        },
        SessionPolicy::default(),
    );
    let keys =
        Arc::new(TokenKeys::parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap());
    let service = FederatedSignIn::new(
        FederationPorts::over(&r, Arc::new(provider(now)), clock.clone()),
        sessions,
        keys.clone(),
    );
    World {
        service,
        r,
        clock,
        keys,
    }
}

fn state_of(flow: &StartedFlow) -> String {
    flow.url.split("state=").nth(1).unwrap().to_owned()
}

async fn signed_up(w: &World) -> UserId {
    let flow = w.service.start(FlowPurpose::SignIn).await.unwrap();
    match w
        .service
        .finish(
            &state_of(&flow),
            "code",
            Some(&flow.browser_secret),
            ClientInfo::default(),
        )
        .await
        .unwrap()
    {
        FinishedFlow::SignedIn { signed_in, created } => {
            assert!(created);
            signed_in.user.id
        }
        FinishedFlow::Linked(_) => panic!("a sign-in linked"),
    }
}

#[tokio::test]
async fn a_state_is_used_once_and_only_from_its_browser() {
    let w = world(provider);
    let flow = w.service.start(FlowPurpose::SignIn).await.unwrap();
    let state = state_of(&flow);

    // Another browser is refused, and spends the flow: its code cannot be finished later.
    let other = w
        .service
        .finish(
            &state,
            "code",
            Some("another browser"),
            ClientInfo::default(),
        )
        .await;
    assert!(matches!(other, Err(DomainError::SignInRefused(why)) if why.contains("browser")));
    let after = w
        .service
        .finish(
            &state,
            "code",
            Some(&flow.browser_secret),
            ClientInfo::default(),
        )
        .await;
    assert!(matches!(after, Err(DomainError::SignInRefused(why)) if why.contains("used")));
    let none = w.service.start(FlowPurpose::SignIn).await.unwrap();
    let refused = w
        .service
        .finish(&state_of(&none), "code", None, ClientInfo::default())
        .await;
    assert!(matches!(refused, Err(DomainError::SignInRefused(_))));

    let flow = w.service.start(FlowPurpose::SignIn).await.unwrap();
    let state = state_of(&flow);

    // Two callbacks at once with the right browser: one signs in.
    let (first, second) = tokio::join!(
        w.service.finish(
            &state,
            "code",
            Some(&flow.browser_secret),
            ClientInfo::default()
        ),
        w.service.finish(
            &state,
            "code",
            Some(&flow.browser_secret),
            ClientInfo::default()
        ),
    );
    assert_eq!(
        usize::from(first.is_ok()) + usize::from(second.is_ok()),
        1,
        "{first:?} {second:?}"
    );

    // A flow expires after ten minutes.
    let late = w.service.start(FlowPurpose::SignIn).await.unwrap();
    w.clock.advance(TimeDelta::minutes(11));
    let expired = w
        .service
        .finish(
            &state_of(&late),
            "code",
            Some(&late.browser_secret),
            ClientInfo::default(),
        )
        .await;
    assert!(matches!(expired, Err(DomainError::SignInRefused(why)) if why.contains("expired")));
}

#[tokio::test]
async fn provider_tokens_are_stored_sealed_for_their_row() {
    let w = world(provider);
    let user = signed_up(&w).await;
    let account = w.r.accounts.list_for_user(user).await.unwrap().remove(0);
    for (column, sealed, clear) in [
        ("access_token", &account.access_token, "access-1"),
        ("refresh_token", &account.refresh_token, "refresh-1"),
        ("id_token", &account.id_token, "header.claims.signature"),
    ] {
        let sealed = sealed.as_deref().unwrap();
        assert!(sealed.starts_with("v1:k1:"), "{column}: {sealed}");
        assert!(!sealed.contains(clear), "{column} is stored in clear");
        let row = account.id.to_string();
        let place = SealedIn {
            user,
            provider: "google",
            row: &row,
            column,
        };
        assert_eq!(w.keys.open(sealed, place).unwrap(), clear);
    }
    let opened = w.service.open_tokens(&account).unwrap().unwrap();
    assert_eq!(opened.access_token, "access-1");
}

#[tokio::test]
async fn access_tokens_are_refreshed_before_they_expire() {
    let w = world(|now| {
        let mut provider = provider(now);
        provider
            .expect_refresh()
            .times(1)
            .returning(move |refresh| {
                assert_eq!(refresh, "refresh-1");
                Ok(ProviderTokens {
                    refresh_token: None,
                    id_token: None,
                    ..tokens("access-2", TimeDelta::hours(2), now)
                })
            });
        provider
    });
    let user = signed_up(&w).await;
    let account = w.r.accounts.list_for_user(user).await.unwrap().remove(0);

    // Fresh for another hour: no call to the provider.
    assert_eq!(
        w.service.access_token(user, account.id).await.unwrap(),
        "access-1"
    );
    // Four minutes before its expiry it is refreshed; the refresh token is kept.
    w.clock.advance(TimeDelta::minutes(56));
    assert_eq!(
        w.service.access_token(user, account.id).await.unwrap(),
        "access-2"
    );
    let account = w.r.accounts.list_for_user(user).await.unwrap().remove(0);
    let opened = w.service.open_tokens(&account).unwrap().unwrap();
    assert_eq!(opened.access_token, "access-2");
    assert_eq!(opened.refresh_token.as_deref(), Some("refresh-1"));
    assert_eq!(opened.id_token.as_deref(), Some("header.claims.signature"));
    // Another user's account is not found.
    assert!(matches!(
        w.service.access_token(UserId::new(), account.id).await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_the_student_to_reconnect_once() {
    let w = world(|now| {
        let mut provider = provider(now);
        provider.expect_refresh().times(1).returning(|_| {
            Err(DomainError::SignInRefused(
                "the provider refused the refresh token (invalid_grant)".to_owned(),
            ))
        });
        provider
    });
    let user = signed_up(&w).await;
    let account = w.r.accounts.list_for_user(user).await.unwrap().remove(0);
    w.clock.advance(TimeDelta::hours(2));

    for _ in 0..2 {
        let refused = w.service.access_token(user, account.id).await;
        assert!(
            matches!(&refused, Err(DomainError::Forbidden(why)) if why.contains("link it again")),
            "{refused:?}"
        );
    }
    let account = w.r.accounts.list_for_user(user).await.unwrap().remove(0);
    assert!(LinkedAccount::from(&account).needs_reconnection);
    assert_eq!(
        (account.access_token, account.refresh_token),
        (None, None),
        "the revoked tokens are forgotten"
    );
    let notes =
        w.r.notifications
            .list(user, NotificationFilter::default(), PageRequest::default())
            .await
            .unwrap();
    let reconnect: Vec<_> = notes
        .items
        .iter()
        .filter(|n| n.notification_type == NotificationType::CalendarSync)
        .collect();
    assert_eq!(reconnect.len(), 1, "{notes:?}");
    assert!(reconnect[0].message.contains("invalid_grant"));
}
