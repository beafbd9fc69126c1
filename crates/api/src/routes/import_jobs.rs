//! `/api/v1/import-jobs`.

use actix_web::web;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi()]
pub(crate) struct Api;

pub(crate) fn configure(_cfg: &mut web::ServiceConfig) {}
