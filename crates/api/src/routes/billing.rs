//! Billing: managed seats, cycle, cap and the current period's charge.

use actix_web::{web, HttpResponse};
use muster_model::{Billing, Problem};

use super::State;
use crate::{
    error::ApiResult,
    routes::caller::{gate, InConsole},
    services::billing,
};

/// This module's part of the OpenAPI document (`openapi::document` merges every part).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/enterprises/{e}/billing", web::get().to(get));
}

/// Plan, billing cycle, managed seats, seat cap, seat price and the current period's charge.
#[utoipa::path(get, path = "/api/v1/enterprises/{e}/billing", tag = "billing", security(("bearer" = [])),
    params(("e" = String, Path, description = "enterprise id")),
    responses((status = 200, body = Billing), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(state: State, InConsole(c, ..): InConsole<gate::Billing>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(billing::summary(&state, &c).await?))
}
