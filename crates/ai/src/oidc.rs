//! Sign-in through an OpenID Connect provider, on the `openidconnect` crate: discovery, the
//! authorization code flow with PKCE (S256), and the ID token's checks (signature, `iss`,
//! `aud`, `azp`, `exp`, `iat`, `nonce`).
//!
//! What the crate leaves to its user is done here:
//!
//! - RS256 and ES256 are allowed, and nothing else (never `none`, never a MAC keyed with the
//!   client secret);
//! - the JWKS is fetched again when a token names a key it does not hold (the provider
//!   rotated its keys), at most once per [`OidcConfig::jwks_refetch_interval`], so tokens
//!   naming made-up keys cannot make sophie hammer the provider;
//! - the HTTP client follows no redirect (a token endpoint that redirects is refused);
//! - `iat` must not lie in the future (beyond a minute of clock skew) nor a day in the past.
//!
//! The `state` is compared by the caller, which keeps it.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    JsonWebKeySet, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, SignatureVerificationError,
    TokenResponse as _, TokenUrl,
};
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{
    AuthorizationStart, IdentityProvider, ProviderIdentity, ProviderTokens,
};
use tokio::sync::Mutex;

/// Google's issuer, the default.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// How long the discovery document is trusted before it is read again.
const METADATA_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The clock skew allowed on `iat`.
const ISSUED_IN_FUTURE_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(1);
/// The oldest `iat` accepted.
const ISSUED_AT_OLDEST: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// How sophie is registered at the provider.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL (`https://accounts.google.com`); its discovery document is
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back (`.../api/v1/auth/oidc/callback`).
    pub redirect_url: String,
    /// The least time between two fetches of the JWKS made for an unknown key id.
    pub jwks_refetch_interval: Duration,
    /// The timeout of each request to the provider.
    pub timeout: Duration,
    /// The token endpoint, instead of the one the discovery document names
    /// (`GOOGLE_TOKEN_URL`).
    pub token_url: Option<String>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

impl OidcConfig {
    /// The provider id accounts are stored under: `google` for Google's issuer, else
    /// `oidc:<issuer>` (a `sub` is unique only within its issuer).
    #[must_use]
    pub fn provider_id(&self) -> String {
        if self.issuer.trim_end_matches('/') == GOOGLE_ISSUER {
            "google".to_owned()
        } else {
            format!("oidc:{}", self.issuer.trim_end_matches('/'))
        }
    }
}

struct Discovered {
    metadata: CoreProviderMetadata,
    read_at: Instant,
    /// When the JWKS was last fetched for an unknown key id.
    refetched_at: Option<Instant>,
}

/// An [`IdentityProvider`] speaking OpenID Connect.
pub struct OpenIdProvider {
    config: OidcConfig,
    provider_id: String,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    token_url: Option<TokenUrl>,
    http: reqwest::Client,
    discovered: Mutex<Option<Discovered>>,
}

impl std::fmt::Debug for OpenIdProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenIdProvider")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenIdProvider {
    /// A provider client for `config`; nothing is fetched until the first sign-in.
    ///
    /// # Errors
    ///
    /// `Validation` when the issuer or the redirect URL is not a URL; `Internal` when the HTTP
    /// client cannot be built.
    pub fn new(config: OidcConfig) -> DomainResult<Self> {
        // As given: the discovery document's `issuer` and the tokens' `iss` must equal it
        // to the character, a trailing slash included.
        let issuer = IssuerUrl::new(config.issuer.clone())
            .map_err(|e| DomainError::validation("OIDC_ISSUER", e.to_string()))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone())
            .map_err(|e| DomainError::validation("OIDC_REDIRECT_URL", e.to_string()))?;
        let token_url = config
            .token_url
            .clone()
            .map(TokenUrl::new)
            .transpose()
            .map_err(|e| DomainError::validation("GOOGLE_TOKEN_URL", e.to_string()))?;
        let http = reqwest::Client::builder()
            // The token endpoint's answer is taken from the token endpoint only.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .build()
            .map_err(|e| DomainError::internal_from("the OpenID Connect HTTP client", e))?;
        Ok(Self {
            provider_id: config.provider_id(),
            config,
            issuer,
            redirect,
            token_url,
            http,
            discovered: Mutex::new(None),
        })
    }

    /// The provider's metadata (with its JWKS), read once and then every
    /// [`METADATA_TTL`].
    async fn metadata(&self) -> DomainResult<CoreProviderMetadata> {
        let mut discovered = self.discovered.lock().await;
        if let Some(cached) = discovered.as_ref()
            && cached.read_at.elapsed() < METADATA_TTL
        {
            return Ok(cached.metadata.clone());
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| unavailable(format!("its discovery document could not be read: {e}")))?;
        *discovered = Some(Discovered {
            metadata: metadata.clone(),
            read_at: Instant::now(),
            refetched_at: discovered.as_ref().and_then(|d| d.refetched_at),
        });
        Ok(metadata)
    }

    /// Fetches the JWKS again, unless it was fetched for an unknown key id less than the
    /// interval ago; answers the metadata with the new keys, or `None` when it is too soon.
    async fn refetch_keys(&self) -> DomainResult<Option<CoreProviderMetadata>> {
        let mut discovered = self.discovered.lock().await;
        let Some(cached) = discovered.as_mut() else {
            return Ok(None);
        };
        if cached
            .refetched_at
            .is_some_and(|at| at.elapsed() < self.config.jwks_refetch_interval)
        {
            return Ok(None);
        }
        cached.refetched_at = Some(Instant::now());
        let jwks = JsonWebKeySet::fetch_async(cached.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| unavailable(format!("its keys could not be read: {e}")))?;
        cached.metadata = cached.metadata.clone().set_jwks(jwks);
        Ok(Some(cached.metadata.clone()))
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        let metadata = match &self.token_url {
            Some(url) => metadata.set_token_endpoint(Some(url.clone())),
            None => metadata,
        };
        CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            self.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Checks `id_token` against the keys of `metadata`.
    fn verify(
        &self,
        metadata: CoreProviderMetadata,
        id_token: &openidconnect::core::CoreIdToken,
        nonce: &Nonce,
    ) -> Result<Claims, ClaimsVerificationError> {
        let client = self.client(metadata);
        let now = Utc::now();
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs([
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            ])
            .set_issue_time_verifier_fn(move |iat| {
                if iat > now + ISSUED_IN_FUTURE_SKEW {
                    Err("it was issued in the future".to_owned())
                } else if iat < now - ISSUED_AT_OLDEST {
                    Err("it was issued more than a day ago".to_owned())
                } else {
                    Ok(())
                }
            });
        let claims = id_token.claims(&verifier, nonce)?;
        // The crate leaves `azp` unchecked: when present it must be this client.
        if let Some(party) = claims.authorized_party()
            && party.as_str() != self.config.client_id
        {
            return Err(ClaimsVerificationError::InvalidAudience(format!(
                "the token was issued to `{}`, not this client",
                party.as_str()
            )));
        }
        Ok(Claims {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|email| email.as_str().to_owned()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims
                .name()
                .and_then(|name| name.get(None))
                .map(|name| name.as_str().to_owned()),
            picture: claims
                .picture()
                .and_then(|picture| picture.get(None))
                .map(|url| url.as_str().to_owned()),
        })
    }
}

struct Claims {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    picture: Option<String>,
}

fn unavailable(message: String) -> DomainError {
    DomainError::Unavailable {
        service: "sign-in provider",
        message,
    }
}

fn refused(message: impl Into<String>) -> DomainError {
    DomainError::SignInRefused(message.into())
}

#[async_trait]
impl IdentityProvider for OpenIdProvider {
    fn provider_id(&self) -> &str {
        &self.provider_id
    }

    async fn start<'a>(
        &self,
        scopes: &[&'a str],
        extra: &[(&'a str, &'a str)],
    ) -> DomainResult<AuthorizationStart> {
        let client = self.client(self.metadata().await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(scopes.iter().map(|scope| Scope::new((*scope).to_owned())))
            .set_pkce_challenge(challenge);
        for (name, value) in extra {
            request = request.add_extra_param(*name, *value);
        }
        let (url, state, nonce) = request.url();
        Ok(AuthorizationStart {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> DomainResult<ProviderIdentity> {
        let metadata = self.metadata().await?;
        let client = self.client(metadata.clone());
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| unavailable(format!("it names no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| token_error("the code", error))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| refused("the provider sent no ID token"))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match self.verify(metadata, id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => match self.refetch_keys().await? {
                // The provider may have rotated its keys since they were read.
                Some(metadata) => self.verify(metadata, id_token, &nonce),
                None => Err(ClaimsVerificationError::SignatureVerification(
                    SignatureVerificationError::NoMatchingKey,
                )),
            },
            other => other,
        }
        .map_err(|e| refused(format!("the ID token failed a check: {e}")))?;

        let expires_at = expiry(&response);
        Ok(ProviderIdentity {
            subject: claims.subject,
            email: claims.email,
            email_verified: claims.email_verified,
            name: claims.name,
            picture: claims.picture,
            tokens: ProviderTokens {
                access_token: response.access_token().secret().clone(),
                refresh_token: response.refresh_token().map(|t| t.secret().clone()),
                id_token: Some(id_token.to_string()),
                access_token_expires_at: expires_at,
                scope: scopes(&response),
            },
        })
    }

    async fn refresh(&self, refresh_token: &str) -> DomainResult<ProviderTokens> {
        let client = self.client(self.metadata().await?);
        let token = RefreshToken::new(refresh_token.to_owned());
        let response = client
            .exchange_refresh_token(&token)
            .map_err(|e| unavailable(format!("it names no token endpoint: {e}")))?
            .request_async(&self.http)
            .await
            .map_err(|error| token_error("the refresh token", error))?;
        Ok(ProviderTokens {
            access_token: response.access_token().secret().clone(),
            refresh_token: response.refresh_token().map(|t| t.secret().clone()),
            id_token: None,
            access_token_expires_at: expiry(&response),
            scope: scopes(&response),
        })
    }
}

/// A failed token request as the domain tells it: a refusal by the provider (a bad or used
/// code, a revoked refresh token) or a provider that cannot be reached.
fn token_error<RE: std::error::Error + 'static>(
    what: &str,
    error: RequestTokenError<
        RE,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> DomainError {
    match error {
        RequestTokenError::ServerResponse(answer) => {
            refused(format!("the provider refused {what} ({})", answer.error()))
        }
        RequestTokenError::Request(e) => {
            unavailable(format!("its token endpoint could not be reached: {e}"))
        }
        RequestTokenError::Parse(_, _) | RequestTokenError::Other(_) => {
            refused("the provider's token answer could not be read")
        }
    }
}

fn expiry(response: &openidconnect::core::CoreTokenResponse) -> Option<chrono::DateTime<Utc>> {
    response
        .expires_in()
        .and_then(|seconds| chrono::TimeDelta::from_std(seconds).ok())
        .and_then(|lifetime| Utc::now().checked_add_signed(lifetime))
}

fn scopes(response: &openidconnect::core::CoreTokenResponse) -> Option<String> {
    response.scopes().map(|scopes| {
        scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}
