//! `/healthz`: the process is up. `/readyz`: the storage answers too.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ApiResult;
use crate::state::AppState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.readiness.check().await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}
