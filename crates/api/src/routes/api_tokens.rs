//! API tokens of an enterprise: create (the secret shown once), list, revoke.
//! Only an admin in person manages them (no token has a scope for these).

use actix_web::{delete, get, post, HttpResponse};
use muster_model::{ApiTokenList, CreateApiTokenRequest, CreatedApiToken, Problem};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{item::Item, json::Json, Reply, State};
use crate::{
    routes::caller::{gate, InConsole},
    services::api_tokens,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(revoke);
}

/// Create a token with scopes and an optional lifetime; the answer carries the secret, this once.
#[utoipa::path(tag = "integrations", request_body = CreateApiTokenRequest,
    responses((status = 201, body = CreatedApiToken),
              (status = 403, description = "token_not_allowed: tokens do not manage tokens", body = Problem),
              (status = 422, description = "invalid_name, no_scopes, invalid_expiry", body = Problem)))]
#[post("/enterprises/{e}/api-tokens")]
pub async fn create(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    body: Json<CreateApiTokenRequest>,
) -> Reply {
    Ok(HttpResponse::Created().json(api_tokens::create(&state, &c, body.into_inner()).await?))
}

/// The enterprise's live tokens with when each was last used (never a secret).
#[utoipa::path(tag = "integrations", responses((status = 200, body = ApiTokenList)))]
#[get("/enterprises/{e}/api-tokens")]
pub async fn list(state: State, InConsole(c, _): InConsole<gate::Integrations>) -> Reply {
    Ok(HttpResponse::Ok().json(api_tokens::list(&state, &c).await?))
}

/// Revoke a token: the next request with it is a 401.
#[utoipa::path(tag = "integrations", params(("id" = String, Path, description = "token id")),
    responses((status = 204)))]
#[delete("/enterprises/{e}/api-tokens/{id}")]
pub async fn revoke(state: State, InConsole(c, _): InConsole<gate::Integrations>, Item(id): Item) -> Reply {
    api_tokens::revoke(&state, &c, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
