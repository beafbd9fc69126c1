//! `/api/v1/auth/*` and `/api/v1/me`: signing up, in and out, and the signed-in user's account.
//!
//! Tokens and passwords are never logged nor echoed in errors. Only the SHA-256 of a token is
//! stored. Sign-in answers the same 401, after the same hashing work, whether the email is
//! unknown, the account has no password, or the password is wrong.

use std::net::{IpAddr, SocketAddr};

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{CACHE_CONTROL, LOCATION, USER_AGENT};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use sophie_domain::services::accounts::{ClientInfo, SignedIn};
use sophie_domain::values::{Email, Name, Password};
use sophie_domain::{DomainError, InvalidValue, NewUser, User};
use utoipa::OpenApi;

use super::session::CurrentUser;
use super::token::COOKIE_NAME;
use crate::all_valid;
use crate::error::{ApiError, ApiResult, Problem};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::Fields;

mod body;
mod calendar_sync;
mod oidc;
#[cfg(test)]
mod tests;

use body::{AuthResponse, ChangePassword, SignIn, SignUp, UpdateMe};

/// The most characters of a user agent kept with a session.
const USER_AGENT_MAX_CHARS: usize = 512;

#[derive(OpenApi)]
#[openapi(
    paths(sign_up, sign_in, sign_out, sign_out_all, me, update_me, change_password, delete_me,
        oidc::oidc_start, oidc::oidc_callback, oidc::link_provider, oidc::list_accounts,
        oidc::unlink_account, calendar_sync::connect_calendar, calendar_sync::sync_status,
        calendar_sync::sync_calendars, calendar_sync::choose_calendar, calendar_sync::run_sync,
        calendar_sync::disconnect_sync),
    components(schemas(SignUp, SignIn, UpdateMe, ChangePassword, AuthResponse, User,
        sophie_domain::LinkedAccount, oidc::LinkStarted, calendar_sync::SyncStatus,
        calendar_sync::Connect, calendar_sync::ChooseCalendar, calendar_sync::GoogleCalendar,
        sophie_domain::SyncState, sophie_domain::services::federation::CalendarAccess)),
    tags(
        (name = "auth", description = "Signing up, in and out"),
        (name = "me", description = "The signed-in user's account")
    )
)]
pub(crate) struct AuthApi;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/sign-up", web::post().to(sign_up))
        .route("/auth/sign-in", web::post().to(sign_in))
        .route("/auth/sign-out", web::post().to(sign_out))
        .route("/auth/sign-out-all", web::post().to(sign_out_all))
        .service(
            web::resource("/me")
                .route(web::get().to(me))
                .route(web::patch().to(update_me))
                .route(web::delete().to(delete_me)),
        )
        .route("/me/password", web::post().to(change_password))
        .route("/auth/oidc/start", web::get().to(oidc::oidc_start))
        .route("/auth/oidc/callback", web::get().to(oidc::oidc_callback))
        .route("/me/accounts", web::get().to(oidc::list_accounts))
        .route(
            "/me/accounts/oidc/link",
            web::post().to(oidc::link_provider),
        )
        .route("/me/accounts/{id}", web::delete().to(oidc::unlink_account))
        .service(
            web::resource("/me/calendar-sync")
                .route(web::get().to(calendar_sync::sync_status))
                .route(web::patch().to(calendar_sync::choose_calendar))
                .route(web::delete().to(calendar_sync::disconnect_sync)),
        )
        .route(
            "/me/calendar-sync/connect",
            web::post().to(calendar_sync::connect_calendar),
        )
        .route(
            "/me/calendar-sync/calendars",
            web::get().to(calendar_sync::sync_calendars),
        )
        .route(
            "/me/calendar-sync/run",
            web::post().to(calendar_sync::run_sync),
        );
}

/// The client's IP address, for rate limits and the session record.
///
/// The peer's address, unless the app runs behind a proxy it trusts (`trust_proxy`): then the
/// last `X-Forwarded-For` entry, the one that proxy appended. Entries to its left are whatever
/// the client sent, and the whole header is the client's to forge when there is no proxy,
/// which would let it dodge the per-IP limit. A value that is not an IP address falls back to
/// the peer, so it cannot grow the limiter's table either.
fn client_ip(req: &HttpRequest) -> Option<String> {
    let peer = req.peer_addr().map(|addr| addr.ip());
    let state = req.app_data::<web::Data<AppState>>();
    let forwarded = if state.is_some_and(|s| s.config.trust_proxy) {
        req.headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .last()
            .and_then(parse_ip)
    } else {
        None
    };
    forwarded.or(peer).map(|ip| ip.to_string())
}

fn parse_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
        .or_else(|| {
            // `[2001:db8::1]` without a port, as `Forwarded` may write it.
            value
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<IpAddr>()
                .ok()
        })
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(USER_AGENT)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
        .filter(|agent| !agent.is_empty())
        .map(|agent| agent.chars().take(USER_AGENT_MAX_CHARS).collect())
}

/// The session cookie holding `token`, living `max_age`.
fn session_cookie(state: &AppState, token: String, max_age: CookieDuration) -> Cookie<'static> {
    site_cookie(state, COOKIE_NAME, token, max_age)
}

/// An `HttpOnly`, `SameSite=Lax` cookie for the whole site (`Secure` unless turned off).
/// Lax: it comes with top-level navigations, such as a provider's redirect back to sophie.
fn site_cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(max_age)
        .finish()
}

/// A cookie that makes the browser forget the session cookie.
fn cleared_cookie(state: &AppState) -> Cookie<'static> {
    session_cookie(state, String::new(), CookieDuration::ZERO)
}

/// 204 No Content that also clears the session cookie.
fn signed_out(state: &AppState) -> HttpResponse {
    HttpResponse::NoContent()
        .cookie(cleared_cookie(state))
        .finish()
}

/// Answers with a new session's token, as JSON and as a cookie.
fn session_started(
    state: &AppState,
    signed_in: SignedIn,
    mut response: HttpResponseBuilder,
) -> HttpResponse {
    // The cookie lives as long as the session can (renewals included); the server decides
    // when the session itself ends.
    let max_age = i64::try_from(state.config.session_max_age.as_secs()).unwrap_or(i64::MAX);
    let cookie = session_cookie(
        state,
        signed_in.token.clone(),
        CookieDuration::seconds(max_age),
    );
    response
        .cookie(cookie)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(AuthResponse {
            user: signed_in.user,
            token: signed_in.token,
            expires_at: signed_in.expires_at,
        })
}

/// Where the request comes from, for the session record.
fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        ip_address: client_ip(req),
        user_agent: user_agent(req),
    }
}

fn field_error(field: &str) -> impl FnOnce(InvalidValue) -> ApiError + '_ {
    move |InvalidValue(message)| ApiError::field(field, message)
}

/// Creates an account with a password and signs it in.
#[utoipa::path(post, path = "/api/v1/auth/sign-up", tag = "auth", request_body = SignUp,
    responses(
        (status = 201, body = AuthResponse, headers(("Set-Cookie" = String,
            description = "The session cookie: HttpOnly, SameSite=Lax, Secure"))),
        (status = 409, body = Problem, description = "The email address is taken"),
        (status = 422, body = Problem),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed")))))]
async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<SignUp>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::new();
    let name = fields.check("name", Name::parse(body.name));
    let email = fields.check("email", Email::parse(&body.email));
    let password = fields.check("password", Password::parse(body.password));
    let (name, email, password) =
        all_valid!(fields, (name, email, password) => (name, email, password));

    // Before any hashing, which is the expensive part.
    state
        .limiter
        .attempt(client_ip(&req).as_deref().unwrap_or("unknown"), &email)?;
    let signed_in = state
        .accounts
        .sign_up(
            NewUser {
                name,
                email,
                image: None,
            },
            password,
            client_info(&req),
        )
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((LOCATION, "/api/v1/me"));
    Ok(session_started(&state, signed_in, response))
}

/// Signs in with an email and a password.
///
/// An unknown email, an account without a password and a wrong password all get the same 401.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", request_body = SignIn,
    responses(
        (status = 200, body = AuthResponse, headers(("Set-Cookie" = String,
            description = "The session cookie: HttpOnly, SameSite=Lax, Secure"))),
        (status = 401, body = Problem, description = "Wrong email or password"),
        (status = 422, body = Problem, description = "The email is not an email address"),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed")))))]
async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<SignIn>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    // A malformed address says nothing about accounts: it may be refused as such.
    let email = Email::parse(&body.email).map_err(field_error("email"))?;
    state
        .limiter
        .attempt(client_ip(&req).as_deref().unwrap_or("unknown"), &email)?;
    // A password that breaks the policy cannot be anyone's; it is refused like a wrong one,
    // without telling the policy.
    let password = Password::parse(body.password).ok();
    let signed_in = state
        .accounts
        .sign_in(&email, password, client_info(&req))
        .await?;
    Ok(session_started(&state, signed_in, HttpResponse::Ok()))
}

/// Ends the session the request came with.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, body = Problem)))]
async fn sign_out(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    state
        .repositories
        .sessions
        .delete(user.user_id, user.session_id)
        .await?;
    Ok(signed_out(&state))
}

/// Ends every session of the user, this one included.
#[utoipa::path(post, path = "/api/v1/auth/sign-out-all", tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Every session ended; the cookie is cleared"),
        (status = 401, body = Problem)))]
async fn sign_out_all(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    state
        .repositories
        .sessions
        .delete_all_for_user(user.user_id, None)
        .await?;
    Ok(signed_out(&state))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = User), (status = 401, body = Problem)))]
async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    let user = state.repositories.users.get(user.user_id).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Changes the signed-in user's name or avatar.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = UpdateMe,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = User), (status = 401, body = Problem),
        (status = 422, description = "A bad name or image URL, or more than 5 default \
            reminders or one past 40320 minutes (the field named)", body = Problem)))]
async fn update_me(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<UpdateMe>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let user = state
        .repositories
        .users
        .update(user.user_id, update)
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Changes the password, and ends every other session of the user.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = ChangePassword,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Changed; the other sessions are ended"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "The current password is wrong"),
        (status = 409, body = Problem,
            description = "The account has no password (it signs in with another provider)"),
        (status = 422, body = Problem, description = "The new password breaks the policy"),
        (status = 429, body = Problem, headers(("Retry-After" = u64,
            description = "Seconds until another attempt is allowed")))))]
async fn change_password(
    state: web::Data<AppState>,
    current: CurrentUser,
    body: ApiJson<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let new_password = Password::parse(body.new_password).map_err(field_error("newPassword"))?;
    // A wrong proof is a refusal, not a malformed request: the schema cannot say which
    // password is the current one.
    let not_current = || {
        ApiError::from(DomainError::Forbidden(
            "currentPassword is not your current password".to_owned(),
        ))
    };

    // A stolen session must not become a way to guess the password: the guesses are counted
    // for this account on their own, so nothing a stranger does at sign-in can block them.
    state.limiter.attempt_as(current.user_id)?;
    let hash = state
        .repositories
        .accounts
        .find_credential(current.user_id)
        .await?
        .and_then(|account| account.password)
        .ok_or_else(|| DomainError::conflict("currentPassword", "this account has no password"))?;
    let current_password = Password::parse(body.current_password).map_err(|_| not_current())?;
    if !state.passwords.verify(current_password, hash).await? {
        return Err(not_current());
    }

    let hash = state.passwords.hash(new_password).await?;
    state
        .repositories
        .accounts
        .set_password(current.user_id, hash)
        .await?;
    state
        .repositories
        .sessions
        .delete_all_for_user(current.user_id, Some(current.session_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes the account and everything it owns, uploaded files included.
#[utoipa::path(delete, path = "/api/v1/me", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "Deleted; the cookie is cleared"),
        (status = 401, body = Problem)))]
async fn delete_me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<HttpResponse> {
    state.repositories.users.delete(user.user_id).await?;
    if let Some(documents) = &state.documents {
        // The rows are gone, so no one can reach the bytes; a failure here is logged and the
        // files stay under the user's prefix until removed by hand.
        if let Err(error) = documents.delete_all_files(user.user_id).await {
            tracing::error!(user = %user.user_id, %error, "could not remove a deleted account's files");
        }
    }
    Ok(signed_out(&state))
}
