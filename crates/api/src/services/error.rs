//! The domain's one error type: what went wrong in words a service can say
//! without knowing it is behind HTTP. `crate::error` maps it to problem+json
//! in one place; the job runner turns it into a job's failure reason.

use muster_model::LockReason;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input breaks a rule the caller can fix (`validation_failed`).
    #[error("{0}")]
    Validation(String),
    /// One field is wrong, with a code of its own (e.g. `invalid_email`).
    #[error("{detail}")]
    InvalidField { code: &'static str, detail: String },
    /// No usable proof of who is calling: `unauthenticated`, `session_expired`, `session_revoked`, `token_invalid`.
    #[error("{detail}")]
    Unauthenticated { code: &'static str, detail: String },
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("the account has not been activated yet; follow the link in the activation email")]
    AccountNotActive,
    #[error("re-enter your password to open the admin console")]
    ElevationRequired,
    #[error("{0}")]
    Forbidden(String),
    /// Not allowed, with a code of its own (e.g. `admin_suspended`, `cannot_suspend_pma`).
    #[error("{detail}")]
    Denied { code: &'static str, detail: String },
    /// The enterprise's console is locked (unverified domain, no seats, …).
    #[error("{}", .0.explain())]
    Locked(LockReason),
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// The state of things forbids it now (a seat cap, a running sync, a taken name).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// It existed and is used up or expired (a one-time link).
    #[error("{detail}")]
    Gone { code: &'static str, detail: String },
    /// A burst limit.
    #[error("too many attempts; wait a minute and try again")]
    RateLimited,
    /// A per-credential request rate: the answer carries `Retry-After`.
    #[error("too many requests with this API token; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// A quota (not a burst): says which and when it frees up.
    #[error("{detail}")]
    QuotaExceeded { code: &'static str, detail: String },
    /// An upload or body past its size limit.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// A dependency is down or the server is shutting down.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours; the chain (with its `context`) goes to the log, never to the caller.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// The stable problem code integrators branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::InvalidField { code, .. }
            | Self::Unauthenticated { code, .. }
            | Self::Denied { code, .. }
            | Self::Conflict { code, .. }
            | Self::Gone { code, .. }
            | Self::QuotaExceeded { code, .. } => code,
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountNotActive => "account_not_active",
            Self::ElevationRequired => "elevation_required",
            Self::Forbidden(_) => "forbidden",
            Self::Locked(reason) => reason.as_str(),
            Self::NotFound(_) => "not_found",
            Self::RateLimited | Self::TooManyRequests { .. } => "rate_limited",
            Self::TooLarge { .. } => "payload_too_large",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn field(code: &'static str, detail: impl Into<String>) -> Self {
        Self::InvalidField { code, detail: detail.into() }
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthenticated { code, detail: detail.into() }
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

    pub fn quota(code: &'static str, detail: impl Into<String>) -> Self {
        Self::QuotaExceeded { code, detail: detail.into() }
    }
}

impl From<sqlx::Error> for DomainError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

/// Says what a request was doing when the database failed, so the log line
/// reads "while reading the members of acme.test: …" and not sqlx's text alone.
pub trait During<T> {
    fn during(self, what: impl FnOnce() -> String) -> DomainResult<T>;
}

impl<T> During<T> for Result<T, sqlx::Error> {
    fn during(self, what: impl FnOnce() -> String) -> DomainResult<T> {
        self.map_err(|e| DomainError::Internal(anyhow::Error::new(e).context(format!("while {}", what()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_query_names_what_it_was_for() {
        let failed: Result<(), sqlx::Error> = Err(sqlx::Error::RowNotFound);
        let DomainError::Internal(e) = failed.during(|| "reading the members of acme.test".into()).unwrap_err() else {
            panic!("a database failure is internal")
        };
        let logged = format!("{e:#}");
        assert!(logged.starts_with("while reading the members of acme.test: "), "{logged}");
    }
}
