//! [`crate::AccountRepository`]: the password account and linked OAuth accounts.

use chrono::TimeDelta;

use super::Fixture;
use super::expect;
use super::seed::{World, new_oauth, new_user, now, wait_past};
use crate::entities::{AccountTokens, NewAccount};
use crate::id::{AccountId, UserId};
use crate::values::{Email, PasswordHash};

pub async fn accounts_link_and_find_by_provider(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let expiry = now() + TimeDelta::hours(1);
    let linked =
        w.r.accounts
            .create(NewAccount {
                access_token: Some("access".to_owned()),
                refresh_token: Some("refresh".to_owned()),
                id_token: Some("id".to_owned()),
                access_token_expires_at: Some(expiry),
                refresh_token_expires_at: Some(expiry + TimeDelta::days(30)),
                scope: Some("openid email".to_owned()),
                ..new_oauth(ada, "google", "g-42")
            })
            .await
            .unwrap();
    assert_eq!(
        (
            linked.user_id,
            linked.provider_id.as_str(),
            linked.account_id.as_str()
        ),
        (ada, "google", "g-42")
    );
    assert_eq!(linked.access_token.as_deref(), Some("access"));
    assert_eq!(linked.refresh_token.as_deref(), Some("refresh"));
    assert_eq!(linked.id_token.as_deref(), Some("id"));
    assert_eq!(linked.access_token_expires_at, Some(expiry));
    assert_eq!(
        linked.refresh_token_expires_at,
        Some(expiry + TimeDelta::days(30))
    );
    assert_eq!(linked.scope.as_deref(), Some("openid email"));
    assert_eq!(linked.password, None, "an OAuth account got a password");

    assert_eq!(
        w.r.accounts
            .find_by_provider("google", "g-42")
            .await
            .unwrap(),
        Some(linked.clone()),
        "signing in with Google does not find the linked account"
    );
    assert_eq!(
        w.r.accounts
            .find_by_provider("github", "g-42")
            .await
            .unwrap(),
        None,
        "an account id at another provider finds the Google account"
    );
    assert_eq!(
        w.r.accounts.find_credential(ada).await.unwrap(),
        None,
        "an OAuth-only user has a password account"
    );
}

pub async fn accounts_provider_account_is_linked_once(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas =
        w.r.accounts
            .create(new_oauth(ada, "google", "42"))
            .await
            .unwrap();
    expect::conflict(
        w.r.accounts.create(new_oauth(bob, "google", "42")).await,
        "accountId",
        "one Google account could be linked to two users",
    );
    let github = w.r.accounts.create(new_oauth(bob, "github", "42")).await;
    assert!(
        github.is_ok(),
        "the same id at another provider is another account: {github:?}"
    );
    assert_eq!(
        w.r.accounts.find_by_provider("google", "42").await.unwrap(),
        Some(adas),
        "the refused link took the Google account from Ada"
    );
}

pub async fn accounts_list_oldest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut linked = Vec::new();
    for provider in ["google", "github", "apple"] {
        linked.push(
            w.r.accounts
                .create(new_oauth(ada, provider, "ada"))
                .await
                .unwrap()
                .id,
        );
    }
    w.r.accounts
        .create(new_oauth(bob, "google", "bob"))
        .await
        .unwrap();
    let listed: Vec<AccountId> =
        w.r.accounts
            .list_for_user(ada)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
    assert_eq!(
        listed, linked,
        "the user's sign-in methods are not listed oldest first, or not only theirs"
    );
}

pub async fn accounts_set_password_replaces_the_hash(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let (ada, _) =
        w.r.users
            .create_with_password(
                new_user("Ada", "ada@example.com"),
                PasswordHash::new("$old"),
            )
            .await
            .unwrap();
    let before = w.r.accounts.find_credential(ada.id).await.unwrap().unwrap();
    wait_past(before.updated_at);
    w.r.accounts
        .set_password(ada.id, PasswordHash::new("$new"))
        .await
        .unwrap();
    let after = w.r.accounts.find_credential(ada.id).await.unwrap().unwrap();
    assert_eq!(
        after.password,
        Some(PasswordHash::new("$new")),
        "the new password was not stored"
    );
    assert_eq!(after.id, before.id, "a password change made a new account");
    assert!(
        after.updated_at > before.updated_at,
        "a password change did not move updated_at"
    );

    let bob = w.user("bob").await;
    w.r.accounts
        .create(new_oauth(bob, "google", "bob"))
        .await
        .unwrap();
    expect::not_found(
        w.r.accounts
            .set_password(bob, PasswordHash::new("$x"))
            .await,
        "account",
        "a password was set for a user who signs in only with Google",
    );
    assert_eq!(
        w.r.accounts.find_credential(bob).await.unwrap(),
        None,
        "the refused password change created a password account"
    );
}

pub async fn accounts_delete_unlinks_only_the_users_own(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let google =
        w.r.accounts
            .create(new_oauth(ada, "google", "ada"))
            .await
            .unwrap();
    let github =
        w.r.accounts
            .create(new_oauth(ada, "github", "ada"))
            .await
            .unwrap();

    expect::hidden(
        w.r.accounts.delete(bob, google.id).await,
        w.r.accounts.delete(bob, AccountId::new()).await,
        "account",
        "Bob unlinked Ada's Google account",
    );
    assert_eq!(
        w.r.accounts.list_for_user(ada).await.unwrap(),
        [google.clone(), github.clone()],
        "Ada's accounts changed after Bob's attempt"
    );

    w.r.accounts.delete(ada, google.id).await.unwrap();
    assert_eq!(
        w.r.accounts.list_for_user(ada).await.unwrap(),
        [github],
        "unlinking Google did not remove exactly that account"
    );
    assert_eq!(
        w.r.accounts
            .find_by_provider("google", "ada")
            .await
            .unwrap(),
        None
    );
    expect::not_found(
        w.r.accounts.delete(ada, google.id).await,
        "account",
        "unlinking twice",
    );
    let github = w.r.accounts.list_for_user(ada).await.unwrap();
    expect::conflict(
        w.r.accounts.delete(ada, github[0].id).await,
        "id",
        "unlinking Ada's last way to sign in",
    );
    assert_eq!(
        w.r.accounts.list_for_user(ada).await.unwrap(),
        github,
        "the refused unlink removed the account"
    );
}

pub async fn accounts_two_unlinks_at_once_leave_one(fixture: &impl Fixture) {
    let w = World::of(fixture);
    for round in 0..5 {
        let ada = w.user(&format!("ada{round}")).await;
        let google =
            w.r.accounts
                .create(new_oauth(ada, "google", &format!("ada{round}")))
                .await
                .unwrap();
        let github =
            w.r.accounts
                .create(new_oauth(ada, "github", &format!("ada{round}")))
                .await
                .unwrap();
        let (first, second) = both(
            w.r.accounts.delete(ada, google.id),
            w.r.accounts.delete(ada, github.id),
        )
        .await;
        let passed = usize::from(first.is_ok()) + usize::from(second.is_ok());
        assert_eq!(passed, 1, "{first:?} {second:?}");
        assert_eq!(
            w.r.accounts.list_for_user(ada).await.unwrap().len(),
            1,
            "two unlinks at once left Ada without a way to sign in"
        );
    }
}

pub async fn accounts_tokens_are_replaced_for_their_owner_only(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let linked =
        w.r.accounts
            .create(new_oauth(ada, "google", "g-1"))
            .await
            .unwrap();
    let expiry = now() + TimeDelta::hours(1);
    let tokens = AccountTokens {
        access_token: Some("v1:k:access".to_owned()),
        refresh_token: Some("v1:k:refresh".to_owned()),
        id_token: None,
        access_token_expires_at: Some(expiry),
        refresh_token_expires_at: None,
        scope: Some("openid email".to_owned()),
    };
    expect::not_found(
        w.r.accounts
            .set_tokens(bob, linked.id, tokens.clone())
            .await,
        "account",
        "Bob set the tokens of Ada's account",
    );
    wait_past(linked.updated_at);
    let updated =
        w.r.accounts
            .set_tokens(ada, linked.id, tokens)
            .await
            .unwrap();
    assert_eq!(updated.access_token.as_deref(), Some("v1:k:access"));
    assert_eq!(updated.refresh_token.as_deref(), Some("v1:k:refresh"));
    assert_eq!(updated.access_token_expires_at, Some(expiry));
    assert_eq!(updated.scope.as_deref(), Some("openid email"));
    assert!(updated.updated_at > linked.updated_at);
    assert_eq!(
        w.r.accounts
            .find_by_provider("google", "g-1")
            .await
            .unwrap(),
        Some(updated)
    );
}

pub async fn users_created_with_a_provider_account_both_or_neither(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let (user, account) =
        w.r.users
            .create_with_account(
                new_user("Grace", "grace@example.com"),
                new_oauth(UserId::new(), "google", "sub-1"),
            )
            .await
            .unwrap();
    assert!(user.email_verified, "the provider vouched for the email");
    assert_eq!(account.user_id, user.id);
    assert_eq!(
        w.r.accounts.list_for_user(user.id).await.unwrap(),
        [account]
    );

    // A taken email: no account is linked.
    expect::conflict(
        w.r.users
            .create_with_account(
                new_user("Grace", "grace@example.com"),
                new_oauth(UserId::new(), "google", "sub-2"),
            )
            .await,
        "email",
        "a second user with Grace's email",
    );
    assert_eq!(
        w.r.accounts
            .find_by_provider("google", "sub-2")
            .await
            .unwrap(),
        None
    );
    // A taken provider account: no user is left behind.
    expect::conflict(
        w.r.users
            .create_with_account(
                new_user("Other", "other@example.com"),
                new_oauth(UserId::new(), "google", "sub-1"),
            )
            .await,
        "accountId",
        "linking Grace's provider account to a new user",
    );
    let email = Email::parse("other@example.com").unwrap();
    assert_eq!(w.r.users.find_by_email(&email).await.unwrap(), None);
}

/// Runs two futures at once on this task (the contract suite is runtime-agnostic).
async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut first, mut second) = (None, None);
    std::future::poll_fn(|cx| {
        if first.is_none()
            && let std::task::Poll::Ready(out) = a.as_mut().poll(cx)
        {
            first = Some(out);
        }
        if second.is_none()
            && let std::task::Poll::Ready(out) = b.as_mut().poll(cx)
        {
            second = Some(out);
        }
        if first.is_some() && second.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (
        first.expect("polled to the end"),
        second.expect("polled to the end"),
    )
}
