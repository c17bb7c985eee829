//! The item a route such as `/enterprises/{e}/invitations/{id}` names: its
//! last path parameter (the enterprise is the console's, see `InConsole`).

use std::future::{ready, Ready};

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::error::{ApiError, DomainError};

pub struct Item(pub String);

impl FromRequest for Item {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let last = req.match_info().iter().last().map(|(_, value)| Item(value.to_string()));
        ready(last.ok_or_else(|| ApiError::from(DomainError::NotFound("resource")).into()))
    }
}
