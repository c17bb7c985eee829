//! Sign-up, activation, password reset and change.

use actix_web::{post, put, HttpRequest, HttpResponse};
use muster_model::{
    Account, ActivateRequest, ChangePasswordRequest, PasswordResetConfirm, PasswordResetRequest, Problem,
    ResendActivationRequest, SignUpRequest,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, Reply, State};
use crate::{auth::client_ip, routes::caller::Authed, services::accounts};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_up)
        .service(activate)
        .service(resend_activation)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(change_password);
}

/// Sign up. The account stays `pending` until activated with the mailed link and the password chosen here.
/// The answer is the same for an address that already has an account (its owner is mailed instead).
#[utoipa::path(tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, body = Account),
              (status = 422, description = "invalid_email, weak_password", body = Problem), (status = 429, body = Problem)))]
#[post("/accounts")]
pub async fn sign_up(state: State, req: HttpRequest, body: Json<SignUpRequest>) -> Reply {
    let account = accounts::sign_up(&state, body.into_inner(), &client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(account))
}

/// Activate an account: the token from the activation mail and the password chosen at sign-up.
#[utoipa::path(tag = "accounts", request_body = ActivateRequest,
    responses((status = 200, body = Account), (status = 400, description = "malformed_json: the password is missing", body = Problem),
              (status = 410, description = "token_expired", body = Problem),
              (status = 422, description = "token_invalid, wrong_password", body = Problem)))]
#[post("/accounts/activate")]
pub async fn activate(state: State, body: Json<ActivateRequest>) -> Reply {
    let body = body.into_inner();
    Ok(HttpResponse::Ok().json(accounts::activate(&state, &body.token, &body.password).await?))
}

/// Send a new activation link (earlier links stop working). Answers 202 whether or not the account exists.
#[utoipa::path(tag = "accounts", request_body = ResendActivationRequest,
    responses((status = 202), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/accounts/activation/resend")]
pub async fn resend_activation(state: State, req: HttpRequest, body: Json<ResendActivationRequest>) -> Reply {
    accounts::resend_activation(&state, &body.email, &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Mail a one-time password reset link (1 hour). Answers 202 whether or not the account exists.
#[utoipa::path(tag = "accounts", request_body = PasswordResetRequest,
    responses((status = 202), (status = 422, description = "invalid_email", body = Problem), (status = 429, body = Problem)))]
#[post("/accounts/password-reset")]
pub async fn request_password_reset(state: State, req: HttpRequest, body: Json<PasswordResetRequest>) -> Reply {
    accounts::request_password_reset(&state, &body.email, &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the reset link's token. Activates a pending account; ends every session.
#[utoipa::path(tag = "accounts", request_body = PasswordResetConfirm,
    responses((status = 204), (status = 410, description = "token_expired", body = Problem),
              (status = 422, description = "token_invalid, weak_password", body = Problem)))]
#[post("/accounts/password-reset/confirm")]
pub async fn confirm_password_reset(state: State, body: Json<PasswordResetConfirm>) -> Reply {
    accounts::confirm_password_reset(&state, &body.token, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the signed-in account's password; every other session ends.
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses((status = 204), (status = 401, body = Problem),
              (status = 422, description = "wrong_password, weak_password", body = Problem), (status = 429, body = Problem)))]
#[put("/me/password")]
pub async fn change_password(state: State, Authed(caller): Authed, body: Json<ChangePasswordRequest>) -> Reply {
    accounts::change_password(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
