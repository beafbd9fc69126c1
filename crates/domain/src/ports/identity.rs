//! Ports for users and the ways they sign in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{
    Account, AccountTokens, NewAccount, NewSession, NewUser, NewVerification, Session, User,
    UserUpdate, Verification,
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

    /// Creates a user whose email a provider has vouched for (`emailVerified` is true) and
    /// links `account` to them, atomically: both or neither. `account.user_id` is replaced by
    /// the new user's id.
    ///
    /// # Errors
    ///
    /// `Conflict` on `email` when the address is taken, on `accountId` when the provider's
    /// account is linked already.
    async fn create_with_account(
        &self,
        new: NewUser,
        account: NewAccount,
    ) -> DomainResult<(User, Account)>;

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

    /// Replaces the provider tokens of one of the user's accounts (as sealed by the caller).
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the user's or does not exist.
    async fn set_tokens(
        &self,
        user: UserId,
        id: AccountId,
        tokens: AccountTokens,
    ) -> DomainResult<Account>;

    /// Unlinks one of the user's accounts, unless it is their last: a user always keeps a
    /// way to sign in. Two unlinks at once cannot both pass that check.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the user's or does not exist; `Conflict` on `id` when it is
    /// the user's only account.
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

/// Where an [`IdentityProvider`] sends the browser, and the secrets the callback needs back.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationStart {
    /// The provider's authorization URL, with `state`, `nonce` and the PKCE challenge.
    pub url: String,
    /// The `state` parameter: the callback must bring it back.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier the code exchange proves the challenge with.
    pub pkce_verifier: String,
}

impl std::fmt::Debug for AuthorizationStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationStart")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The tokens a provider hands over at the end of a sign-in, in clear: the service seals them
/// before they are stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderTokens {
    /// The access token.
    pub access_token: String,
    /// The refresh token, when the provider gave one.
    pub refresh_token: Option<String>,
    /// The ID token as received.
    pub id_token: Option<String>,
    /// When the access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// The scopes granted, space-separated.
    pub scope: Option<String>,
}

impl std::fmt::Debug for ProviderTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderTokens")
            .field("access_token_expires_at", &self.access_token_expires_at)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Who signed in at the provider, from an ID token whose signature, issuer, audience,
/// authorized party, expiry, issue time and nonce were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderIdentity {
    /// The `sub` claim: the provider's stable id of the person.
    pub subject: String,
    /// The `email` claim.
    pub email: Option<String>,
    /// Whether the provider says it verified that email.
    pub email_verified: bool,
    /// The `name` claim.
    pub name: Option<String>,
    /// The `picture` claim.
    pub picture: Option<String>,
    /// The tokens of the exchange.
    pub tokens: ProviderTokens,
}

/// An OpenID Connect provider (Google by default): the authorization code flow with PKCE.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The provider id its accounts are stored under (`google`).
    fn provider_id(&self) -> &str;

    /// A new authorization request asking for `scopes` beyond `openid email profile`, with
    /// `extra` query parameters (`access_type=offline`), fresh `state`, `nonce` and PKCE.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the provider's discovery document cannot be read.
    async fn start<'a>(
        &self,
        scopes: &[&'a str],
        extra: &[(&'a str, &'a str)],
    ) -> DomainResult<AuthorizationStart>;

    /// Exchanges `code` (proving `pkce_verifier`) and verifies the ID token against `nonce`.
    ///
    /// # Errors
    ///
    /// `SignInRefused` naming the reason when the provider refuses the code or the ID token
    /// fails a check; `Unavailable` when the provider cannot be reached.
    async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> DomainResult<ProviderIdentity>;

    /// New tokens for `refresh_token` (whose `refresh_token` is `None` when the provider keeps
    /// the old one, and whose `id_token` is `None`).
    ///
    /// # Errors
    ///
    /// `SignInRefused` when the provider refuses the refresh token (revoked or expired: the
    /// user must connect again); `Unavailable` when it cannot be reached.
    async fn refresh(&self, refresh_token: &str) -> DomainResult<ProviderTokens>;
}
