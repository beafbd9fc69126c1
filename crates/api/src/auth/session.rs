//! The signed-in user, from a bearer token or the session cookie.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use sophie_domain::{DomainError, SessionId, UserId};

use super::token::COOKIE_NAME;
use crate::error::ApiError;
use crate::state::AppState;

/// The user a request acts as. A handler that takes it answers 401 without a valid session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser {
    /// The user.
    pub user_id: UserId,
    /// The session the request came with.
    pub session_id: SessionId,
}

fn presented_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    bearer
        .or_else(|| req.cookie(COOKIE_NAME).map(|c| c.value().to_owned()))
        .filter(|t| !t.is_empty() && t.len() <= 256)
}

async fn authenticate(state: &AppState, token: &str) -> Result<CurrentUser, ApiError> {
    let session = state.accounts.authenticate(token).await?;
    Ok(CurrentUser {
        user_id: session.user_id,
        session_id: session.session_id,
    })
}

/// Resolves the request's session before any handler argument is extracted, so a request
/// without a valid session is answered 401 before its body is even read (extractors run
/// together: an awaited lookup could otherwise lose the race to a body error).
///
/// # Errors
///
/// When the session store cannot be reached (503), or as the rest of the chain.
pub async fn resolve_session(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let token = presented_token(req.request());
    if let (Some(token), Some(state)) = (token, req.app_data::<web::Data<AppState>>().cloned()) {
        match authenticate(&state, &token).await {
            Ok(user) => {
                req.extensions_mut().insert(user);
            }
            Err(ApiError::Domain(DomainError::Unauthorized)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    next.call(req).await
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Self>()
                .copied()
                .ok_or(ApiError::Domain(DomainError::Unauthorized)),
        )
    }
}
