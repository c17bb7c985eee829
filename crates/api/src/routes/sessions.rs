//! Log in, log out, console elevation and `/me`.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use muster_model::{
    ElevateRequest, LoginRequest, Me, MfaChallenge, MfaLoginRequest, Problem, SessionCreated, SessionInfo, SessionList,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{json::Json, Reply, State};
use crate::{
    auth::{client_addr, client_ip},
    routes::caller::Authed,
    services::{accounts, sessions, sessions::LoginOutcome, sessions::Origin},
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(login_second_step)
        .service(list)
        .service(end_others)
        .service(logout)
        .service(elevate)
        .service(end)
        .service(me);
}

/// The caller's own sessions that still work (created, last seen, client address, user agent, `current`).
#[utoipa::path(tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 401, body = Problem)))]
#[get("/sessions")]
pub async fn list(state: State, Authed(caller): Authed) -> Reply {
    Ok(HttpResponse::Ok().json(sessions::list(&state, &caller).await?))
}

/// End one of the caller's sessions (its token is refused from the next request on, on every replica).
#[utoipa::path(tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[delete("/sessions/{id}")]
pub async fn end(state: State, Authed(caller): Authed, id: web::Path<String>) -> Reply {
    sessions::end(&state, &caller, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere else: every session of the caller but this one ends.
#[utoipa::path(tag = "sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
#[delete("/sessions")]
pub async fn end_others(state: State, Authed(caller): Authed) -> Reply {
    sessions::end_others(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Log in with an email address or a verified phone number and the password. The token's session
/// ends after the idle timeout without requests, or after 12 hours. With two-step verification on,
/// the answer is 200 with an `mfa_token` for `POST /sessions/mfa` instead.
#[utoipa::path(tag = "sessions", request_body = LoginRequest,
    responses((status = 201, body = SessionCreated), (status = 200, description = "the second step is needed", body = MfaChallenge),
              (status = 401, description = "invalid_credentials", body = Problem),
              (status = 403, description = "account_not_active", body = Problem), (status = 429, body = Problem)))]
#[post("/sessions")]
pub async fn login(state: State, req: HttpRequest, body: Json<LoginRequest>) -> Reply {
    let (ip, address, agent) = origin_of(&req);
    let origin = Origin { ip: &ip, address: address.as_deref(), user_agent: agent.as_deref() };
    Ok(match sessions::login(&state, body.into_inner(), origin).await? {
        LoginOutcome::Session(created) => HttpResponse::Created().json(created),
        LoginOutcome::SecondStep(challenge) => HttpResponse::Ok().json(challenge),
    })
}

/// The second step of a log in with two-step verification: the `mfa_token` and a code from the
/// authenticator app (each code works once) or a recovery code.
#[utoipa::path(tag = "sessions", request_body = MfaLoginRequest,
    responses((status = 201, body = SessionCreated),
              (status = 401, description = "mfa_token_invalid: expired, used, or 5 wrong codes", body = Problem),
              (status = 422, description = "wrong_code, code_already_used, mfa_code_required", body = Problem),
              (status = 429, description = "mfa_locked, rate_limited", body = Problem)))]
#[post("/sessions/mfa")]
pub async fn login_second_step(state: State, req: HttpRequest, body: Json<MfaLoginRequest>) -> Reply {
    let (ip, address, agent) = origin_of(&req);
    let origin = Origin { ip: &ip, address: address.as_deref(), user_agent: agent.as_deref() };
    Ok(HttpResponse::Created().json(sessions::login_second_step(&state, body.into_inner(), origin).await?))
}

/// The rate-limit key, the address and the user agent of a log in.
fn origin_of(req: &HttpRequest) -> (String, Option<String>, Option<String>) {
    let agent =
        req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect::<String>());
    (client_ip(req), client_addr(req).map(|a| a.to_string()), agent)
}

/// Log out: the token is refused from now on.
#[utoipa::path(tag = "sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem)))]
#[delete("/sessions/current")]
pub async fn logout(state: State, Authed(caller): Authed) -> Reply {
    sessions::logout(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Re-enter the password (and the two-step code when it is on) to open the admin console (lapses after the idle timeout).
#[utoipa::path(tag = "sessions", security(("bearer" = [])), request_body = ElevateRequest,
    responses((status = 200, body = SessionInfo),
              (status = 403, description = "mfa_enrollment_required: an enterprise's policy needs two-step verification first", body = Problem),
              (status = 422, description = "wrong_password, mfa_code_required, wrong_code", body = Problem), (status = 401, body = Problem),
              (status = 429, body = Problem)))]
#[post("/sessions/current/elevate")]
pub async fn elevate(state: State, Authed(caller): Authed, body: Json<ElevateRequest>) -> Reply {
    Ok(HttpResponse::Ok().json(sessions::elevate(&state, &caller, body.into_inner()).await?))
}

/// The signed-in account, the enterprises it administers and its memberships.
#[utoipa::path(tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
#[get("/me")]
pub async fn me(state: State, Authed(caller): Authed) -> Reply {
    Ok(HttpResponse::Ok().json(accounts::me(&state, &caller).await?))
}
