//! Invite, and the admin side of invitations: list, resend, revoke.

use actix_web::{delete, get, post, web, HttpResponse};
use muster_model::{Invitation, InvitationPage, InvitationStatus, InviteRequest, InviteResponse, Problem};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    item::Item,
    json::Json,
    paging::{PageQuery, Paging},
    Reply, State,
};
use crate::{
    routes::caller::{gate, InConsole},
    services::enrollment,
};

/// 10,000 addresses fit; the general JSON limit is much smaller.
const INVITE_BODY_LIMIT: usize = 1024 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(invite).service(list).service(resend).service(revoke);
}

/// Invite people by email. Every address gets its own outcome: `invited`, `already_member`,
/// `already_invited`, `not_in_domain` or `invalid`. Up to 10,000 addresses per request.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"])),
    request_body = InviteRequest,
    responses((status = 200, body = InviteResponse),
              (status = 422, description = "no_addresses, too_many_addresses", body = Problem),
              (status = 429, description = "invite_limit_reached", body = Problem)))]
#[post("/enterprises/{e}/invitations")]
pub async fn invite(
    state: State,
    InConsole(c, _): InConsole<gate::Invite>,
    body: Json<InviteRequest, INVITE_BODY_LIMIT>,
) -> Reply {
    let req = body.into_inner();
    let send = req.send_invitations.unwrap_or(true);
    let result = enrollment::invite(&state, &c, &c.actor, &req.emails, send).await?;
    Ok(HttpResponse::Ok().json(result))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `pending`, `expired`, `accepted` or `revoked`.
    pub status: Option<InvitationStatus>,
}

/// Invitations, newest first, with sent time, expiry and mail delivery status.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["users:read"])),
    params(ListQuery, PageQuery),
    responses((status = 200, body = InvitationPage)))]
#[get("/enterprises/{e}/invitations")]
pub async fn list(
    state: State,
    InConsole(c, ..): InConsole<gate::Invite>,
    q: web::Query<ListQuery>,
    page: Paging,
) -> Reply {
    let page = enrollment::list(&state, &c, q.status, page.cursor(), page.limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Send a pending (or expired) invitation again: a new link, a new expiry; the old link stops working.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"])),
    params(("id" = String, Path, description = "invitation id")),
    responses((status = 200, body = Invitation), (status = 409, description = "invitation_not_pending", body = Problem)))]
#[post("/enterprises/{e}/invitations/{id}/resend")]
pub async fn resend(state: State, InConsole(c, _): InConsole<gate::Invite>, Item(id): Item) -> Reply {
    Ok(HttpResponse::Ok().json(enrollment::resend(&state, &c, &c.actor, &id).await?))
}

/// Revoke a pending invitation: its link stops working and the person is no longer listed.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"])),
    params(("id" = String, Path, description = "invitation id")),
    responses((status = 204), (status = 409, description = "invitation_not_pending", body = Problem)))]
#[delete("/enterprises/{e}/invitations/{id}")]
pub async fn revoke(state: State, InConsole(c, _): InConsole<gate::Invite>, Item(id): Item) -> Reply {
    enrollment::revoke(&state, &c, &c.actor, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
