//! Liveness and readiness probes for load balancers.

use actix_web::{web, HttpResponse};

use super::State;

/// This module's part of the OpenAPI document (`openapi::document` merges every part).
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz)).route("/readyz", web::get().to(readyz));
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200), (status = 503)))]
pub async fn readyz(state: State) -> HttpResponse {
    match state.db.ready().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "not_ready", "detail": e.to_string()}))
        }
    }
}
