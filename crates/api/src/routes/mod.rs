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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            // Answers carry tokens and people's data: never kept by a browser or proxy.
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .configure(accounts::configure)
            .configure(sessions::configure)
            .configure(enterprises::configure)
            .configure(invitations::configure)
            .configure(audit::configure)
            .configure(jobs::configure)
            .configure(enrollment::configure)
            .configure(users::configure)
            .configure(billing::configure)
            .configure(analytics::configure)
            .configure(admins::configure)
            .configure(directory::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, ApiError>(DomainError::NotFound("route").into())
            })),
    )
    .configure(health::configure);
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

/// For endpoints whose body may be left out: empty means defaults, anything
/// else must be valid JSON.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// `?limit=` of list routes: 1–200, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, DomainError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(DomainError::field("invalid_limit", "limit must be between 1 and 200")),
    }
}
