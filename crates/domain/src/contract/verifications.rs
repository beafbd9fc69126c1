//! [`crate::VerificationRepository`]: email confirmations and password resets.

use chrono::TimeDelta;

use super::Fixture;
use super::expect;
use super::seed::{World, now, short};
use crate::entities::NewVerification;
use crate::id::VerificationId;

const ADA: &str = "email-verification:ada@example.com";

fn verification(
    identifier: &str,
    value: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> NewVerification {
    NewVerification {
        identifier: short(identifier),
        value: value.to_owned(),
        expires_at,
    }
}

pub async fn verifications_valid_ones_newest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let at = now();
    let first =
        w.r.verifications
            .create(verification(ADA, "first", at + TimeDelta::minutes(10)))
            .await
            .unwrap();
    assert_eq!(
        (
            first.identifier.as_str(),
            first.value.as_str(),
            first.expires_at
        ),
        (ADA, "first", at + TimeDelta::minutes(10)),
        "the verification was not stored as given"
    );
    let second =
        w.r.verifications
            .create(verification(ADA, "second", at + TimeDelta::minutes(20)))
            .await
            .unwrap();
    w.r.verifications
        .create(verification(ADA, "expired", at - TimeDelta::minutes(1)))
        .await
        .unwrap();
    w.r.verifications
        .create(verification(
            "password-reset:someone",
            "elsewhere",
            at + TimeDelta::minutes(10),
        ))
        .await
        .unwrap();

    let valid = w.r.verifications.find_valid(ADA, at).await.unwrap();
    assert_eq!(
        valid,
        [second, first.clone()],
        "the valid links are not exactly the unexpired ones for this address, newest first"
    );
    let at_expiry =
        w.r.verifications
            .find_valid(ADA, at + TimeDelta::minutes(10))
            .await
            .unwrap();
    assert_eq!(
        at_expiry
            .iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>(),
        ["second"],
        "a link is still accepted at the instant it expires"
    );
    assert!(
        w.r.verifications
            .find_valid("email-verification:nobody", at)
            .await
            .unwrap()
            .is_empty(),
        "an address with no pending verification has one"
    );
}

pub async fn verifications_delete_one_and_expired_ones(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let at = now();
    let used =
        w.r.verifications
            .create(verification(ADA, "used", at + TimeDelta::minutes(10)))
            .await
            .unwrap();
    let pending =
        w.r.verifications
            .create(verification(ADA, "pending", at + TimeDelta::minutes(10)))
            .await
            .unwrap();
    for value in ["old-1", "old-2"] {
        w.r.verifications
            .create(verification(ADA, value, at - TimeDelta::minutes(5)))
            .await
            .unwrap();
    }
    w.r.verifications
        .create(verification(ADA, "edge", at))
        .await
        .unwrap();

    w.r.verifications.delete(used.id).await.unwrap();
    expect::not_found(
        w.r.verifications.delete(used.id).await,
        "verification",
        "a used link could be used twice",
    );
    expect::not_found(
        w.r.verifications.delete(VerificationId::new()).await,
        "verification",
        "deleting a verification that never existed",
    );
    assert_eq!(
        w.r.verifications.delete_expired(at).await.unwrap(),
        2,
        "purging reports the wrong count (expired strictly before now)"
    );
    let left: Vec<String> =
        w.r.verifications
            .find_valid(ADA, at - TimeDelta::hours(1))
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.value)
            .collect();
    assert_eq!(
        left,
        ["edge", "pending"],
        "purging removed the wrong verifications"
    );
    assert_eq!(
        w.r.verifications.find_valid(ADA, at).await.unwrap(),
        [pending],
        "a pending link was lost"
    );
}
