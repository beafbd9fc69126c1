//! `/api/v1/documents`.

use actix_web::web;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub(crate) struct Api;

pub(crate) fn configure(_cfg: &mut web::ServiceConfig) {}
