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
pub mod routes;
pub mod state;
#[cfg(test)]
mod test_support;
pub mod validate;

use actix_web::{HttpResponse, web};
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
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            ApiError::BadRequest(format!("bad query string: {error}")).into()
        }))
        .configure(health::configure)
        .configure(openapi::configure)
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(
                    auth::session::resolve_session,
                ))
                .configure(auth::routes::configure)
                .configure(routes::configure),
        )
        .default_service(web::to(not_found));
}

async fn not_found() -> ApiResult<HttpResponse> {
    Err(DomainError::not_found("route").into())
}
