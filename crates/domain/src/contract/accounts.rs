//! [`crate::AccountRepository`]: the password account and linked OAuth accounts.

use chrono::TimeDelta;

use super::Fixture;
use super::expect;
use super::seed::{World, new_oauth, now, wait_past};
use crate::entities::NewAccount;
use crate::id::AccountId;
use crate::values::PasswordHash;

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
                super::seed::new_user("Ada", "ada@example.com"),
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
}
