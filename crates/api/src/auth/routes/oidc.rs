//! Sign-in with an OpenID Connect provider (Google by default), and the user's linked
//! accounts.
//!
//! `GET /auth/oidc/start` sends the browser to the provider with a cookie binding the flow to
//! it; the provider sends it back to `GET /auth/oidc/callback`, which signs in (or creates)
//! the user with the same session as a password sign-in. A signed-in user links a provider
//! with `POST /me/accounts/oidc/link`, which answers the URL to send the browser to.

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::services::federation::{
    FLOW_TTL, FederatedSignIn, FinishedFlow, FlowPurpose, StartedFlow,
};
use sophie_domain::values::BoundedText;
use sophie_domain::{AccountId, DomainError, LinkedAccount};
use utoipa::ToSchema;

use super::body::AuthResponse;
use super::{client_info, session_started};
use crate::auth::session::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::query::ApiQuery;
use crate::state::AppState;

/// The cookie binding a flow to the browser that started it.
const FLOW_COOKIE: &str = "sophie_oidc";

/// Where to send the browser to link a provider.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkStarted {
    /// The provider's authorization URL.
    authorization_url: String,
    /// When the flow stops being accepted.
    #[serde(serialize_with = "sophie_domain::timestamp::serialize")]
    expires_at: DateTime<Utc>,
}

/// What the provider sends back.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Callback {
    /// The authorization code.
    #[param(value_type = Option<BoundedText<2000>>, inline)]
    code: Option<String>,
    /// The `state` of the flow.
    #[param(value_type = Option<BoundedText<2000>>, inline)]
    state: Option<String>,
    /// The provider's error code, when the user declined or the request was refused.
    #[param(value_type = Option<BoundedText<200>>, inline)]
    error: Option<String>,
    /// The provider's explanation of `error`.
    #[param(value_type = Option<BoundedText<2000>>, inline)]
    error_description: Option<String>,
}

fn federation(state: &AppState) -> Result<&FederatedSignIn, DomainError> {
    state
        .federation
        .as_deref()
        .ok_or(DomainError::NotImplemented {
            feature: "sign-in with a provider (OIDC_CLIENT_ID is not set)",
        })
}

/// The flow's cookie, for the whole site: behind a proxy the callback's public path may carry
/// a prefix.
pub(super) fn flow_cookie(
    state: &AppState,
    value: String,
    max_age: CookieDuration,
) -> Cookie<'static> {
    super::site_cookie(state, FLOW_COOKIE, value, max_age)
}

fn flow_lifetime() -> CookieDuration {
    CookieDuration::seconds(FLOW_TTL.num_seconds())
}

/// The answer to a flow the signed-in user started: where to send the browser, and the
/// flow's cookie.
pub(super) fn flow_started(state: &AppState, flow: StartedFlow) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(flow_cookie(state, flow.browser_secret, flow_lifetime()))
        .json(LinkStarted {
            authorization_url: flow.url,
            expires_at: flow.expires_at,
        })
}

/// Starts signing in with the provider: redirects to it, with PKCE, `state` and `nonce`, and
/// a cookie that binds the flow to this browser for 10 minutes.
#[utoipa::path(get, path = "/api/v1/auth/oidc/start", tag = "auth",
    responses(
        (status = 302, description = "To the provider's sign-in page",
            headers(("Location" = String), ("Set-Cookie" = String,
                description = "The flow's cookie: HttpOnly, SameSite=Lax, for the callback"))),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed"))),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "The provider cannot be reached")))]
pub(crate) async fn oidc_start(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let federation = federation(&state)?;
    state
        .limiter
        .attempt_from(super::client_ip(&req).as_deref().unwrap_or("unknown"))?;
    let flow = federation.start(FlowPurpose::SignIn).await?;
    Ok(HttpResponse::Found()
        .insert_header((LOCATION, flow.url))
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(flow_cookie(&state, flow.browser_secret, flow_lifetime()))
        .finish())
}

/// Where the provider sends the browser back. Signs in the user whose provider account this
/// is, or creates one for a new verified email; a flow started by `POST
/// /me/accounts/oidc/link` links the provider to that user instead.
///
/// An email that belongs to an existing user is never linked here: that user signs in with
/// their password and links the provider themselves.
#[utoipa::path(get, path = "/api/v1/auth/oidc/callback", tag = "auth", params(Callback),
    responses(
        (status = 200, body = AuthResponse, description = "Signed in",
            headers(("Set-Cookie" = String,
                description = "The session cookie: HttpOnly, SameSite=Lax, Secure"))),
        (status = 201, body = LinkedAccount, description = "The provider was linked"),
        (status = 400, body = Problem, description = "No `code` or no `state`"),
        (status = 401, body = Problem, description = "Refused, with the reason: an unknown, \
            used or expired state, another browser, a declined consent, a code the provider \
            refused, an ID token that fails a check (signature, issuer, audience, expiry, \
            nonce), or an email the provider has not verified"),
        (status = 404, body = Problem, description = "The user who asked to link was deleted \
            meanwhile"),
        (status = 409, body = Problem, description = "The email belongs to an account that \
            must link the provider itself, or the provider account signs in another user"),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "The provider cannot be reached")))]
pub(crate) async fn oidc_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: ApiQuery<Callback>,
) -> ApiResult<HttpResponse> {
    let federation = federation(&state)?;
    let query = query.into_inner();
    if let Some(error) = query.error {
        let described = query
            .error_description
            .map(|d| format!(": {}", d.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        let error: String = error.chars().take(100).collect();
        return Err(DomainError::SignInRefused(format!(
            "the provider answered `{error}`{described}"
        ))
        .into());
    }
    let (Some(code), Some(flow_state)) = (query.code, query.state) else {
        return Err(crate::error::ApiError::BadRequest(
            "the callback needs `code` and `state`".to_owned(),
        ));
    };
    let browser = req.cookie(FLOW_COOKIE).map(|c| c.value().to_owned());
    let finished = federation
        .finish(&flow_state, &code, browser.as_deref(), client_info(&req))
        .await?;
    let forget = flow_cookie(&state, String::new(), CookieDuration::ZERO);
    Ok(match finished {
        FinishedFlow::SignedIn { signed_in, .. } => {
            let mut response = HttpResponse::Ok();
            response.cookie(forget);
            session_started(&state, signed_in, response)
        }
        FinishedFlow::Linked(account) => HttpResponse::Created()
            .cookie(forget)
            .insert_header((LOCATION, "/api/v1/me/accounts"))
            .json(account),
    })
}

/// Starts linking the provider to the signed-in user: answers the URL to send the browser to,
/// and sets the flow's cookie. The callback links the provider account to this user, whatever
/// its email.
#[utoipa::path(post, path = "/api/v1/me/accounts/oidc/link", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = LinkStarted, headers(("Set-Cookie" = String,
            description = "The flow's cookie: HttpOnly, SameSite=Lax, for the callback"))),
        (status = 401, body = Problem),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed"))),
        (status = 501, body = Problem, description = "No provider is configured"),
        (status = 503, body = Problem, description = "The provider cannot be reached")))]
pub(crate) async fn link_provider(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<HttpResponse> {
    let federation = federation(&state)?;
    state.limiter.attempt_as(user.user_id)?;
    let flow = federation.start(FlowPurpose::Link(user.user_id)).await?;
    Ok(flow_started(&state, flow))
}

/// Every way the signed-in user signs in (`credential` for the password), oldest first. No
/// token is ever shown.
#[utoipa::path(get, path = "/api/v1/me/accounts", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<LinkedAccount>), (status = 401, body = Problem)))]
pub(crate) async fn list_accounts(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<Vec<LinkedAccount>>> {
    let accounts = state
        .repositories
        .accounts
        .list_for_user(user.user_id)
        .await?;
    Ok(web::Json(
        accounts.iter().map(LinkedAccount::from).collect(),
    ))
}

/// Unlinks one of the signed-in user's accounts, unless it is their last way to sign in.
#[utoipa::path(delete, path = "/api/v1/me/accounts/{id}", tag = "me",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Unlinked"), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "Not one of the user's accounts"),
        (status = 409, body = Problem, description = "It is the user's only way to sign in"),
        (status = 422, body = Problem, description = "A bad id")))]
pub(crate) async fn unlink_account(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<AccountId>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .accounts
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
