//! The account service on the in-memory adapters: signing up and in, and sessions that renew
//! and expire.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::memory::{FixedClock, MemoryStore};
use sophie_domain::services::accounts::{
    AccountPorts, AccountService, ClientInfo, CredentialJanitor, SessionPolicy, hash_session_token,
};
use sophie_domain::values::{Email, Name, Password, PasswordHash};
use sophie_domain::{DomainError, DomainResult, NewUser, PasswordHasher};

/// A transparent hasher that counts the decoy verifications.
#[derive(Default)]
struct PlainHasher {
    decoys: AtomicUsize,
}

#[async_trait]
impl PasswordHasher for PlainHasher {
    async fn hash(&self, password: Password) -> DomainResult<PasswordHash> {
        Ok(PasswordHash::new(format!("plain${}", password.expose())))
    }

    async fn verify(&self, password: Password, hash: PasswordHash) -> DomainResult<bool> {
        Ok(hash.as_str() == format!("plain${}", password.expose()))
    }

    async fn waste_equivalent_time(&self, _password: Password) {
        self.decoys.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    janitor: CredentialJanitor,
    service: AccountService,
    clock: Arc<FixedClock>,
    hasher: Arc<PlainHasher>,
    store: MemoryStore,
}

fn fixture() -> Fixture {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
    ));
    let store = MemoryStore::with_clock(clock.clone());
    let r = store.repositories();
    let janitor =
        CredentialJanitor::new(r.sessions.clone(), r.verifications.clone(), clock.clone());
    let hasher = Arc::new(PlainHasher::default());
    let service = AccountService::new(
        AccountPorts {
            users: r.users,
            accounts: r.accounts,
            sessions: r.sessions,
            passwords: hasher.clone(),
            clock: clock.clone(),
        },
        SessionPolicy::default(),
    );
    Fixture {
        janitor,
        service,
        clock,
        hasher,
        store,
    }
}

fn ada() -> NewUser {
    NewUser {
        name: Name::parse("Ada").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        image: None,
    }
}

fn password(text: &str) -> Password {
    Password::parse(text).unwrap()
}

#[tokio::test]
async fn a_student_signs_up_signs_in_and_is_recognised_by_the_token() {
    let f = fixture();
    let client = ClientInfo {
        ip_address: Some("127.0.0.1".into()),
        user_agent: Some("test".into()),
    };
    let up = f
        .service
        .sign_up(ada(), password("correct horse battery"), client.clone())
        .await
        .unwrap();
    assert_eq!(up.expires_at, f.clock_now() + TimeDelta::days(7));
    let me = f.service.authenticate(&up.token).await.unwrap();
    assert_eq!(me.user_id, up.user.id);

    let email = Email::parse("ADA@example.com").unwrap();
    let again = f
        .service
        .sign_in(&email, Some(password("correct horse battery")), client)
        .await
        .unwrap();
    assert_ne!(again.token, up.token, "each sign-in is its own session");
    // Only the token's hash is stored.
    let stored = f
        .store
        .repositories()
        .sessions
        .find_by_token_hash(&hash_session_token(&again.token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.ip_address.as_deref(), Some("127.0.0.1"));

    let taken = f
        .service
        .sign_up(ada(), password("another password"), ClientInfo::default())
        .await;
    assert!(
        matches!(taken, Err(DomainError::Conflict { .. })),
        "{taken:?}"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_fail_alike() {
    let f = fixture();
    f.service
        .sign_up(
            ada(),
            password("correct horse battery"),
            ClientInfo::default(),
        )
        .await
        .unwrap();
    let email = Email::parse("ada@example.com").unwrap();
    let wrong = f
        .service
        .sign_in(
            &email,
            Some(password("wrong password!")),
            ClientInfo::default(),
        )
        .await;
    assert!(matches!(wrong, Err(DomainError::Unauthorized)));
    let nobody = Email::parse("nobody@example.com").unwrap();
    let unknown = f
        .service
        .sign_in(
            &nobody,
            Some(password("correct horse battery")),
            ClientInfo::default(),
        )
        .await;
    assert!(matches!(unknown, Err(DomainError::Unauthorized)));
    let policy_breaker = f.service.sign_in(&email, None, ClientInfo::default()).await;
    assert!(matches!(policy_breaker, Err(DomainError::Unauthorized)));
    assert_eq!(
        f.hasher.decoys.load(Ordering::SeqCst),
        2,
        "the unknown email and the impossible password spent a hash's time"
    );
    assert!(matches!(
        f.service.authenticate("not a token").await,
        Err(DomainError::Unauthorized)
    ));
}

#[tokio::test]
async fn sessions_renew_on_use_up_to_their_maximum_age_then_expire() {
    let f = fixture();
    let up = f
        .service
        .sign_up(
            ada(),
            password("correct horse battery"),
            ClientInfo::default(),
        )
        .await
        .unwrap();
    let sessions = f.store.repositories().sessions;
    let hash = hash_session_token(&up.token);
    let expiry = || async {
        sessions
            .find_by_token_hash(&hash)
            .await
            .unwrap()
            .unwrap()
            .expires_at
    };

    // Within a day of the last renewal, use does not push the expiry back.
    f.clock.advance(TimeDelta::hours(2));
    f.service.authenticate(&up.token).await.unwrap();
    assert_eq!(expiry().await, up.expires_at);

    // Past it, use does.
    f.clock.advance(TimeDelta::days(2));
    f.service.authenticate(&up.token).await.unwrap();
    assert_eq!(expiry().await, f.clock_now() + TimeDelta::days(7));

    // Used every few days, it lives 30 days from sign-in and no longer.
    for _ in 0..12 {
        f.clock.advance(TimeDelta::days(3));
        let _ = f.service.authenticate(&up.token).await;
    }
    assert_eq!(expiry().await, up.user.created_at + TimeDelta::days(30));
    assert!(matches!(
        f.service.authenticate(&up.token).await,
        Err(DomainError::Unauthorized)
    ));
    assert_eq!(f.janitor.purge_expired().await.unwrap(), (1, 0));
}

impl Fixture {
    fn clock_now(&self) -> chrono::DateTime<Utc> {
        use sophie_domain::Clock as _;
        self.clock.now()
    }
}
