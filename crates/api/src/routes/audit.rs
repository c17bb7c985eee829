//! The audit log of an enterprise, newest first, with filters.

use actix_web::{web, HttpResponse};
use muster_model::{AuditEvent, AuditEventPage, Module, Problem};
use serde::Deserialize;

use super::State;
use crate::{
    error::ApiResult,
    routes::caller::Authed,
    services::access::console,
    store::{audit, rfc3339},
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/enterprises/{e}/audit-events", web::get().to(list));
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this action, e.g. `domain.verified`.
    pub action: Option<String>,
    /// Only events by this actor email.
    pub actor: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Audit events (actor, action, target, time, details).
#[utoipa::path(get, path = "/api/v1/enterprises/{e}/audit-events", tag = "audit", security(("bearer" = [])),
    params(("e" = String, Path, description = "enterprise id"), AuditQuery),
    responses((status = 200, body = AuditEventPage), (status = 403, description = "elevation_required, domain_unverified", body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    state: State,
    Authed(caller): Authed,
    path: web::Path<String>,
    q: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let c = console(&state, &caller, &path, Some(Module::AuditLog)).await?;
    let limit = super::page_limit(q.limit)?;
    let filter = audit::Filter {
        action: q.action.clone().filter(|s| !s.is_empty()),
        actor: q.actor.clone().filter(|s| !s.is_empty()).map(|s| s.to_ascii_lowercase()),
        before_id: q.cursor.clone().filter(|s| !s.is_empty()),
        limit: limit + 1,
    };
    let mut rows = audit::list(&state.db.pool, &c.enterprise.id, &filter).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            actor_email: r.actor_email,
            action: r.action,
            target: r.target,
            details: r.details.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or(serde_json::Value::Null),
            created_at: rfc3339(r.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditEventPage { items, next_cursor }))
}
