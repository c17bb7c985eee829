//! The HTTP face of errors: a request's own faults (malformed JSON, too big a
//! body) and every `DomainError`, mapped to RFC 9457 problem details by one
//! `From` and one exhaustive status match, so every code is stable and
//! documented in one place.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use muster_model::Problem;

pub use crate::services::error::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A documented path asked with a method it does not answer.
    #[error("this path answers {}, not this method", .allowed.join(", "))]
    MethodNotAllowed { allowed: Vec<&'static str> },
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Domain(e) => e.code(),
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::GONE => "Gone",
            StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
            StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable content",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::SERVICE_UNAVAILABLE => "Service unavailable",
            _ => "Internal server error",
        }
    }
}

pub(crate) fn domain_status(e: &DomainError) -> StatusCode {
    use DomainError as D;
    match e {
        D::Validation(_) | D::InvalidField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        D::Unauthenticated { .. } | D::InvalidCredentials => StatusCode::UNAUTHORIZED,
        D::AccountNotActive | D::ElevationRequired | D::Forbidden(_) | D::Denied { .. } | D::Locked(_) => {
            StatusCode::FORBIDDEN
        }
        D::NotFound(_) => StatusCode::NOT_FOUND,
        D::Conflict { .. } => StatusCode::CONFLICT,
        D::Gone { .. } => StatusCode::GONE,
        D::RateLimited | D::TooManyRequests { .. } | D::QuotaExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
        D::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        D::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        D::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Domain(e) => domain_status(e),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            // The chain goes to the log, never to the client.
            Self::Domain(DomainError::Internal(e)) => {
                tracing::error!(error = format!("{e:#}"), "request failed");
                "something went wrong on our side; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let problem = Problem {
            kind: "about:blank".into(),
            title: self.title().into(),
            status: status.as_u16(),
            detail,
            code: self.code().into(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let Self::Domain(e) = self {
            retry_and_auth_headers(e, &mut response);
        }
        if let Self::MethodNotAllowed { allowed } = self {
            response.insert_header(("Allow", allowed.join(", ")));
        }
        response.json(problem)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Domain(e.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::Domain(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What a client needs besides the body, on either face: how to authenticate, when to retry.
fn retry_and_auth_headers(e: &DomainError, response: &mut actix_web::HttpResponseBuilder) {
    if let DomainError::Unauthenticated { .. } | DomainError::InvalidCredentials = e {
        response.insert_header(("WWW-Authenticate", "Bearer"));
    }
    if let DomainError::TooManyRequests { retry_after_secs } = e {
        response.insert_header(("Retry-After", retry_after_secs.to_string()));
    }
}

/// The SCIM face of a `DomainError` (RFC 7644 §3.12): the SCIM Error body
/// as `application/scim+json`, a `scimType` for the 400s a client can act on
/// (the services name it as the error's code) and for 409 `uniqueness`.
#[derive(Debug)]
pub struct ScimError(pub DomainError);

impl<E: Into<DomainError>> From<E> for ScimError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

const SCIM_TYPES: &[&str] = &[
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
];

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ScimError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            DomainError::Validation(_) | DomainError::InvalidField { .. } => StatusCode::BAD_REQUEST,
            e => domain_status(e),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match &self.0 {
            DomainError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "SCIM request failed");
                "something went wrong on our side; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let code = self.0.code();
        let mut body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.as_u16().to_string(),
            "detail": detail,
        });
        if SCIM_TYPES.contains(&code) {
            body["scimType"] = code.into();
        } else if matches!(self.0, DomainError::Validation(_) | DomainError::InvalidField { .. }) {
            body["scimType"] = "invalidValue".into();
        }
        let mut response = HttpResponse::build(status);
        response.content_type("application/scim+json");
        retry_and_auth_headers(&self.0, &mut response);
        response.body(body.to_string())
    }
}
