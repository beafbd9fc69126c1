//! # sophie-api
//!
//! sophie's HTTP API on actix-web: accounts and sessions, every resource of the data model,
//! problem+json errors, and an OpenAPI 3.1 document with an interactive page served from the
//! binary itself. It depends on the domain's ports only: the program wires it to in-memory
//! or PostgreSQL adapters; tests wire it to in-memory ones or mocks.
//!
//! ```ignore
//! let state = AppState::new(repositories, passwords, clock, readiness, ApiConfig::default());
//! HttpServer::new(move || App::new().configure(|cfg| sophie_api::configure(cfg, state.clone())))
//! ```

pub mod auth;
pub mod error;
mod health;
pub mod json;
pub mod openapi;
pub mod paging;
pub mod patch;
pub mod query;
mod reply;
pub mod routes;
pub mod state;
#[cfg(test)]
mod test_support;
pub mod validate;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use sophie_domain::DomainError;

pub use error::{ApiError, ApiResult, Problem};
pub use state::{AlwaysReady, ApiConfig, AppState, Readiness};

/// Registers every route of the API, its state and its error handling on an actix app.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    let json_limit = state.config.json_limit;
    cfg.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(json_limit))
        // An id that is not a UUID names nothing: the same 404 as a missing row.
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| ApiError::Domain(DomainError::not_found("resource")).into()),
        )
        .configure(health::configure)
        .configure(openapi::configure)
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(
                    auth::session::resolve_session,
                ))
                .wrap(actix_web::middleware::from_fn(edges))
                .configure(auth::routes::configure)
                .configure(routes::configure),
        )
        .default_service(web::to(not_found));
}

/// A path nothing serves is a 404; a documented path asked with another method is a 405.
async fn not_found(req: HttpRequest) -> HttpResponse {
    match openapi::allowed_methods(req.path()) {
        Some(allowed) => method_not_allowed(req.method().as_str(), &allowed),
        None => ApiError::from(DomainError::not_found("route")).error_response(),
    }
}

/// 405 with `Allow` and a problem body.
fn method_not_allowed(method: &str, allowed: &[String]) -> HttpResponse {
    let allow = allowed.join(", ");
    let mut response = ApiError::MethodNotAllowed(format!(
        "{method} is not served here; this path answers {allow}"
    ))
    .error_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// Around every answer under `/api/v1`: nothing personal is cached (`Cache-Control:
/// no-store`), and a method a resource does not serve gets a 405 with `Allow` and a problem
/// body instead of actix's empty one.
async fn edges(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    // actix's own 405 (with or without `Allow`) has no body; ours is a problem document.
    let mut response = if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(CONTENT_TYPE)
    {
        let (req, _) = response.into_parts();
        let pattern = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
        let allowed = openapi::allowed_methods(&pattern).unwrap_or_default();
        let answer = method_not_allowed(req.method().as_str(), &allowed);
        ServiceResponse::new(req, answer)
    } else {
        response
    };
    // An answer that sets its own policy keeps it (the calendar feed, which calendar apps
    // revalidate with its `ETag`).
    if !response.headers().contains_key(CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
