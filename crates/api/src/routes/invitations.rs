//! The public side of invitations: look one up (never consumes it) and accept.

use actix_web::{get, post, web, HttpResponse};
use muster_model::{AcceptInvitationRequest, AcceptedInvitation, InvitationLookup, Problem};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, Reply, State};
use crate::{routes::caller::MaybeAuthed, services::invitations};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(lookup).service(accept);
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LookupQuery {
    pub token: String,
}

/// Who invited whom to which enterprise. Safe for mail link scanners: it does not consume the token.
#[utoipa::path(tag = "invitations", params(LookupQuery),
    responses((status = 200, body = InvitationLookup), (status = 404, body = Problem),
              (status = 409, description = "invitation_already_accepted", body = Problem), (status = 410, description = "invitation_expired, invitation_revoked", body = Problem)))]
#[get("/invitations/lookup")]
pub async fn lookup(state: State, q: web::Query<LookupQuery>) -> Reply {
    Ok(HttpResponse::Ok().json(invitations::lookup(&state, &q.token).await?))
}

/// Accept an invitation. With no account, or a pending one, the password chosen here is set; an active
/// account is linked only when the request is signed in as it or carries its password.
#[utoipa::path(tag = "invitations", request_body = AcceptInvitationRequest,
    responses((status = 200, body = AcceptedInvitation), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 410, body = Problem), (status = 422, description = "password_required, weak_password, wrong_password", body = Problem),
              (status = 429, body = Problem)))]
#[post("/invitations/accept")]
pub async fn accept(
    state: State,
    req: actix_web::HttpRequest,
    MaybeAuthed(caller): MaybeAuthed,
    body: Json<AcceptInvitationRequest>,
) -> Reply {
    let ip = crate::auth::client_ip(&req);
    Ok(HttpResponse::Ok().json(invitations::accept(&state, body.into_inner(), caller.as_ref(), &ip).await?))
}
