//! Accounts and sessions: signing up, signing in, and recognising (and renewing) a session
//! from its token. Rate limits stay at the edge that knows the client's address.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::entities::{NewSession, NewUser, Session, User};
use crate::error::{DomainError, DomainResult};
use crate::id::{SessionId, UserId};
use crate::ports::{
    AccountRepository, Clock, PasswordHasher, SessionRepository, UserRepository,
    VerificationRepository,
};
use crate::values::{Email, Password};

/// A password no account can have, verified against when the email is unknown so that an
/// unknown email takes as long as a wrong password.
const DECOY_PASSWORD: &str = "not a password anyone could have";

/// How long sessions live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long a session lives without use.
    pub ttl: TimeDelta,
    /// How often, at most, a session's expiry is pushed back on use.
    pub renewal: TimeDelta,
    /// The longest a session lives after sign-in, renewals included.
    pub max_age: TimeDelta,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            ttl: TimeDelta::days(7),
            renewal: TimeDelta::days(1),
            max_age: TimeDelta::days(30),
        }
    }
}

impl SessionPolicy {
    /// The new expiry of `session` used at `now`, if it is due for renewal: `now + ttl`, never
    /// past `created_at + max_age`, and only once per `renewal` period.
    #[must_use]
    pub fn renewed_expiry(&self, session: &Session, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if now - session.updated_at < self.renewal {
            return None;
        }
        let wanted = (now + self.ttl).min(session.created_at + self.max_age);
        (wanted > session.expires_at).then_some(wanted)
    }
}

/// Where a sign-in comes from, recorded on the session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// Its `User-Agent`.
    pub user_agent: Option<String>,
}

/// A new session. Its `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Who signed in.
    pub user: User,
    /// The session's token: shown once, stored only as its hash.
    pub token: String,
    /// When the session ends unless renewed.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user", &self.user.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A session recognised from its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authenticated {
    /// The signed-in user.
    pub user_id: UserId,
    /// The session.
    pub session_id: SessionId,
}

/// A new random session token (32 bytes, URL-safe base64) and its hash.
///
/// # Errors
///
/// `Internal` when the operating system gives no randomness.
pub fn new_session_token() -> DomainResult<(String, String)> {
    let token = super::random_token()?;
    let hash = hash_session_token(&token);
    Ok((token, hash))
}

/// The SHA-256 of a token, in lower-case hex: what the session row stores.
#[must_use]
pub fn hash_session_token(token: &str) -> String {
    super::sha256_hex(token.as_bytes())
}

/// The ports [`AccountService`] works through.
#[derive(Clone)]
pub struct AccountPorts {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Credentials.
    pub accounts: Arc<dyn AccountRepository>,
    /// Sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// Hashes passwords.
    pub passwords: Arc<dyn PasswordHasher>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// Sign-up, sign-in, and sessions.
#[derive(Clone)]
pub struct AccountService {
    ports: AccountPorts,
    policy: SessionPolicy,
}

impl std::fmt::Debug for AccountService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountService")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl AccountService {
    /// A service over `ports`, with sessions living as `policy` says.
    #[must_use]
    pub const fn new(ports: AccountPorts, policy: SessionPolicy) -> Self {
        Self { ports, policy }
    }

    /// How sessions live.
    #[must_use]
    pub const fn policy(&self) -> SessionPolicy {
        self.policy
    }

    /// Creates an account with a password and starts its first session.
    ///
    /// # Errors
    ///
    /// `Conflict` on `email` when the address is taken.
    pub async fn sign_up(
        &self,
        new: NewUser,
        password: Password,
        client: ClientInfo,
    ) -> DomainResult<SignedIn> {
        let hash = self.ports.passwords.hash(password).await?;
        let (user, _) = self.ports.users.create_with_password(new, hash).await?;
        self.start_session(user, client).await
    }

    /// Signs in with an email and a password (`None`: one that breaks the password policy,
    /// so no account can have it). An unknown email, an account without a password and a
    /// wrong password fail alike, in about the same time.
    ///
    /// # Errors
    ///
    /// `Unauthorized` on any of those.
    pub async fn sign_in(
        &self,
        email: &Email,
        password: Option<Password>,
        client: ClientInfo,
    ) -> DomainResult<SignedIn> {
        let user = self.ports.users.find_by_email(email).await?;
        let credential = match user {
            Some(user) => self
                .ports
                .accounts
                .find_credential(user.id)
                .await?
                .and_then(|account| account.password)
                .map(|hash| (user, hash)),
            None => None,
        };
        match (password, credential) {
            (Some(password), Some((user, hash))) => {
                if self.ports.passwords.verify(password, hash).await? {
                    self.start_session(user, client).await
                } else {
                    Err(DomainError::Unauthorized)
                }
            }
            (password, _) => {
                let decoy = password.or_else(|| Password::parse(DECOY_PASSWORD).ok());
                if let Some(decoy) = decoy {
                    self.ports.passwords.waste_equivalent_time(decoy).await;
                }
                Err(DomainError::Unauthorized)
            }
        }
    }

    /// The session `token` opens, renewed if it is due (a failed renewal does not fail the
    /// request: the session stays valid until its current expiry).
    ///
    /// # Errors
    ///
    /// `Unauthorized` for an unknown or expired token.
    pub async fn authenticate(&self, token: &str) -> DomainResult<Authenticated> {
        let session = self
            .ports
            .sessions
            .find_by_token_hash(&hash_session_token(token))
            .await?
            .ok_or(DomainError::Unauthorized)?;
        let now = self.ports.clock.now();
        if session.expires_at <= now {
            return Err(DomainError::Unauthorized);
        }
        if let Some(expires_at) = self.policy.renewed_expiry(&session, now) {
            // Best effort: the next request renews it if this one could not.
            let _ = self
                .ports
                .sessions
                .extend(session.user_id, session.id, expires_at)
                .await;
        }
        Ok(Authenticated {
            user_id: session.user_id,
            session_id: session.id,
        })
    }

    pub(crate) async fn start_session(
        &self,
        user: User,
        client: ClientInfo,
    ) -> DomainResult<SignedIn> {
        let expires_at = self
            .ports
            .clock
            .now()
            .checked_add_signed(self.policy.ttl)
            .ok_or_else(|| DomainError::internal("the session expiry is out of range"))?;
        let (token, token_hash) = new_session_token()?;
        self.ports
            .sessions
            .create(NewSession {
                user_id: user.id,
                token_hash,
                expires_at,
                ip_address: client.ip_address,
                user_agent: client.user_agent,
            })
            .await?;
        Ok(SignedIn {
            user,
            token,
            expires_at,
        })
    }
}

/// Removes what has expired: sessions and verification tokens. Run periodically by the worker.
#[derive(Clone)]
pub struct CredentialJanitor {
    sessions: Arc<dyn SessionRepository>,
    verifications: Arc<dyn VerificationRepository>,
    clock: Arc<dyn Clock>,
}

impl CredentialJanitor {
    /// A janitor over these ports.
    #[must_use]
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        verifications: Arc<dyn VerificationRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            sessions,
            verifications,
            clock,
        }
    }

    /// Removes expired sessions and verification tokens; returns how many of each.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    pub async fn purge_expired(&self) -> DomainResult<(u64, u64)> {
        let now = self.clock.now();
        let sessions = self.sessions.delete_expired(now).await?;
        let verifications = self.verifications.delete_expired(now).await?;
        Ok((sessions, verifications))
    }
}
