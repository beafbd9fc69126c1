//! Signing in with an OpenID Connect provider (Google by default), and linking one to an
//! existing account.
//!
//! A flow starts with a browser secret (a cookie the HTTP layer sets) and a pending record,
//! sealed, that holds its `nonce`, its PKCE verifier, the hash of that browser secret, and the
//! user who asked to link, if any. The callback must bring the same `state` back from the same
//! browser; the record is used once. Then:
//!
//! - a provider account linked already signs its user in;
//! - a new one whose verified email no user has creates a user;
//! - a new one whose email belongs to a user is refused: it is linked only when that user,
//!   signed in, asks for it. Whoever registers a victim's address at the provider gets no
//!   way into the victim's account.
//!
//! Provider tokens are sealed ([`TokenKeys`]) before they are stored.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::{AccountService, ClientInfo, SignedIn};
use super::sealing::{SealedIn, TokenKeys};
use crate::entities::{
    Account, AccountTokens, LinkedAccount, NewAccount, NewNotification, NewUser, NewVerification,
    SyncProgress,
};
use crate::enums::{NotificationType, SyncState};
use crate::error::{DomainError, DomainResult};
use crate::id::{AccountId, UserId};
use crate::ports::{
    AccountRepository, CalendarSyncRepository, Clock, IdentityProvider, NotificationRepository,
    ProviderIdentity, ProviderTokens, Repositories, UserRepository, VerificationRepository,
};
use crate::values::{Email, MessageText, Name, ShortText, Title, WebUrl};

/// How long a started sign-in may take before its callback is refused.
pub const FLOW_TTL: TimeDelta = TimeDelta::minutes(10);

/// How long before its expiry an access token is refreshed.
pub const REFRESH_AHEAD: TimeDelta = TimeDelta::minutes(5);

/// What the user reads when the provider account holds no usable token (never granted, or
/// revoked).
const LOST_ACCESS: &str = "sophie has no access to this provider account any more: \
                           link it again (POST /api/v1/me/accounts/oidc/link)";

/// Whether `error` is [`FederatedSignIn::access_token`]'s answer for an account that holds
/// no usable token: only linking it again helps.
#[must_use]
pub fn lost_access(error: &DomainError) -> bool {
    matches!(error, DomainError::Forbidden(message) if message == LOST_ACCESS)
}

/// The scopes asked beyond `openid`.
const SIGN_IN_SCOPES: &[&str] = &["email", "profile"];

/// Why a flow was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowPurpose {
    /// To sign in (or sign up).
    SignIn,
    /// To link the provider to this signed-in user.
    Link(UserId),
    /// To link the provider to this signed-in user with access to their calendars, and
    /// connect their calendar sync through it.
    ConnectCalendar(UserId, CalendarAccess),
}

/// Which access to Google Calendar a student grants: the narrowest that covers the calls the
/// sync makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum CalendarAccess {
    /// A calendar sophie creates and keeps (`calendar.app.created`: sophie sees no other).
    #[default]
    Own,
    /// An existing calendar the student chooses (`calendar.events` and
    /// `calendar.calendarlist.readonly`).
    Existing,
}

impl CalendarAccess {
    /// The OAuth scopes asked for.
    #[must_use]
    pub const fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Own => &["https://www.googleapis.com/auth/calendar.app.created"],
            Self::Existing => &[
                "https://www.googleapis.com/auth/calendar.events",
                "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
            ],
        }
    }
}

/// What a calendar connection asks of the provider besides its scopes: a refresh token
/// (`access_type=offline`, and `prompt=consent` so it comes again on a second connection),
/// keeping the access granted before (`include_granted_scopes`).
const CALENDAR_EXTRA: &[(&str, &str)] = &[
    ("access_type", "offline"),
    ("include_granted_scopes", "true"),
    ("prompt", "consent"),
];

/// A started flow: where to send the browser, and the secret it must keep (as a cookie) until
/// the callback.
#[derive(Clone, PartialEq, Eq)]
pub struct StartedFlow {
    /// The provider's authorization URL.
    pub url: String,
    /// The secret that binds the flow to this browser.
    pub browser_secret: String,
    /// When the flow stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for StartedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartedFlow")
            .field("url", &self.url)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// How a callback ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinishedFlow {
    /// A user signed in (`created`: their account was made by this sign-in).
    SignedIn {
        /// The new session.
        signed_in: SignedIn,
        /// Whether the user was created now.
        created: bool,
    },
    /// The provider was linked to the user who asked.
    Linked(LinkedAccount),
}

/// What a pending flow keeps until its callback (sealed, in a verification record).
#[derive(Serialize, Deserialize)]
struct Pending {
    browser: String,
    nonce: String,
    verifier: String,
    link: Option<UserId>,
    /// Whether the link connects the calendar sync.
    #[serde(default)]
    calendar: bool,
}

/// The ports [`FederatedSignIn`] works through.
#[derive(Clone)]
pub struct FederationPorts {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Accounts (provider links).
    pub accounts: Arc<dyn AccountRepository>,
    /// Pending flows.
    pub verifications: Arc<dyn VerificationRepository>,
    /// The provider.
    pub provider: Arc<dyn IdentityProvider>,
    /// Tells the user when the provider revokes sophie's access.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Calendar syncs, connected by a [`FlowPurpose::ConnectCalendar`] flow.
    pub calendar_syncs: Arc<dyn CalendarSyncRepository>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

impl FederationPorts {
    /// The ports over `repositories`, reaching `provider`.
    #[must_use]
    pub fn over(
        repositories: &Repositories,
        provider: Arc<dyn IdentityProvider>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            users: repositories.users.clone(),
            accounts: repositories.accounts.clone(),
            verifications: repositories.verifications.clone(),
            provider,
            notifications: repositories.notifications.clone(),
            calendar_syncs: repositories.calendar_syncs.clone(),
            clock,
        }
    }
}

/// Sign-in and linking through an OpenID Connect provider.
#[derive(Clone)]
pub struct FederatedSignIn {
    ports: FederationPorts,
    sessions: AccountService,
    keys: Arc<TokenKeys>,
}

impl std::fmt::Debug for FederatedSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederatedSignIn")
            .field("provider", &self.ports.provider.provider_id())
            .finish_non_exhaustive()
    }
}

impl FederatedSignIn {
    /// A service over `ports`, starting sessions through `sessions`, sealing tokens with
    /// `keys`.
    #[must_use]
    pub fn new(ports: FederationPorts, sessions: AccountService, keys: Arc<TokenKeys>) -> Self {
        Self {
            ports,
            sessions,
            keys,
        }
    }

    /// The provider id its accounts are stored under.
    #[must_use]
    pub fn provider_id(&self) -> &str {
        self.ports.provider.provider_id()
    }

    /// Starts a flow for `purpose`.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the provider cannot be reached.
    pub async fn start(&self, purpose: FlowPurpose) -> DomainResult<StartedFlow> {
        let start = match purpose {
            FlowPurpose::ConnectCalendar(_, access) => {
                let scopes: Vec<&str> = SIGN_IN_SCOPES
                    .iter()
                    .chain(access.scopes())
                    .copied()
                    .collect();
                self.ports.provider.start(&scopes, CALENDAR_EXTRA).await?
            }
            FlowPurpose::SignIn | FlowPurpose::Link(_) => {
                self.ports.provider.start(SIGN_IN_SCOPES, &[]).await?
            }
        };
        let browser_secret = super::random_token()?;
        let (link, calendar) = match purpose {
            FlowPurpose::SignIn => (None, false),
            FlowPurpose::Link(user) => (Some(user), false),
            FlowPurpose::ConnectCalendar(user, _) => (Some(user), true),
        };
        let pending = Pending {
            browser: super::sha256_hex(browser_secret.as_bytes()),
            nonce: start.nonce,
            verifier: start.pkce_verifier,
            link,
            calendar,
        };
        let json = serde_json::to_string(&pending)
            .map_err(|e| DomainError::internal_from("a pending sign-in", e))?;
        let expires_at = self.ports.clock.now() + FLOW_TTL;
        let identifier = flow_identifier(&start.state)?;
        let value = self.keys.seal(&json, flow_place(identifier.as_str()))?;
        self.ports
            .verifications
            .create(NewVerification {
                identifier,
                value,
                expires_at,
            })
            .await?;
        Ok(StartedFlow {
            url: start.url,
            browser_secret,
            expires_at,
        })
    }

    /// Finishes the flow `state` names, in the browser holding `browser_secret`.
    ///
    /// # Errors
    ///
    /// `SignInRefused` for an unknown, used or expired `state`, another browser, a code the
    /// provider refuses or an ID token that fails a check, and for a new provider account
    /// without a verified email; `Conflict` on `email` when the email belongs to a user (who
    /// must sign in and link), on `accountId` when linking a provider account that signs in
    /// another user.
    pub async fn finish(
        &self,
        state: &str,
        code: &str,
        browser_secret: Option<&str>,
        client: ClientInfo,
    ) -> DomainResult<FinishedFlow> {
        let pending = self.take_pending(state, browser_secret).await?;
        let identity = self
            .ports
            .provider
            .finish(code, &pending.verifier, &pending.nonce)
            .await?;
        let provider = self.provider_id().to_owned();
        let existing = self
            .ports
            .accounts
            .find_by_provider(&provider, &identity.subject)
            .await?;
        match pending.link {
            Some(user) => {
                let linked = self.link(user, existing, identity).await?;
                if pending.calendar {
                    let syncs = &self.ports.calendar_syncs;
                    syncs.connect(user, linked.id).await?;
                    // Connected again after Google revoked sophie: runs go on.
                    syncs
                        .record(
                            user,
                            SyncProgress {
                                state: Some(SyncState::Idle),
                                last_error: Some(None),
                                ..SyncProgress::default()
                            },
                        )
                        .await?;
                }
                Ok(FinishedFlow::Linked(linked))
            }
            None => self.sign_in(existing, identity, client).await,
        }
    }

    /// The tokens of `account` in clear, for calls to the provider on the user's behalf.
    ///
    /// # Errors
    ///
    /// `Internal` when a stored token does not open (a key removed from `TOKEN_KEY`).
    pub fn open_tokens(&self, account: &Account) -> DomainResult<Option<ProviderTokens>> {
        let row = account.id.to_string();
        let open = |value: &Option<String>, column: &str| {
            value
                .as_deref()
                .map(|sealed| self.keys.open(sealed, token_place(account, &row, column)))
                .transpose()
        };
        let Some(access_token) = open(&account.access_token, "access_token")? else {
            return Ok(None);
        };
        Ok(Some(ProviderTokens {
            access_token,
            refresh_token: open(&account.refresh_token, "refresh_token")?,
            id_token: open(&account.id_token, "id_token")?,
            access_token_expires_at: account.access_token_expires_at,
            scope: account.scope.clone(),
        }))
    }

    /// A usable access token of the user's `account`, refreshed first when it expires
    /// within [`REFRESH_AHEAD`]. A refresh token the provider refuses (revoked, expired)
    /// clears the account's tokens, so it shows `needsReconnection`, and tells the user once.
    ///
    /// # Errors
    ///
    /// `NotFound` when the account is not the user's; `Forbidden` when the account holds no
    /// usable token (never granted, or revoked): the user must link it again; `Unavailable`
    /// when the provider cannot be reached.
    pub async fn access_token(&self, user: UserId, account: AccountId) -> DomainResult<String> {
        self.token(user, account, false).await
    }

    /// A new access token of the user's `account`, refreshed now whatever its expiry: for a
    /// token the provider refused before its time.
    ///
    /// # Errors
    ///
    /// As [`FederatedSignIn::access_token`].
    pub async fn renewed_access_token(
        &self,
        user: UserId,
        account: AccountId,
    ) -> DomainResult<String> {
        self.token(user, account, true).await
    }

    async fn token(&self, user: UserId, account: AccountId, renew: bool) -> DomainResult<String> {
        let account = self
            .ports
            .accounts
            .list_for_user(user)
            .await?
            .into_iter()
            .find(|a| a.id == account)
            .ok_or(DomainError::not_found("account"))?;
        let reconnect = || DomainError::Forbidden(LOST_ACCESS.to_owned());
        let tokens = self.open_tokens(&account)?.ok_or_else(reconnect)?;
        let now = self.ports.clock.now();
        if !renew
            && tokens
                .access_token_expires_at
                .is_none_or(|at| at > now + REFRESH_AHEAD)
        {
            return Ok(tokens.access_token);
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(reconnect());
        };
        match self.ports.provider.refresh(&refresh_token).await {
            Ok(fresh) => {
                self.store_tokens(&account, &fresh).await?;
                Ok(fresh.access_token)
            }
            Err(DomainError::SignInRefused(why)) => {
                self.revoked(&account, &why).await?;
                Err(reconnect())
            }
            Err(other) => Err(other),
        }
    }

    /// Forgets the tokens of an account whose refresh token the provider refused, and tells
    /// its user (once per revocation).
    async fn revoked(&self, account: &Account, why: &str) -> DomainResult<()> {
        let key = format!(
            "provider-revoked:{}:{}",
            account.id,
            account.updated_at.timestamp_micros()
        );
        let provider = if account.provider_id == "google" {
            "Google"
        } else {
            "your sign-in provider"
        };
        let message = format!(
            "{provider} no longer lets sophie act for you ({why}). Link it again from your \
             account settings to keep your calendar in sync."
        );
        self.ports
            .notifications
            .create_once(
                account.user_id,
                key,
                NewNotification {
                    notification_type: NotificationType::CalendarSync,
                    title: Title::parse(format!("Reconnect {provider}"))
                        .map_err(|e| DomainError::internal(e.0))?,
                    message: MessageText::parse(message).map_err(|e| DomainError::internal(e.0))?,
                    link: None,
                },
            )
            .await?;
        // Told first, then forgotten: a failure between the two leaves the tokens, and the
        // next attempt, which does not tell the student twice (the key is the same), forgets them.
        self.ports
            .accounts
            .set_tokens(
                account.user_id,
                account.id,
                AccountTokens {
                    scope: account.scope.clone(),
                    ..AccountTokens::default()
                },
            )
            .await?;
        Ok(())
    }

    async fn take_pending(
        &self,
        state: &str,
        browser_secret: Option<&str>,
    ) -> DomainResult<Pending> {
        let refused = |why: &str| DomainError::SignInRefused(why.to_owned());
        let identifier = flow_identifier(state)
            .map_err(|_| refused("the state does not belong to a sign-in of this server"))?;
        let now = self.ports.clock.now();
        let record = self
            .ports
            .verifications
            .find_valid(identifier.as_str(), now)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                refused("the state is unknown, used already or expired: start the sign-in again")
            })?;
        // Used once, whatever comes next: of two callbacks racing with one state, one deletes
        // it; and a callback from the wrong browser spends the flow too, so its code cannot be
        // finished later by whoever else learns the URL.
        match self.ports.verifications.delete(record.id).await {
            Ok(()) => {}
            Err(DomainError::NotFound { .. }) => return Err(refused("the state was used already")),
            Err(other) => return Err(other),
        }
        let json = self
            .keys
            .open(&record.value, flow_place(identifier.as_str()))?;
        let pending: Pending = serde_json::from_str(&json)
            .map_err(|e| DomainError::internal_from("a pending sign-in", e))?;
        let same_browser = browser_secret.is_some_and(|secret| {
            constant_time_eq(&super::sha256_hex(secret.as_bytes()), &pending.browser)
        });
        if !same_browser {
            return Err(refused(
                "this sign-in was started in another browser: start it again here",
            ));
        }
        Ok(pending)
    }

    async fn sign_in(
        &self,
        existing: Option<Account>,
        identity: ProviderIdentity,
        client: ClientInfo,
    ) -> DomainResult<FinishedFlow> {
        if let Some(account) = existing {
            self.store_tokens(&account, &identity.tokens).await?;
            let user = self.ports.users.get(account.user_id).await?;
            let signed_in = self.sessions.start_session(user, client).await?;
            return Ok(FinishedFlow::SignedIn {
                signed_in,
                created: false,
            });
        }
        let (email, name, image) = new_user_details(&identity)?;
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(DomainError::conflict(
                "email",
                "an account with this email address exists: sign in with its password, then link \
                 the provider from your account (POST /api/v1/me/accounts/oidc/link)",
            ));
        }
        let (user, account) = self
            .ports
            .users
            .create_with_account(
                NewUser { name, email, image },
                NewAccount::linked(UserId::new(), self.provider_id(), &identity.subject),
            )
            .await?;
        // The tokens are sealed for the user, who exists only now.
        self.store_tokens(&account, &identity.tokens).await?;
        let signed_in = self.sessions.start_session(user, client).await?;
        Ok(FinishedFlow::SignedIn {
            signed_in,
            created: true,
        })
    }

    async fn link(
        &self,
        user: UserId,
        existing: Option<Account>,
        identity: ProviderIdentity,
    ) -> DomainResult<LinkedAccount> {
        let account = match existing {
            Some(account) if account.user_id == user => account,
            Some(_) => {
                return Err(DomainError::conflict(
                    "accountId",
                    "this provider account signs in another sophie account: unlink it there first",
                ));
            }
            None => {
                self.ports
                    .accounts
                    .create(NewAccount::linked(
                        user,
                        self.provider_id(),
                        &identity.subject,
                    ))
                    .await?
            }
        };
        let account = self.store_tokens(&account, &identity.tokens).await?;
        Ok(LinkedAccount::from(&account))
    }

    async fn store_tokens(
        &self,
        account: &Account,
        tokens: &ProviderTokens,
    ) -> DomainResult<Account> {
        let row = account.id.to_string();
        let seal =
            |value: &str, column: &str| self.keys.seal(value, token_place(account, &row, column));
        // A provider sends a refresh token at the first consent only, and a refresh brings no
        // ID token: the ones held are kept, sealed again under the current key, so that a
        // retired key holds nothing once every account has been used.
        let kept = self.open_tokens(account).unwrap_or_default();
        let refresh_token = tokens
            .refresh_token
            .as_deref()
            .or(kept.as_ref().and_then(|k| k.refresh_token.as_deref()))
            .map(|token| seal(token, "refresh_token"))
            .transpose()?;
        let id_token = tokens
            .id_token
            .as_deref()
            .or(kept.as_ref().and_then(|k| k.id_token.as_deref()))
            .map(|token| seal(token, "id_token"))
            .transpose()?;
        let sealed = AccountTokens {
            access_token: Some(seal(&tokens.access_token, "access_token")?),
            refresh_token,
            id_token,
            access_token_expires_at: tokens.access_token_expires_at,
            refresh_token_expires_at: account.refresh_token_expires_at,
            scope: tokens.scope.clone().or_else(|| account.scope.clone()),
        };
        self.ports
            .accounts
            .set_tokens(account.user_id, account.id, sealed)
            .await
    }
}

/// The verification record's identifier for a flow: the hash of its state, so the state
/// itself is not stored.
fn flow_identifier(state: &str) -> DomainResult<ShortText> {
    if state.is_empty() || state.len() > 512 {
        return Err(DomainError::validation(
            "state",
            "not a state of this server",
        ));
    }
    ShortText::parse(format!("oidc-flow:{}", super::sha256_hex(state.as_bytes())))
        .map_err(|e| DomainError::validation("state", e.0))
}

/// Pending flows are sealed as the server's own record (no user yet), bound to their
/// identifier: a record copied under another state does not open.
fn flow_place(identifier: &str) -> SealedIn<'_> {
    SealedIn {
        user: UserId::from_uuid(uuid::Uuid::nil()),
        provider: "sophie",
        row: identifier,
        column: "pending_sign_in",
    }
}

/// Where a provider token of `account` is sealed (`row` is the account's id).
fn token_place<'a>(account: &'a Account, row: &'a str, column: &'a str) -> SealedIn<'a> {
    SealedIn {
        user: account.user_id,
        provider: &account.provider_id,
        row,
        column,
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The new user's email, name and avatar from the provider's claims.
fn new_user_details(identity: &ProviderIdentity) -> DomainResult<(Email, Name, Option<WebUrl>)> {
    let refused = |why: &str| DomainError::SignInRefused(why.to_owned());
    let email = identity
        .email
        .as_deref()
        .ok_or_else(|| refused("the provider gave no email address"))?;
    if !identity.email_verified {
        return Err(refused(
            "the provider has not verified this email address: verify it there, or sign up with a password",
        ));
    }
    let email =
        Email::parse(email).map_err(|_| refused("the provider's email address is not valid"))?;
    let local_part = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or("student")
        .to_owned();
    let name = identity
        .name
        .as_deref()
        .and_then(|name| Name::parse(name.to_owned()).ok())
        .or_else(|| Name::parse(local_part).ok())
        .ok_or_else(|| refused("the provider gave no usable name"))?;
    let image = identity
        .picture
        .as_deref()
        .and_then(|url| WebUrl::parse(url).ok());
    Ok((email, name, image))
}
