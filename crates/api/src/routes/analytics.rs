//! Dashboard counts and Analytics (premium).

use actix_web::{get, web, HttpResponse};
use muster_model::{Analytics, MemberCounts, Problem};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{Reply, State};
use crate::{
    error::DomainError,
    routes::caller::{gate, InConsole},
    services::analytics,
    store::now_ms,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(counts).service(funnel);
}

/// Members by state (dashboard).
#[utoipa::path(tag = "analytics", security(("api_token" = ["enterprise:read"])),
    responses((status = 200, body = MemberCounts)))]
#[get("/enterprises/{e}/member-counts")]
pub async fn counts(state: State, InConsole(c, ..): InConsole<gate::Dashboard>) -> Reply {
    Ok(HttpResponse::Ok().json(analytics::counts(&state, &c).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FunnelQuery {
    /// Days back, today included: 1–366, default 30.
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

/// The enrollment funnel per day (invited, accepted, made managed) and per source. Premium plan only.
#[utoipa::path(tag = "analytics", security(("api_token" = ["enterprise:read"])),
    params(FunnelQuery),
    responses((status = 200, body = Analytics), (status = 403, description = "plan_required", body = Problem)))]
#[get("/enterprises/{e}/analytics")]
pub async fn funnel(state: State, InConsole(c, ..): InConsole<gate::Analytics>, q: web::Query<FunnelQuery>) -> Reply {
    let days = q.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(DomainError::field("invalid_days", "days must be between 1 and 366").into());
    }
    Ok(HttpResponse::Ok().json(analytics::funnel(&state, &c, days, now_ms()).await?))
}
