//! The `Authed` and `MaybeAuthed` extractors: the request's bearer token
//! (read by `auth`) checked against its session row (by `services::sessions`).

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::{
    auth,
    error::{ApiError, ApiResult, DomainError},
    services::{sessions, sessions::Caller},
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
