//! Ports for users and the ways they sign in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{
    Account, NewAccount, NewSession, NewUser, NewVerification, Session, User, UserUpdate,
    Verification,
};
use crate::error::DomainResult;
use crate::id::{AccountId, SessionId, UserId, VerificationId};
use crate::values::{Email, PasswordHash};

/// Stores [`User`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Creates a user with no way to sign in yet (an OAuth sign-up links an account next).
    ///
    /// # Errors
    ///
    /// `Conflict` on `email` when the address is taken.
    async fn create(&self, new: NewUser) -> DomainResult<User>;

    /// Creates a user and their credential account holding `password`, atomically: both or
    /// neither.
    ///
    /// # Errors
    ///
    /// `Conflict` on `email` when the address is taken.
    async fn create_with_password(
        &self,
        new: NewUser,
        password: PasswordHash,
    ) -> DomainResult<(User, Account)>;

    /// The user with this id.
    ///
    /// # Errors
    ///
    /// `NotFound` when there is none.
    async fn get(&self, id: UserId) -> DomainResult<User>;

    /// The user with this email, if any.
    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>>;

    /// Changes the user's profile.
    ///
    /// # Errors
    ///
    /// `NotFound` when there is none.
    async fn update(&self, id: UserId, update: UserUpdate) -> DomainResult<User>;

    /// Deletes the user and, by cascade, everything they own.
    ///
    /// # Errors
    ///
    /// `NotFound` when there is none.
    async fn delete(&self, id: UserId) -> DomainResult<()>;
}

/// Stores [`Session`]s, found by the hash of their bearer token.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Records a new session.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user does not exist; `Conflict` on `token` if the hash is taken.
    async fn create(&self, new: NewSession) -> DomainResult<Session>;

    /// The session whose token hashes to `token_hash`, expired or not.
    async fn find_by_token_hash(&self, token_hash: &str) -> DomainResult<Option<Session>>;

    /// Moves a session's expiry (renewal on use).
    ///
    /// # Errors
    ///
    /// `NotFound` when the session is not the user's or does not exist.
    async fn extend(
        &self,
        user: UserId,
        id: SessionId,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Session>;

    /// Ends one session (sign-out).
    ///
    /// # Errors
    ///
    /// `NotFound` when the session is not the user's or does not exist.
    async fn delete(&self, user: UserId, id: SessionId) -> DomainResult<()>;

    /// Ends every session of the user but `keep`; returns how many ended.
    async fn delete_all_for_user(&self, user: UserId, keep: Option<SessionId>)
    -> DomainResult<u64>;

    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64>;
}

/// Stores [`Account`]s: the credential account and linked OAuth accounts.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// Links an account.
    ///
    /// # Errors
    ///
    /// `Conflict` on `accountId` when `(provider_id, account_id)` is taken; `NotFound` when the
    /// user does not exist.
    async fn create(&self, new: NewAccount) -> DomainResult<Account>;

    /// The account `account_id` at `provider_id`, if linked.
    async fn find_by_provider(
        &self,
        provider_id: &str,
        account_id: &str,
    ) -> DomainResult<Option<Account>>;

    /// The user's credential (password) account, if they have one.
    async fn find_credential(&self, user: UserId) -> DomainResult<Option<Account>>;

    /// Every account of the user, oldest first.
    async fn list_for_user(&self, user: UserId) -> DomainResult<Vec<Account>>;

    /// Replaces the password hash of the user's credential account.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user has no credential account.
    async fn set_password(&self, user: UserId, password: PasswordHash) -> DomainResult<()>;

    /// Unlinks one of the user's accounts.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the user's or does not exist.
    async fn delete(&self, user: UserId, id: AccountId) -> DomainResult<()>;
}

/// Stores pending [`Verification`]s (email confirmation, password reset).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VerificationRepository: Send + Sync {
    /// Records a verification.
    async fn create(&self, new: NewVerification) -> DomainResult<Verification>;

    /// The verifications for `identifier` that have not expired at `now`, newest first.
    async fn find_valid(
        &self,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Verification>>;

    /// Deletes one (once used).
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist.
    async fn delete(&self, id: VerificationId) -> DomainResult<()>;

    /// Deletes those expired before `now`; returns how many.
    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64>;
}
