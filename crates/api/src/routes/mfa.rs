//! The signed-in account's second factor and phone number (DESIGN §2a).

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use muster_model::{
    MfaStatus, PhoneRequest, PhoneVerifyRequest, Problem, RecoveryCodes, TotpConfirmRequest, TotpDisableRequest,
    TotpEnrolRequest, TotpEnrolment,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, optional_json, Reply, State};
use crate::{
    auth::client_ip,
    routes::caller::Authed,
    services::{accounts, mfa, phone},
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(status)
        .service(enrol)
        .service(confirm)
        .service(disable)
        .service(recovery_codes)
        .service(add_phone)
        .service(verify_phone)
        .service(remove_phone);
}

/// What protects this account's sign-in: two-step verification, recovery codes left, the phone number.
#[utoipa::path(tag = "account security", security(("bearer" = [])),
    responses((status = 200, body = MfaStatus), (status = 401, body = Problem)))]
#[get("/me/mfa")]
pub async fn status(state: State, Authed(caller): Authed) -> Reply {
    Ok(HttpResponse::Ok().json(mfa::status(&state, &caller.account).await?))
}

/// Start setting up an authenticator app: a new secret, its `otpauth://` URL and QR code. Not active
/// until confirmed. While two-step verification is on, send the password and a current code.
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body(content = Option<TotpEnrolRequest>),
    responses((status = 200, body = TotpEnrolment), (status = 401, body = Problem),
              (status = 422, description = "mfa_reauthentication_required, wrong_password, wrong_code", body = Problem)))]
#[post("/me/mfa/totp")]
pub async fn enrol(state: State, Authed(caller): Authed, body: web::Bytes) -> Reply {
    let req: TotpEnrolRequest = optional_json(&body)?;
    Ok(HttpResponse::Ok().json(mfa::enrol(&state, &caller, req).await?))
}

/// Confirm the new secret with a code from the app: two-step verification is on, and the answer
/// holds ten single-use recovery codes (shown this once).
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body = TotpConfirmRequest,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = Problem),
              (status = 409, description = "no_totp_enrolment", body = Problem), (status = 410, description = "totp_enrolment_expired", body = Problem),
              (status = 422, description = "wrong_code", body = Problem), (status = 429, description = "mfa_locked", body = Problem)))]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm(state: State, Authed(caller): Authed, body: Json<TotpConfirmRequest>) -> Reply {
    Ok(HttpResponse::Ok().json(mfa::confirm(&state, &caller, &body.code).await?))
}

/// Turn two-step verification off with the password and a code (or a recovery code).
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body = TotpDisableRequest,
    responses((status = 204), (status = 401, body = Problem),
              (status = 409, description = "mfa_not_enabled, mfa_required_by_policy", body = Problem),
              (status = 422, description = "wrong_password, wrong_code", body = Problem), (status = 429, body = Problem)))]
#[delete("/me/mfa/totp")]
pub async fn disable(state: State, Authed(caller): Authed, body: Json<TotpDisableRequest>) -> Reply {
    mfa::disable(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ten new recovery codes (the earlier ones stop working), with the password and a current code.
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body = TotpDisableRequest,
    responses((status = 200, body = RecoveryCodes), (status = 401, body = Problem),
              (status = 409, description = "mfa_not_enabled", body = Problem),
              (status = 422, description = "wrong_password, wrong_code", body = Problem), (status = 429, body = Problem)))]
#[post("/me/mfa/recovery-codes")]
pub async fn recovery_codes(state: State, Authed(caller): Authed, body: Json<TotpDisableRequest>) -> Reply {
    Ok(HttpResponse::Ok().json(mfa::new_recovery_codes(&state, &caller, body.into_inner()).await?))
}

/// Add a cell phone number (international form): a 6-digit code goes to it by SMS (10 minutes,
/// 5 tries). Answers 202 whatever the number; `POST /me/phone/verify` says whether it can be yours.
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body = PhoneRequest,
    responses((status = 202), (status = 401, body = Problem),
              (status = 422, description = "invalid_phone, phone_not_mobile, phone_country_not_allowed", body = Problem),
              (status = 429, description = "sms_resend_too_soon, sms_limit_reached", body = Problem)))]
#[put("/me/phone")]
pub async fn add_phone(state: State, req: HttpRequest, Authed(caller): Authed, body: Json<PhoneRequest>) -> Reply {
    phone::start(&state, &caller, &body.phone, &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The SMS code makes the number a sign-in identifier of this account.
#[utoipa::path(tag = "account security", security(("bearer" = [])), request_body = PhoneVerifyRequest,
    responses((status = 200, body = muster_model::Account), (status = 401, body = Problem),
              (status = 409, description = "phone_taken, no_phone_pending", body = Problem),
              (status = 410, description = "code_expired", body = Problem), (status = 422, description = "wrong_code", body = Problem)))]
#[post("/me/phone/verify")]
pub async fn verify_phone(state: State, Authed(caller): Authed, body: Json<PhoneVerifyRequest>) -> Reply {
    let phone = phone::verify(&state, &caller, &body.code).await?;
    let mut account = caller.account.clone();
    account.phone = Some(phone);
    Ok(HttpResponse::Ok().json(accounts::view(&account)))
}

/// Remove the phone number: it no longer signs in.
#[utoipa::path(tag = "account security", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
#[delete("/me/phone")]
pub async fn remove_phone(state: State, Authed(caller): Authed) -> Reply {
    phone::remove(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}
