//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::web;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub(crate) struct AuthApi;

pub(crate) fn configure(_cfg: &mut web::ServiceConfig) {}
