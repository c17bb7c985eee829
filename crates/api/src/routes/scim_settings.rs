//! The enterprise's SCIM setting and base URL (the SCIM routes themselves are `routes::scim`).

use actix_web::{get, put, HttpResponse};
use muster_model::{ScimSettings, UpdateScimSettings};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, Reply, State};
use crate::{
    routes::caller::{gate, InConsole},
    services::scim,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read).service(save);
}

/// Whether people SCIM creates are mailed their invitation, and the SCIM base URL for Okta or Entra.
#[utoipa::path(tag = "integrations", security(("api_token" = ["scim"])),
    responses((status = 200, body = ScimSettings)))]
#[get("/enterprises/{e}/scim-settings")]
pub async fn read(state: State, InConsole(c, _): InConsole<gate::Integrations>) -> Reply {
    Ok(HttpResponse::Ok().json(scim::settings(&state, &c).await?))
}

/// Change whether people SCIM creates are mailed their invitation at once (audited).
#[utoipa::path(tag = "integrations", security(("api_token" = ["scim"])), request_body = UpdateScimSettings,
    responses((status = 200, body = ScimSettings)))]
#[put("/enterprises/{e}/scim-settings")]
pub async fn save(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    body: Json<UpdateScimSettings>,
) -> Reply {
    Ok(HttpResponse::Ok().json(scim::save_settings(&state, &c, body.into_inner()).await?))
}
