//! The extractors of who is calling: `Authed` and `MaybeAuthed` (the request's
//! bearer token, read by `auth`, checked against its session row by
//! `services::sessions`) and `InConsole` (that session, or an API token within
//! the scopes its route names, admitted to one enterprise's console module by
//! `services::access`).

use std::{future::Future, marker::PhantomData, pin::Pin};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use muster_model::Module;

use crate::{
    auth,
    error::{ApiError, ApiResult, DomainError},
    services::{
        access::{self, Console},
        api_tokens, sessions,
        sessions::Caller,
    },
    state::Shared,
};

pub struct Authed(pub Caller);

/// The caller's session, checked against its row: `Err` for a missing or dead token.
fn caller_of(req: &HttpRequest) -> Pin<Box<dyn Future<Output = ApiResult<Caller>>>> {
    let state = req.app_data::<web::Data<Shared>>().cloned();
    let bearer = auth::bearer(req);
    Box::pin(async move {
        let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
        Ok(sessions::authenticate(&state, bearer.as_deref()).await?)
    })
}

impl FromRequest for Authed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller_of(req);
        Box::pin(async move { caller.await.map(Authed) })
    }
}

/// A live session when the request carries one; a missing or dead token is
/// simply "not signed in" (for public routes that accept proof either way).
pub struct MaybeAuthed(pub Option<Caller>);

impl FromRequest for MaybeAuthed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = caller_of(req);
        Box::pin(async move {
            match caller.await {
                Ok(caller) => Ok(MaybeAuthed(Some(caller))),
                Err(ApiError::Domain(DomainError::Internal(e))) => Err(DomainError::Internal(e).into()),
                Err(_) => Ok(MaybeAuthed(None)),
            }
        })
    }
}

/// Which console module a route belongs to, as a type: `InConsole<gate::Users>`.
pub trait Gate {
    const MODULE: Option<Module>;
}

/// The gates of the console's modules; `Open` is any admin of the enterprise
/// (its settings and domain, which every state of the console reaches).
pub mod gate {
    use muster_model::Module;

    macro_rules! gates {
        ($($name:ident => $module:expr),+ $(,)?) => {
            $(
                pub struct $name;
                impl super::Gate for $name {
                    const MODULE: Option<Module> = $module;
                }
            )+
        };
    }

    gates!(
        Open => None,
        Dashboard => Some(Module::Dashboard),
        Analytics => Some(Module::Analytics),
        AuditLog => Some(Module::AuditLog),
        Billing => Some(Module::Billing),
        Invite => Some(Module::Invite),
        BulkInvite => Some(Module::BulkInvite),
        Import => Some(Module::Import),
        Users => Some(Module::Users),
        DirectorySync => Some(Module::DirectorySync),
        Integrations => Some(Module::Integrations),
    );
}

/// The console of the enterprise named by the path's `{e}`, for an elevated
/// admin of it (or an API token of it with a scope the route names), with the
/// module of `M` open: how every enterprise route starts (a refusal answers
/// before the body is even read). Who acts is `Console::actor`.
pub struct InConsole<M: Gate>(pub Console, pub PhantomData<M>);

impl<M: Gate + 'static> FromRequest for InConsole<M> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<Shared>>().cloned();
        let enterprise_id = req.match_info().get("e").map(str::to_string);
        let token = auth::bearer(req).filter(|b| api_tokens::is_api_token(b));
        if let Some(token) = token {
            let access =
                crate::openapi::scopes::token_access(req.method().as_str(), &req.match_pattern().unwrap_or_default());
            return Box::pin(async move {
                let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
                let enterprise_id = enterprise_id.ok_or(DomainError::NotFound("enterprise"))?;
                let token = api_tokens::authenticate(&state, &token).await?;
                let console = access::for_token(&state, token, &enterprise_id, M::MODULE, &access).await?;
                Ok(InConsole(console, PhantomData))
            });
        }
        let caller = caller_of(req);
        Box::pin(async move {
            let caller = caller.await?;
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            let enterprise_id = enterprise_id.ok_or(DomainError::NotFound("enterprise"))?;
            let console = access::console(&state, &caller, &enterprise_id, M::MODULE).await?;
            Ok(InConsole(console, PhantomData))
        })
    }
}
