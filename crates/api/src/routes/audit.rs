//! The audit log of an enterprise, newest first, with filters.

use actix_web::{get, web, HttpResponse};
use muster_model::{AuditEventPage, Problem};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    paging::{PageQuery, Paging},
    Reply, State,
};
use crate::{
    routes::caller::{gate, InConsole},
    services,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this action, e.g. `domain.verified`.
    pub action: Option<String>,
    /// Only events by this actor email.
    pub actor: Option<String>,
}

/// Audit events (actor, action, target, time, details).
#[utoipa::path(tag = "audit", security(("api_token" = ["audit:read"])),
    params(AuditQuery, PageQuery),
    responses((status = 200, body = AuditEventPage), (status = 403, description = "elevation_required, domain_unverified", body = Problem)))]
#[get("/enterprises/{e}/audit-events")]
pub async fn list(
    state: State,
    InConsole(c, ..): InConsole<gate::AuditLog>,
    q: web::Query<AuditQuery>,
    page: Paging,
) -> Reply {
    let page =
        services::audit::list(&state, &c, q.action.as_deref(), q.actor.as_deref(), page.cursor(), page.limit).await?;
    Ok(HttpResponse::Ok().json(page))
}
