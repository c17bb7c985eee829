//! Liveness and readiness probes for load balancers.

use actix_web::{get, HttpResponse};
use utoipa_actix_web::service_config::ServiceConfig;

use super::State;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers and every migration is applied.
#[utoipa::path(tag = "health", responses((status = 200), (status = 503)))]
#[get("/readyz")]
pub async fn readyz(state: State) -> HttpResponse {
    match state.db.ready().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(e) => {
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "not_ready", "detail": e.to_string()}))
        }
    }
}
