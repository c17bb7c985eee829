//! Users: list and search members, edit one, manage or unmanage many.

use actix_web::{get, patch, post, web, HttpResponse};
use muster_model::{BulkStateResult, Member, MemberIds, MemberPage, MemberState, Problem, UpdateMemberRequest};
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
    services::members,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(manage).service(unmanage).service(update);
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only members in this state (`removed` ones are listed only when asked for).
    pub state: Option<MemberState>,
    /// Matches email, name or department, anywhere, ignoring case.
    pub q: Option<String>,
}

/// Members by email, with server-side search and state filter, cursor-paginated.
#[utoipa::path(tag = "users",
    security(("api_token" = ["users:read"])),
    params(ListQuery, PageQuery),
    responses((status = 200, body = MemberPage)))]
#[get("/enterprises/{e}/users")]
pub async fn list(
    state: State,
    InConsole(c, ..): InConsole<gate::Users>,
    q: web::Query<ListQuery>,
    page: Paging,
) -> Reply {
    let page = members::list(&state, &c, q.state, q.q.as_deref(), page.cursor(), page.limit).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Edit a member's profile and/or state (`managed`, `unmanaged`, `suspended`).
#[utoipa::path(tag = "users", security(("api_token" = ["users:write"])),
    params(("id" = String, Path, description = "member id")),
    request_body = UpdateMemberRequest,
    responses((status = 200, body = Member),
              (status = 409, description = "seat_cap_reached, not_enrolled, invalid_transition", body = Problem)))]
#[patch("/enterprises/{e}/users/{id}")]
pub async fn update(
    state: State,
    InConsole(c, _): InConsole<gate::Users>,
    Item(id): Item,
    body: Json<UpdateMemberRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(members::update(&state, &c, &c.actor, &id, body.into_inner()).await?))
}

/// Make members managed (billed per seat). Members already managed, or not yet enrolled, are skipped.
#[utoipa::path(tag = "users", security(("api_token" = ["users:write"])),
    request_body = MemberIds,
    responses((status = 200, body = BulkStateResult), (status = 409, description = "seat_cap_reached", body = Problem)))]
#[post("/enterprises/{e}/users/manage")]
pub async fn manage(state: State, InConsole(c, _): InConsole<gate::Users>, body: Json<MemberIds>) -> Reply {
    Ok(HttpResponse::Ok().json(members::move_to(&state, &c, &c.actor, &body.ids, MemberState::Managed).await?))
}

/// Make managed members unmanaged again (and restore suspended ones).
#[utoipa::path(tag = "users", security(("api_token" = ["users:write"])),
    request_body = MemberIds,
    responses((status = 200, body = BulkStateResult)))]
#[post("/enterprises/{e}/users/unmanage")]
pub async fn unmanage(state: State, InConsole(c, _): InConsole<gate::Users>, body: Json<MemberIds>) -> Reply {
    Ok(HttpResponse::Ok().json(members::move_to(&state, &c, &c.actor, &body.ids, MemberState::Unmanaged).await?))
}
