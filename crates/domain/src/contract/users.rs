//! [`crate::UserRepository`]: sign-up, profile changes, unique emails.

use super::Fixture;
use super::expect;
use super::seed::{
    World, new_course, new_note, new_notification, new_oauth, new_session, new_user, now, wait_past,
};
use crate::entities::{Account, UserUpdate};
use crate::id::UserId;
use crate::values::{Email, Locale, Name, PasswordHash, Reminders, TimeZone, WebUrl};

pub async fn users_create_then_get_and_find_by_email(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let mut new = new_user("Ada Lovelace", "Ada@Example.com");
    new.image = Some(WebUrl::parse("https://example.com/ada.png").unwrap());
    let created = w.r.users.create(new).await.unwrap();
    assert_eq!(
        created.name, "Ada Lovelace",
        "the name given at sign-up is kept"
    );
    assert_eq!(
        created.email, "ada@example.com",
        "emails are stored lower-case"
    );
    assert!(!created.email_verified, "a new account starts unverified");
    assert_eq!(
        created.image.as_deref(),
        Some("https://example.com/ada.png"),
        "the avatar given at sign-up is kept"
    );
    assert!(created.updated_at >= created.created_at);

    assert_eq!(
        w.r.users.get(created.id).await.unwrap(),
        created,
        "reading the user back gives what sign-up returned"
    );
    let found =
        w.r.users
            .find_by_email(&Email::parse("ADA@example.COM").unwrap())
            .await
            .unwrap();
    assert_eq!(
        found.map(|u| u.id),
        Some(created.id),
        "signing in with the email in another case finds the account"
    );
    assert_eq!(
        w.r.users
            .find_by_email(&Email::parse("nobody@example.com").unwrap())
            .await
            .unwrap(),
        None,
        "an unknown email finds nobody"
    );
}

pub async fn users_email_is_unique_whatever_its_case(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let first =
        w.r.users
            .create(new_user("Ada", "ada@example.com"))
            .await
            .unwrap();
    expect::conflict(
        w.r.users.create(new_user("Other", "ADA@example.com")).await,
        "email",
        "a second account could be opened with a taken email",
    );
    expect::conflict(
        w.r.users
            .create_with_password(
                new_user("Other", "ada@EXAMPLE.com"),
                PasswordHash::new("$x"),
            )
            .await,
        "email",
        "a second password account could be opened with a taken email",
    );
    let found =
        w.r.users
            .find_by_email(&Email::parse("ada@example.com").unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        found, first,
        "the refused sign-ups changed the first account"
    );
}

pub async fn users_create_with_password_links_a_credential_account(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let (user, account) =
        w.r.users
            .create_with_password(
                new_user("Ada", "ada@example.com"),
                PasswordHash::new("$argon2id$a"),
            )
            .await
            .unwrap();
    assert_eq!(
        account.user_id, user.id,
        "the credential account signs in its user"
    );
    assert_eq!(account.provider_id, Account::CREDENTIAL_PROVIDER);
    assert_eq!(
        account.account_id,
        user.id.to_string(),
        "the credential account's id is the user's id"
    );
    assert_eq!(account.password, Some(PasswordHash::new("$argon2id$a")));
    assert_eq!(
        w.r.users.get(user.id).await.unwrap(),
        user,
        "the user exists after sign-up"
    );
    assert_eq!(
        w.r.accounts.find_credential(user.id).await.unwrap(),
        Some(account.clone()),
        "the password account is found for signing in"
    );
    assert_eq!(
        w.r.accounts.list_for_user(user.id).await.unwrap(),
        [account],
        "the user has exactly one way to sign in"
    );
}

pub async fn users_create_with_password_is_all_or_nothing(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let first =
        w.r.users
            .create(new_user("Ada", "ada@example.com"))
            .await
            .unwrap();
    expect::conflict(
        w.r.users
            .create_with_password(new_user("Bob", "ada@example.com"), PasswordHash::new("$x"))
            .await,
        "email",
        "signing up with a taken email",
    );
    assert_eq!(
        w.r.accounts.find_credential(first.id).await.unwrap(),
        None,
        "the refused sign-up gave the existing user a password"
    );
    assert!(
        w.r.accounts
            .list_for_user(first.id)
            .await
            .unwrap()
            .is_empty(),
        "the refused sign-up left an account behind"
    );
    // The same person can still sign up with a free address: nothing half-made is in the way.
    let (bob, _) =
        w.r.users
            .create_with_password(new_user("Bob", "bob@example.com"), PasswordHash::new("$x"))
            .await
            .unwrap();
    assert_eq!(
        w.r.accounts.list_for_user(bob.id).await.unwrap().len(),
        1,
        "a successful sign-up has exactly one account"
    );
}

pub async fn users_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let user =
        w.r.users
            .create(new_user("Ada", "ada@example.com"))
            .await
            .unwrap();
    wait_past(user.updated_at);
    let renamed =
        w.r.users
            .update(
                user.id,
                UserUpdate {
                    name: Some(Name::parse("Ada L.").unwrap()),
                    image: Some(Some(WebUrl::parse("https://example.com/a.png").unwrap())),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(renamed.name, "Ada L.");
    assert_eq!(renamed.image.as_deref(), Some("https://example.com/a.png"));
    assert_eq!(
        renamed.email, "ada@example.com",
        "renaming changed the email"
    );
    assert!(!renamed.email_verified, "renaming verified the email");
    assert_eq!(
        renamed.created_at, user.created_at,
        "an update moved created_at"
    );
    assert!(
        renamed.updated_at > user.updated_at,
        "an update did not move updated_at"
    );

    let verified =
        w.r.users
            .update(
                user.id,
                UserUpdate {
                    email_verified: Some(true),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert!(
        verified.email_verified,
        "the email could not be marked verified"
    );
    assert_eq!(
        (verified.name.as_str(), verified.image.as_deref()),
        ("Ada L.", Some("https://example.com/a.png")),
        "verifying the email changed the profile"
    );

    let cleared =
        w.r.users
            .update(
                user.id,
                UserUpdate {
                    image: Some(None),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(cleared.image, None, "the avatar could not be removed");
    assert_eq!(
        cleared.name, "Ada L.",
        "removing the avatar changed the name"
    );
    assert_eq!(
        w.r.users.get(user.id).await.unwrap(),
        cleared,
        "the change was not stored"
    );
}

pub async fn users_missing_user_is_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ghost = UserId::new();
    expect::not_found(w.r.users.get(ghost).await, "user", "reading a missing user");
    expect::not_found(
        w.r.users.update(ghost, UserUpdate::default()).await,
        "user",
        "changing a missing user",
    );
    expect::not_found(
        w.r.users.delete(ghost).await,
        "user",
        "deleting a missing user",
    );
}

pub async fn users_rows_cannot_belong_to_a_missing_user(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ghost = UserId::new();
    expect::not_found(
        w.r.sessions.create(new_session(ghost, "t", now())).await,
        "user",
        "a session for a user who does not exist",
    );
    expect::not_found(
        w.r.accounts.create(new_oauth(ghost, "google", "1")).await,
        "user",
        "an account for a user who does not exist",
    );
    expect::not_found(
        w.r.courses.create(ghost, new_course("C")).await,
        "user",
        "a course for a user who does not exist",
    );
    expect::not_found(
        w.r.notes.create(ghost, new_note("N", "")).await,
        "user",
        "a note for a user who does not exist",
    );
    expect::not_found(
        w.r.notifications.create(ghost, new_notification("N")).await,
        "user",
        "a notification for a user who does not exist",
    );
}

pub async fn users_delete_frees_the_email(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    w.r.users.delete(ada).await.unwrap();
    expect::not_found(
        w.r.users.get(ada).await,
        "user",
        "a deleted user can still be read",
    );
    assert_eq!(
        w.r.users
            .find_by_email(&Email::parse("ada@example.com").unwrap())
            .await
            .unwrap(),
        None,
        "a deleted user can still be found by email"
    );
    expect::not_found(w.r.users.delete(ada).await, "user", "deleting a user twice");
    let again =
        w.r.users
            .create(new_user("Ada again", "ada@example.com"))
            .await
            .unwrap();
    assert_ne!(again.id, ada, "a new sign-up reused the deleted user's id");
    assert!(
        w.r.users.get(bob).await.is_ok(),
        "deleting one user deleted another"
    );
}

pub async fn users_keep_their_locale_and_time_zone(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let fresh = w.r.users.get(ada).await.unwrap();
    assert_eq!((fresh.locale, fresh.time_zone), (None, None));
    let changed =
        w.r.users
            .update(
                ada,
                UserUpdate {
                    locale: Some(Some(Locale::parse("de-DE").unwrap())),
                    time_zone: Some(Some(TimeZone::parse("Europe/Berlin").unwrap())),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.locale.as_deref(), Some("de-DE"));
    assert_eq!(changed.time_zone.as_deref(), Some("Europe/Berlin"));
    // A change of one leaves the other; `Some(None)` clears.
    let cleared =
        w.r.users
            .update(
                ada,
                UserUpdate {
                    locale: Some(None),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(cleared.locale, None);
    let read = w.r.users.get(ada).await.unwrap();
    assert_eq!(
        (read.locale, read.time_zone.as_deref()),
        (None, Some("Europe/Berlin"))
    );
}

pub async fn users_keep_their_default_reminders(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    assert_eq!(w.r.users.get(ada).await.unwrap().default_reminders, None);
    let set = |minutes: Option<&[u32]>| UserUpdate {
        default_reminders: Some(minutes.map(|m| Reminders::parse(m.iter().copied()).unwrap())),
        ..UserUpdate::default()
    };
    let changed =
        w.r.users
            .update(ada, set(Some(&[60, 10, 60])))
            .await
            .unwrap();
    assert_eq!(changed.default_reminders, Some(vec![10, 60]));
    assert_eq!(
        w.r.users.get(ada).await.unwrap().default_reminders,
        Some(vec![10, 60])
    );
    // None at all is a list too: no reminders by default.
    w.r.users.update(ada, set(Some(&[]))).await.unwrap();
    assert_eq!(
        w.r.users.get(ada).await.unwrap().default_reminders,
        Some(vec![])
    );
    // A rename leaves them; `Some(None)` goes back to the defaults by priority.
    w.r.users
        .update(
            ada,
            UserUpdate {
                name: Some(Name::parse("Ada L.").unwrap()),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        w.r.users.get(ada).await.unwrap().default_reminders,
        Some(vec![])
    );
    w.r.users.update(ada, set(None)).await.unwrap();
    assert_eq!(w.r.users.get(ada).await.unwrap().default_reminders, None);
}
