//! Admins of an enterprise: listed by any admin, granted and revoked by the PMA.

use actix_web::{delete, get, post, put, HttpResponse};
use muster_model::{AdminEntry, Problem, TransferOwnershipRequest};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{item::Item, json::Json, Reply, State};
use crate::{
    routes::caller::{gate, InConsole},
    services::admins,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(grant).service(revoke).service(transfer_ownership);
}

/// Hand the Primary Master Admin role to another active admin (PMA only; needs the password).
/// The former PMA stays an admin; both are mailed.
#[utoipa::path(tag = "users", request_body = TransferOwnershipRequest,
    responses((status = 200, body = [AdminEntry]),
              (status = 409, description = "ownership_changed", body = Problem),
              (status = 422, description = "wrong_password, not_an_admin, not_an_active_admin", body = Problem),
              (status = 429, body = Problem)))]
#[post("/enterprises/{e}/transfer-ownership")]
pub async fn transfer_ownership(
    state: State,
    InConsole(c, _): InConsole<gate::Open>,
    body: Json<TransferOwnershipRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(admins::transfer_ownership(&state, &c, &c.actor, body.into_inner()).await?))
}

/// The enterprise's admins, the PMA first.
#[utoipa::path(tag = "users", responses((status = 200, body = [AdminEntry])))]
#[get("/enterprises/{e}/admins")]
pub async fn list(state: State, InConsole(c, ..): InConsole<gate::Users>) -> Reply {
    Ok(HttpResponse::Ok().json(admins::list(&state, &c).await?))
}

/// Make an enrolled member an admin (Primary Master Admin only).
#[utoipa::path(tag = "users", params(("account_id" = String, Path, description = "the member's account id")),
    responses((status = 200, body = AdminEntry)))]
#[put("/enterprises/{e}/admins/{account_id}")]
pub async fn grant(state: State, InConsole(c, _): InConsole<gate::Users>, Item(account): Item) -> Reply {
    Ok(HttpResponse::Ok().json(admins::grant(&state, &c, &c.actor, &account).await?))
}

/// Take admin rights back (Primary Master Admin only; the PMA stays).
#[utoipa::path(tag = "users", params(("account_id" = String, Path, description = "the admin's account id")),
    responses((status = 204), (status = 409, description = "cannot_remove_pma", body = Problem)))]
#[delete("/enterprises/{e}/admins/{account_id}")]
pub async fn revoke(state: State, InConsole(c, _): InConsole<gate::Users>, Item(account): Item) -> Reply {
    admins::revoke(&state, &c, &c.actor, &account).await?;
    Ok(HttpResponse::NoContent().finish())
}
