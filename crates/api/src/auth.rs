//! Request guards: `Authed` (a live session) and `console` (admin of this
//! enterprise → elevated → domain verified → plan enables the module).
//! The order matters: a stranger gets 404 before anything else is revealed.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use muster_model::{Module, Role};

use crate::{
    error::{ApiError, ApiResult},
    services::{enterprises, sessions, sessions::Caller},
    state::{AppState, Shared},
    store::{enterprises::EnterpriseRow, now_ms},
};

pub struct Authed(pub Caller);

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string())
}

impl FromRequest for Authed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<Shared>>().cloned();
        let bearer = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            sessions::authenticate(&state, bearer.as_deref()).await.map(Authed)
        })
    }
}

/// A live session when the request carries one; a missing or dead token is
/// simply "not signed in" (for public routes that accept proof either way).
pub struct MaybeAuthed(pub Option<Caller>);

impl FromRequest for MaybeAuthed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<Shared>>().cloned();
        let bearer = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            match bearer {
                None => Ok(MaybeAuthed(None)),
                Some(t) => match sessions::authenticate(&state, Some(&t)).await {
                    Ok(caller) => Ok(MaybeAuthed(Some(caller))),
                    Err(ApiError::Internal(e)) => Err(ApiError::Internal(e)),
                    Err(_) => Ok(MaybeAuthed(None)),
                },
            }
        })
    }
}

/// What a console route needs to know about where it is.
pub struct Console {
    pub enterprise: EnterpriseRow,
    pub role: Role,
}

impl Console {
    /// The module must be open for this enterprise (domain verified, plan enables it).
    pub fn require(&self, module: Module) -> ApiResult<()> {
        let plan = muster_model::Plan::parse(&self.enterprise.plan).unwrap_or_default();
        let status = muster_model::DomainStatus::parse(&self.enterprise.domain_status)
            .unwrap_or(muster_model::DomainStatus::Unverified);
        match module.lock_reason(plan, status) {
            Some(reason) => Err(ApiError::Locked(reason)),
            None => Ok(()),
        }
    }
}

/// `module` None: the enterprise shell and Domain Management, open before verification.
pub async fn console(
    state: &AppState,
    caller: &Caller,
    enterprise_id: &str,
    module: Option<Module>,
) -> ApiResult<Console> {
    let (enterprise, role) = enterprises::administered(state, caller, enterprise_id).await?;
    if !caller.is_elevated(now_ms()) {
        return Err(ApiError::ElevationRequired);
    }
    let c = Console { enterprise, role };
    if let Some(module) = module {
        c.require(module)?;
    }
    sessions::slide_elevation(state, caller).await?;
    Ok(c)
}

pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}
