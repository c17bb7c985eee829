//! HTTP routes: thin handlers that parse, call a service and shape the answer.

pub mod accounts;
pub mod admins;
pub mod analytics;
pub mod api_tokens;
pub mod audit;
pub mod billing;
pub mod caller;
pub mod directory;
pub mod enrollment;
pub mod enterprises;
pub mod health;
pub mod invitations;
pub mod item;
pub mod jobs;
pub mod json;
pub mod mfa;
pub mod paging;
pub mod scim;
pub mod scim_settings;
pub mod sessions;
pub mod spa;
pub mod upload;
pub mod users;
pub mod webhooks;

use actix_web::{error::JsonPayloadError, web, HttpRequest};
use utoipa_actix_web::{service_config::ServiceConfig, AppExt};

use crate::{
    error::{ApiError, DomainError},
    state::Shared,
};

pub type State = web::Data<Shared>;

/// What a handler answers: a response, or an error as problem+json.
pub type Reply = Result<actix_web::HttpResponse, ApiError>;

/// The API's route modules, named once: each mounts its handlers under
/// `/api/v1`, and each handler's `#[utoipa::path]` with its actix route
/// attribute is both the route and its part of the OpenAPI document.
const API: &[fn(&mut ServiceConfig)] = &[
    accounts::configure,
    sessions::configure,
    mfa::configure,
    enterprises::configure,
    invitations::configure,
    audit::configure,
    jobs::configure,
    enrollment::configure,
    users::configure,
    billing::configure,
    analytics::configure,
    admins::configure,
    directory::configure,
    api_tokens::configure,
    webhooks::configure,
    scim_settings::configure,
];

/// Mounts every route (the API scope and the probes) and gathers their paths
/// for the OpenAPI document as it goes.
pub fn mount(cfg: &mut ServiceConfig) {
    let api = API.iter().fold(
        utoipa_actix_web::scope("/api/v1")
            // Answers carry tokens and people's data: never kept by a browser or proxy.
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("Cache-Control", "no-store"))),
        |scope, mount| scope.configure(*mount),
    );
    cfg.service(api.default_service(web::to(unrouted))).configure(health::configure);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    mount(&mut ServiceConfig::new(cfg));
    // SCIM describes itself (its discovery documents), outside the OpenAPI document.
    scim::configure(cfg);
}

/// The paths (and the schemas they name) of every mounted route.
pub fn documented_paths() -> utoipa::openapi::OpenApi {
    actix_web::App::new().into_utoipa_app().configure(mount).split_for_parts().1
}

/// No route took the request: 405 (with `Allow`) when the path is documented
/// for other methods, else 404.
async fn unrouted(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(unrouted_error(req.path()))
}

pub fn unrouted_error(path: &str) -> ApiError {
    match crate::openapi::methods::allowed(path) {
        Some(allowed) => ApiError::MethodNotAllowed { allowed },
        None => DomainError::NotFound("route").into(),
    }
}

/// Bad JSON and oversized bodies become problem+json like every other error.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req: &HttpRequest| json_error(err, limit).into())
}

pub fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::Domain(DomainError::TooLarge { limit })
        }
        JsonPayloadError::ContentType => {
            ApiError::MalformedJson("send the body as JSON with Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) => ApiError::MalformedJson(e.to_string()),
        other => ApiError::MalformedJson(other.to_string()),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _| ApiError::from(DomainError::Validation(format!("bad query string: {err}"))).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::from(DomainError::NotFound("resource")).into())
}

/// For endpoints whose body may be left out: empty (or JSON `null`) means
/// defaults, anything else must be valid JSON.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    Ok(json::maybe(body)?.unwrap_or_default())
}
