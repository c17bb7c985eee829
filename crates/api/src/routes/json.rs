//! JSON request bodies: an object of the documented shape, nothing else.
//! serde would also build a struct from an array (`[]` for a struct whose
//! fields all have defaults), which no client means; that is a 400 here.

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `web::Json` (same content-type rule), but only an object. The size
/// limit is the app's unless `LIMIT` (bytes) names the route's own.
pub struct Json<T, const LIMIT: usize = 0>(pub T);

impl<T, const LIMIT: usize> Json<T, LIMIT> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T, const LIMIT: usize> std::ops::Deref for Json<T, LIMIT> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for Json<T, LIMIT> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value: Pin<Box<dyn Future<Output = Result<serde_json::Value, actix_web::Error>>>> = if LIMIT == 0 {
            let json = web::Json::<serde_json::Value>::from_request(req, payload);
            Box::pin(async move { Ok(json.await?.into_inner()) })
        } else {
            let body = web::JsonBody::<serde_json::Value>::new(req, payload, None, true).limit(LIMIT);
            Box::pin(async move { body.await.map_err(|e| super::json_error(e, LIMIT).into()) })
        };
        Box::pin(async move {
            let value = value.await?;
            if !value.is_object() {
                return Err(not_an_object().into());
            }
            serde_json::from_value(value).map(Json).map_err(|e| ApiError::MalformedJson(e.to_string()).into())
        })
    }
}

/// A body that may be left out: empty or `null` is `None`, anything else an object.
pub fn maybe<T: DeserializeOwned>(body: &[u8]) -> Result<Option<T>, ApiError> {
    let body = body.trim_ascii();
    if body.is_empty() || body == b"null" {
        return Ok(None);
    }
    object(body).map(Some)
}

/// Parses a body that must be a JSON object.
pub fn object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.trim_ascii().first() != Some(&b'{') {
        return Err(not_an_object());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

fn not_an_object() -> ApiError {
    ApiError::MalformedJson("send a JSON object".into())
}
