//! [`crate::SessionRepository`]: sign-in sessions found by token hash, renewed and ended.

use chrono::TimeDelta;

use super::Fixture;
use super::expect;
use super::seed::{World, new_session, now, wait_past};
use crate::id::SessionId;

pub async fn sessions_create_and_find_by_token_hash(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let mut new = new_session(ada, "hash-1", now() + TimeDelta::days(30));
    new.ip_address = Some("203.0.113.7".to_owned());
    new.user_agent = Some("Firefox".to_owned());
    let created = w.r.sessions.create(new).await.unwrap();
    assert_eq!(created.user_id, ada);
    assert_eq!(created.token_hash, "hash-1");
    assert_eq!(created.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(created.user_agent.as_deref(), Some("Firefox"));
    assert_eq!(
        w.r.sessions.find_by_token_hash("hash-1").await.unwrap(),
        Some(created),
        "a signed-in user's token does not find their session"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("unknown").await.unwrap(),
        None,
        "an unknown token finds a session"
    );

    let expired =
        w.r.sessions
            .create(new_session(ada, "expired", now() - TimeDelta::hours(1)))
            .await
            .unwrap();
    assert_eq!(
        w.r.sessions.find_by_token_hash("expired").await.unwrap(),
        Some(expired),
        "an expired session is not found: the caller, not the store, decides it is over"
    );
}

pub async fn sessions_expiry_keeps_microseconds(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let base = now();
    let session =
        w.r.sessions
            .create(new_session(
                ada,
                "precise",
                base + TimeDelta::nanoseconds(1_500_999),
            ))
            .await
            .unwrap();
    assert_eq!(
        session.expires_at,
        base + TimeDelta::microseconds(1_500),
        "a given time is not kept at microsecond precision, truncated"
    );
    let found =
        w.r.sessions
            .find_by_token_hash("precise")
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        found.expires_at, session.expires_at,
        "the expiry read back differs from the one returned on sign-in"
    );
}

pub async fn sessions_token_hash_is_unique(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let first =
        w.r.sessions
            .create(new_session(ada, "same", now() + TimeDelta::days(1)))
            .await
            .unwrap();
    expect::conflict(
        w.r.sessions
            .create(new_session(bob, "same", now() + TimeDelta::days(1)))
            .await,
        "token",
        "two sessions could share one token",
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("same").await.unwrap(),
        Some(first),
        "the refused session replaced the first one"
    );
}

pub async fn sessions_extend_moves_the_expiry(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let session =
        w.r.sessions
            .create(new_session(ada, "t", now() + TimeDelta::hours(1)))
            .await
            .unwrap();
    let later = now() + TimeDelta::days(7);
    wait_past(session.updated_at);
    let extended = w.r.sessions.extend(ada, session.id, later).await.unwrap();
    assert_eq!(extended.expires_at, later, "the session was not renewed");
    assert!(
        extended.updated_at > session.updated_at,
        "renewal did not move updated_at"
    );
    assert_eq!(extended.created_at, session.created_at);
    assert_eq!(
        (extended.token_hash.as_str(), extended.user_id),
        ("t", ada),
        "renewal changed who the session signs in"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("t").await.unwrap(),
        Some(extended),
        "the renewal was not stored"
    );
    expect::not_found(
        w.r.sessions.extend(ada, SessionId::new(), later).await,
        "session",
        "renewing a session that does not exist",
    );
}

pub async fn sessions_delete_ends_one_session(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let phone =
        w.r.sessions
            .create(new_session(ada, "phone", now() + TimeDelta::days(1)))
            .await
            .unwrap();
    let laptop =
        w.r.sessions
            .create(new_session(ada, "laptop", now() + TimeDelta::days(1)))
            .await
            .unwrap();
    w.r.sessions.delete(ada, phone.id).await.unwrap();
    assert_eq!(
        w.r.sessions.find_by_token_hash("phone").await.unwrap(),
        None,
        "a signed-out session still signs in"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("laptop").await.unwrap(),
        Some(laptop),
        "signing out on one device signed out another"
    );
    expect::not_found(
        w.r.sessions.delete(ada, phone.id).await,
        "session",
        "signing out twice",
    );
}

pub async fn sessions_delete_all_for_user_keeps_the_one_asked(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let expires = now() + TimeDelta::days(1);
    let keep =
        w.r.sessions
            .create(new_session(ada, "keep", expires))
            .await
            .unwrap();
    for token in ["a", "b", "c"] {
        w.r.sessions
            .create(new_session(ada, token, expires))
            .await
            .unwrap();
    }
    let bobs =
        w.r.sessions
            .create(new_session(bob, "bob", expires))
            .await
            .unwrap();

    assert_eq!(
        w.r.sessions
            .delete_all_for_user(ada, Some(keep.id))
            .await
            .unwrap(),
        3,
        "\"sign out everywhere else\" reports the wrong number of sessions ended"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("keep").await.unwrap(),
        Some(keep.clone()),
        "the current session was ended with the others"
    );
    for token in ["a", "b", "c"] {
        assert_eq!(
            w.r.sessions.find_by_token_hash(token).await.unwrap(),
            None,
            "another device is still signed in"
        );
    }
    assert_eq!(
        w.r.sessions.find_by_token_hash("bob").await.unwrap(),
        Some(bobs.clone()),
        "another user was signed out"
    );

    assert_eq!(
        w.r.sessions.delete_all_for_user(ada, None).await.unwrap(),
        1,
        "\"sign out everywhere\" reports the wrong count"
    );
    assert_eq!(w.r.sessions.find_by_token_hash("keep").await.unwrap(), None);
    assert_eq!(
        w.r.sessions.delete_all_for_user(ada, None).await.unwrap(),
        0,
        "nothing is left to end"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("bob").await.unwrap(),
        Some(bobs),
        "another user was signed out"
    );
}

pub async fn sessions_delete_expired_ends_those_expired_before_now(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let at = now();
    w.r.sessions
        .create(new_session(ada, "old", at - TimeDelta::hours(1)))
        .await
        .unwrap();
    w.r.sessions
        .create(new_session(bob, "bob-old", at - TimeDelta::minutes(1)))
        .await
        .unwrap();
    let edge =
        w.r.sessions
            .create(new_session(ada, "edge", at))
            .await
            .unwrap();
    let live =
        w.r.sessions
            .create(new_session(ada, "live", at + TimeDelta::hours(1)))
            .await
            .unwrap();

    assert_eq!(
        w.r.sessions
            .delete_expired(at - TimeDelta::hours(2))
            .await
            .unwrap(),
        0,
        "sessions were purged before they expired"
    );
    assert_eq!(
        w.r.sessions.delete_expired(at).await.unwrap(),
        2,
        "purging reports the wrong count (expired strictly before now, every user's)"
    );
    assert_eq!(w.r.sessions.find_by_token_hash("old").await.unwrap(), None);
    assert_eq!(
        w.r.sessions.find_by_token_hash("bob-old").await.unwrap(),
        None
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("edge").await.unwrap(),
        Some(edge),
        "a session expiring exactly now was purged"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("live").await.unwrap(),
        Some(live)
    );
}

pub async fn sessions_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas =
        w.r.sessions
            .create(new_session(ada, "ada", now() + TimeDelta::days(1)))
            .await
            .unwrap();
    expect::hidden(
        w.r.sessions
            .extend(bob, adas.id, now() + TimeDelta::days(9))
            .await,
        w.r.sessions.extend(bob, SessionId::new(), now()).await,
        "session",
        "Bob renewed Ada's session",
    );
    expect::hidden(
        w.r.sessions.delete(bob, adas.id).await,
        w.r.sessions.delete(bob, SessionId::new()).await,
        "session",
        "Bob signed Ada out",
    );
    assert_eq!(
        w.r.sessions.delete_all_for_user(bob, None).await.unwrap(),
        0,
        "Bob's \"sign out everywhere\" ended someone else's session"
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash("ada").await.unwrap(),
        Some(adas),
        "Ada's session changed"
    );
}
