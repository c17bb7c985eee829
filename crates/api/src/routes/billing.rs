//! Billing: managed seats, cycle, cap and the current period's charge.

use actix_web::{get, HttpResponse};
use muster_model::Billing;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{Reply, State};
use crate::{
    routes::caller::{gate, InConsole},
    services::billing,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get);
}

/// Plan, billing cycle, managed seats, seat cap, seat price and the current period's charge.
#[utoipa::path(tag = "billing", security(("api_token" = ["enterprise:read"])),
    responses((status = 200, body = Billing)))]
#[get("/enterprises/{e}/billing")]
pub async fn get(state: State, InConsole(c, ..): InConsole<gate::Billing>) -> Reply {
    Ok(HttpResponse::Ok().json(billing::summary(&state, &c).await?))
}
