//! HTTP routes: thin handlers that parse, call a service and shape the answer.

pub mod accounts;
pub mod admins;
pub mod analytics;
pub mod audit;
pub mod billing;
pub mod caller;
pub mod directory;
pub mod enrollment;
pub mod enterprises;
pub mod health;
pub mod invitations;
pub mod jobs;
pub mod json;
pub mod sessions;
pub mod spa;
pub mod upload;
pub mod users;

use actix_web::{error::JsonPayloadError, web, HttpRequest};

use crate::{
    error::{ApiError, DomainError},
    state::Shared,
};

pub type State = web::Data<Shared>;

type Mount = fn(&mut web::ServiceConfig);
type Docs = fn() -> utoipa::openapi::OpenApi;

/// The API's route modules, named once: each is mounted under `/api/v1`, and
/// its own part of the OpenAPI document is merged into the published one.
const API: &[(Mount, Docs)] = &[
    (accounts::configure, <accounts::Api as utoipa::OpenApi>::openapi),
    (sessions::configure, <sessions::Api as utoipa::OpenApi>::openapi),
    (enterprises::configure, <enterprises::Api as utoipa::OpenApi>::openapi),
    (invitations::configure, <invitations::Api as utoipa::OpenApi>::openapi),
    (audit::configure, <audit::Api as utoipa::OpenApi>::openapi),
    (jobs::configure, <jobs::Api as utoipa::OpenApi>::openapi),
    (enrollment::configure, <enrollment::Api as utoipa::OpenApi>::openapi),
    (users::configure, <users::Api as utoipa::OpenApi>::openapi),
    (billing::configure, <billing::Api as utoipa::OpenApi>::openapi),
    (analytics::configure, <analytics::Api as utoipa::OpenApi>::openapi),
    (admins::configure, <admins::Api as utoipa::OpenApi>::openapi),
    (directory::configure, <directory::Api as utoipa::OpenApi>::openapi),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    let api = API.iter().fold(
        web::scope("/api/v1")
            // Answers carry tokens and people's data: never kept by a browser or proxy.
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("Cache-Control", "no-store"))),
        |scope, (mount, _)| scope.configure(*mount),
    );
    cfg.service(api.default_service(web::to(unrouted))).configure(health::configure);
}

/// Every route module's part of the OpenAPI document (the probes included).
pub fn documented_parts() -> Vec<utoipa::openapi::OpenApi> {
    API.iter().map(|(_, docs)| docs()).chain([<health::Api as utoipa::OpenApi>::openapi()]).collect()
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
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req: &HttpRequest| {
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
        .into()
    })
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

/// A page of a job's (or a sync run's) per-line results.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ResultsQuery {
    /// Results per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page of results (a line number).
    #[param(pattern = "^[0-9]{0,18}$")]
    pub cursor: Option<String>,
}

/// `?limit=` of list routes: 1–200, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, DomainError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(DomainError::field("invalid_limit", "limit must be between 1 and 200")),
    }
}
