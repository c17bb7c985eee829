//! Sign-up and activation.

use actix_web::{web, HttpRequest, HttpResponse};
use muster_model::{Account, ActivateRequest, Problem, ResendActivationRequest, SignUpRequest};

use super::State;
use crate::{auth::client_ip, error::ApiResult, services::accounts};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/accounts", web::post().to(sign_up))
        .route("/accounts/activate", web::post().to(activate))
        .route("/accounts/activation/resend", web::post().to(resend_activation));
}

/// Sign up. The account stays `pending` until the link in the activation mail is followed.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = SignUpRequest,
    responses((status = 201, body = Account), (status = 409, description = "email_taken", body = Problem),
              (status = 422, description = "invalid_email, weak_password", body = Problem), (status = 429, body = Problem)))]
pub async fn sign_up(state: State, req: HttpRequest, body: web::Json<SignUpRequest>) -> ApiResult<HttpResponse> {
    let account = accounts::sign_up(&state, body.into_inner(), &client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(account))
}

/// Activate an account with the token from the activation mail.
#[utoipa::path(post, path = "/api/v1/accounts/activate", tag = "accounts", request_body = ActivateRequest,
    responses((status = 200, body = Account), (status = 410, description = "token_expired", body = Problem),
              (status = 422, description = "token_invalid", body = Problem)))]
pub async fn activate(state: State, body: web::Json<ActivateRequest>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(accounts::activate(&state, &body.token).await?))
}

/// Send a new activation link (earlier links stop working). Answers 202 whether or not the account exists.
#[utoipa::path(post, path = "/api/v1/accounts/activation/resend", tag = "accounts", request_body = ResendActivationRequest,
    responses((status = 202), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn resend_activation(
    state: State,
    req: HttpRequest,
    body: web::Json<ResendActivationRequest>,
) -> ApiResult<HttpResponse> {
    accounts::resend_activation(&state, &body.email, &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}
