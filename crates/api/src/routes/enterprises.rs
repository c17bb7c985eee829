//! Claiming a domain, the enterprise, plan changes and "Check now".

use super::json::Json;
use actix_web::{web, HttpResponse};
use muster_model::{
    ClaimForwarded, ClaimRequest, Enterprise, Problem, UpdateEnterpriseRequest, VerificationResult, VerifyRequest,
};

use super::{optional_json, State};
use crate::{
    error::ApiResult,
    routes::caller::{gate, Authed, InConsole},
    services::{domain_status, enterprises, enterprises::Claimed, verification::Trigger},
};

/// This module's part of the OpenAPI document (`openapi::document` merges every part).
#[derive(utoipa::OpenApi)]
#[openapi(paths(claim, get, update, verify))]
pub struct Api;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/enterprises", web::post().to(claim))
        .route("/enterprises/{e}", web::get().to(get))
        .route("/enterprises/{e}", web::patch().to(update))
        .route("/enterprises/{e}/domain/verify", web::post().to(verify));
}

/// Claim the domain of your own email address. 201 with your own claim and its verification instructions
/// (the first claim to verify makes its claimant the PMA; `open_claims` says how many are trying), or 202 when
/// the domain already has a verified Primary Master Admin (who is emailed your details).
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", security(("bearer" = [])), request_body(content = Option<ClaimRequest>),
    responses((status = 201, body = Enterprise), (status = 202, body = ClaimForwarded),
              (status = 409, description = "already_admin", body = Problem), (status = 422, description = "public_mail_domain", body = Problem)))]
pub async fn claim(state: State, Authed(caller): Authed, body: web::Bytes) -> ApiResult<HttpResponse> {
    let req: ClaimRequest = optional_json(&body)?;
    Ok(match enterprises::claim(&state, &caller, req).await? {
        Claimed::Created(e) => HttpResponse::Created().json(e),
        Claimed::Forwarded(f) => HttpResponse::Accepted().json(f),
    })
}

/// The enterprise: plan, modules (enabled or locked with the reason), domain status and instructions.
#[utoipa::path(get, path = "/api/v1/enterprises/{e}", tag = "enterprises", security(("bearer" = [])),
    params(("e" = String, Path, description = "enterprise id")),
    responses((status = 200, body = Enterprise), (status = 403, description = "elevation_required", body = Problem), (status = 404, body = Problem)))]
pub async fn get(state: State, InConsole(c, ..): InConsole<gate::Open>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(enterprises::with_claims(&state, enterprises::view(&state, &c.enterprise, c.role)).await?))
}

/// Change plan or billing cycle (Primary Master Admin only; audited).
#[utoipa::path(patch, path = "/api/v1/enterprises/{e}", tag = "enterprises", security(("bearer" = [])), request_body = UpdateEnterpriseRequest,
    params(("e" = String, Path, description = "enterprise id")),
    responses((status = 200, body = Enterprise), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update(
    state: State,
    InConsole(c, caller, _): InConsole<gate::Open>,
    body: Json<UpdateEnterpriseRequest>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(enterprises::update(&state, &caller, &c.enterprise, c.role, body.into_inner()).await?))
}

/// Check the domain now, by DNS TXT record and/or meta tag; the result says what each check saw.
#[utoipa::path(post, path = "/api/v1/enterprises/{e}/domain/verify", tag = "enterprises", security(("bearer" = [])), request_body(content = Option<VerifyRequest>),
    params(("e" = String, Path, description = "enterprise id")),
    responses((status = 200, body = VerificationResult), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "domain_taken: another claim verified first", body = Problem)))]
pub async fn verify(
    state: State,
    InConsole(c, caller, _): InConsole<gate::Open>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let method = optional_json::<VerifyRequest>(&body)?.method;
    let result =
        domain_status::check_domain(&state, &c.enterprise, method, Trigger::Manual, Some(&caller.account)).await?;
    Ok(HttpResponse::Ok().json(result))
}
