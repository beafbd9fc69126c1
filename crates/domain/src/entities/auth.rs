use chrono::{DateTime, Utc};

use crate::id::{AccountId, SessionId, UserId, VerificationId};
use crate::values::{PasswordHash, ShortText};

/// A signed-in session. Only a hash of the bearer token is stored, so a leaked database does
/// not leak sessions.
///
/// Not serialisable on purpose: nothing of it is sent to clients as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The session's id.
    pub id: SessionId,
    /// The user signed in.
    pub user_id: UserId,
    /// The hash of the bearer token (the schema's `token` column); unique.
    pub token_hash: String,
    /// When the session stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// The client's IP address at sign-in.
    pub ip_address: Option<String>,
    /// The client's user agent at sign-in.
    pub user_agent: Option<String>,
    /// When the user signed in.
    pub created_at: DateTime<Utc>,
    /// When the session was last renewed.
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`Session`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// The user signing in.
    pub user_id: UserId,
    /// The hash of the bearer token handed to the client.
    pub token_hash: String,
    /// When the session expires.
    pub expires_at: DateTime<Utc>,
    /// The client's IP address.
    pub ip_address: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// A way to sign in: the password credential (`provider_id = "credential"`) or an OAuth
/// provider's account. Holds secrets, so it is not serialisable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// The id of the account at the provider (the user's id for the credential account).
    pub account_id: String,
    /// The provider: `credential`, `google`, ...
    pub provider_id: String,
    /// The user it signs in.
    pub user_id: UserId,
    /// The provider's access token.
    pub access_token: Option<String>,
    /// The provider's refresh token.
    pub refresh_token: Option<String>,
    /// The provider's id token.
    pub id_token: Option<String>,
    /// When the access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// When the refresh token expires.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// The scopes granted.
    pub scope: Option<String>,
    /// The password hash, for the credential account.
    pub password: Option<PasswordHash>,
    /// When it was linked.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl Account {
    /// The provider id of email-and-password accounts.
    pub const CREDENTIAL_PROVIDER: &'static str = "credential";

    /// Why a user's last account is not unlinked.
    pub const LAST_ACCOUNT: &'static str =
        "this is your only way to sign in: link another provider first";
}

/// Creates an [`Account`]. `(provider_id, account_id)` is unique.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    /// The user it signs in.
    pub user_id: UserId,
    /// The provider, set by the code that links it (`credential`, `google`), never by a user.
    pub provider_id: String,
    /// The id at the provider.
    pub account_id: String,
    /// The password hash, for the credential account.
    pub password: Option<PasswordHash>,
    /// The provider's access token.
    pub access_token: Option<String>,
    /// The provider's refresh token.
    pub refresh_token: Option<String>,
    /// The provider's id token.
    pub id_token: Option<String>,
    /// When the access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// When the refresh token expires.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// The scopes granted.
    pub scope: Option<String>,
}

impl NewAccount {
    /// The credential account of `user_id`, holding `password`.
    #[must_use]
    pub fn credential(user_id: UserId, password: PasswordHash) -> Self {
        Self {
            password: Some(password),
            ..Self::linked(user_id, Account::CREDENTIAL_PROVIDER, &user_id.to_string())
        }
    }

    /// The account `account_id` at `provider_id` of `user_id`, with no tokens yet.
    #[must_use]
    pub fn linked(user_id: UserId, provider_id: &str, account_id: &str) -> Self {
        Self {
            user_id,
            provider_id: provider_id.to_owned(),
            account_id: account_id.to_owned(),
            password: None,
            access_token: None,
            refresh_token: None,
            id_token: None,
            access_token_expires_at: None,
            refresh_token_expires_at: None,
            scope: None,
        }
    }
}

/// The provider tokens of an account, sealed (see `services::sealing`): what the storage
/// keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountTokens {
    /// The access token, sealed.
    pub access_token: Option<String>,
    /// The refresh token, sealed.
    pub refresh_token: Option<String>,
    /// The ID token, sealed.
    pub id_token: Option<String>,
    /// When the access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// When the refresh token expires.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// The scopes granted.
    pub scope: Option<String>,
}

/// One way a user signs in, as they see it: no secret of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedAccount {
    /// The account's id (for `DELETE /me/accounts/{id}`).
    pub id: AccountId,
    /// `credential` for the email and password, else the provider (`google`).
    pub provider_id: String,
    /// The scopes granted to sophie at the provider, if any.
    pub scope: Option<String>,
    /// Whether the provider revoked sophie's access (its tokens are gone): signing in with it
    /// still works, but calls on the user's behalf wait until they link it again.
    pub needs_reconnection: bool,
    /// When it was linked.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for LinkedAccount {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id,
            provider_id: account.provider_id.clone(),
            scope: account.scope.clone(),
            needs_reconnection: account.provider_id != Account::CREDENTIAL_PROVIDER
                && account.access_token.is_none(),
            created_at: account.created_at,
        }
    }
}

/// A pending email verification or password reset: `value` is a hash of the secret sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Its id.
    pub id: VerificationId,
    /// What it verifies (`email-verification:<email>`, `password-reset:<user id>`).
    pub identifier: String,
    /// The hash of the secret sent to the user.
    pub value: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`Verification`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVerification {
    /// What it verifies.
    pub identifier: ShortText,
    /// The hash of the secret sent.
    pub value: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}
