//! The one error type of the API, mapped to RFC 9457 problem details in one
//! exhaustive match so every code is stable and documented in one place.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use muster_model::{LockReason, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Validation(String),
    #[error("{detail}")]
    InvalidField { code: &'static str, detail: String },
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 401 with a code saying why: `unauthenticated`, `session_expired`, `session_revoked`, `token_invalid`.
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the account has not been activated yet; follow the link in the activation email")]
    AccountNotActive,
    #[error("re-enter your password to open the admin console")]
    ElevationRequired,
    #[error("{0}")]
    Forbidden(String),
    /// 403 with a code of its own (e.g. `admin_suspended`, `cannot_suspend_pma`).
    #[error("{detail}")]
    Denied { code: &'static str, detail: String },
    #[error("{}", .0.explain())]
    Locked(LockReason),
    #[error("{0} was not found")]
    NotFound(&'static str),
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{detail}")]
    Gone { code: &'static str, detail: String },
    #[error("too many attempts; wait a minute and try again")]
    RateLimited,
    /// 429 for a quota (not a burst): says which and when it frees up.
    #[error("{detail}")]
    TooMany { code: &'static str, detail: String },
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::InvalidField { code, .. } => code,
            Self::MalformedJson(_) => "malformed_json",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Unauthorized { code, .. } => code,
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountNotActive => "account_not_active",
            Self::ElevationRequired => "elevation_required",
            Self::Forbidden(_) => "forbidden",
            Self::Denied { code, .. } => code,
            Self::Locked(reason) => reason.as_str(),
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::Gone { code, .. } => code,
            Self::RateLimited => "rate_limited",
            Self::TooMany { code, .. } => code,
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn field(code: &'static str, detail: impl Into<String>) -> Self {
        Self::InvalidField { code, detail: detail.into() }
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthorized { code, detail: detail.into() }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into() }
    }

    pub fn denied(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Denied { code, detail: detail.into() }
    }

    pub fn gone(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Gone { code, detail: detail.into() }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
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

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::InvalidField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized { .. } | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::AccountNotActive
            | Self::ElevationRequired
            | Self::Forbidden(_)
            | Self::Denied { .. }
            | Self::Locked(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::RateLimited | Self::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            // The chain goes to the log, never to the client.
            Self::Internal(e) => {
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
        if let Self::Unauthorized { .. } | Self::InvalidCredentials = self {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(problem)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
