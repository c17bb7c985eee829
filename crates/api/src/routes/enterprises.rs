//! Claiming a domain, the enterprise, plan changes and "Check now".

use actix_web::{get, patch, post, web, HttpResponse};
use muster_model::{
    ClaimForwarded, ClaimRequest, Enterprise, Problem, UpdateEnterpriseRequest, VerificationResult, VerifyRequest,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, optional_json, Reply, State};
use crate::{
    routes::caller::{gate, Authed, InConsole},
    services::{domain_status, enterprises, enterprises::Claimed, verification::Trigger},
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(claim).service(get).service(update).service(verify);
}

/// Claim the domain of your own email address. 201 with your own claim and its verification instructions
/// (the first claim to verify makes its claimant the PMA; `open_claims` says how many are trying), or 202 when
/// the domain already has a verified Primary Master Admin (who is emailed your details).
#[utoipa::path(tag = "enterprises", security(("bearer" = [])), request_body(content = Option<ClaimRequest>),
    responses((status = 201, body = Enterprise), (status = 202, body = ClaimForwarded),
              (status = 409, description = "already_admin", body = Problem), (status = 422, description = "public_mail_domain", body = Problem)))]
#[post("/enterprises")]
pub async fn claim(state: State, Authed(caller): Authed, body: web::Bytes) -> Reply {
    let req: ClaimRequest = optional_json(&body)?;
    Ok(match enterprises::claim(&state, &caller, req).await? {
        Claimed::Created(e) => HttpResponse::Created().json(e),
        Claimed::Forwarded(f) => HttpResponse::Accepted().json(f),
    })
}

/// The enterprise: plan, modules (enabled or locked with the reason), domain status and instructions.
#[utoipa::path(tag = "enterprises", security(("api_token" = ["enterprise:read"])),
    responses((status = 200, body = Enterprise), (status = 403, description = "elevation_required", body = Problem)))]
#[get("/enterprises/{e}")]
pub async fn get(state: State, InConsole(c, ..): InConsole<gate::Open>) -> Reply {
    Ok(HttpResponse::Ok()
        .json(enterprises::with_claims(&state, enterprises::view(&state, &c.enterprise, c.role)).await?))
}

/// Change plan or billing cycle (Primary Master Admin only; audited).
#[utoipa::path(tag = "enterprises", request_body = UpdateEnterpriseRequest,
    responses((status = 200, body = Enterprise)))]
#[patch("/enterprises/{e}")]
pub async fn update(
    state: State,
    InConsole(c, _): InConsole<gate::Open>,
    body: Json<UpdateEnterpriseRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(enterprises::update(&state, &c.actor, &c.enterprise, c.role, body.into_inner()).await?))
}

/// Check the domain now, by DNS TXT record and/or meta tag; the result says what each check saw.
#[utoipa::path(tag = "enterprises", request_body(content = Option<VerifyRequest>),
    responses((status = 200, body = VerificationResult),
              (status = 409, description = "domain_taken: another claim verified first", body = Problem)))]
#[post("/enterprises/{e}/domain/verify")]
pub async fn verify(state: State, InConsole(c, _): InConsole<gate::Open>, body: web::Bytes) -> Reply {
    let method = optional_json::<VerifyRequest>(&body)?.method;
    let result = domain_status::check_domain(&state, &c.enterprise, method, Trigger::Manual, Some(&c.actor)).await?;
    Ok(HttpResponse::Ok().json(result))
}
