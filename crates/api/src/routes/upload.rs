//! Uploaded files: the raw request body (`text/plain`, `text/csv`, …) or the
//! first file of a `multipart/form-data` form, handed to services as one
//! plain byte stream with a size limit that answers 413.

use std::future::{ready, Ready};

use actix_web::{dev, web, FromRequest, HttpRequest};
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::services::{
    error::DomainError,
    upload::{limited, ByteStream},
};

/// The request's file, not yet read: `limited` hands it on as a stream.
pub struct Upload {
    req: HttpRequest,
    payload: dev::Payload,
}

impl Upload {
    pub fn limited(self, limit: usize) -> ByteStream {
        stream(&self.req, self.payload, limit)
    }
}

impl FromRequest for Upload {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        ready(Ok(Upload { req: req.clone(), payload: payload.take() }))
    }
}

fn stream(req: &HttpRequest, payload: dev::Payload, limit: usize) -> ByteStream {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    let bytes: ByteStream = if multipart {
        let form = actix_multipart::Multipart::new(req.headers(), payload);
        Box::pin(
            first_file(form).map_err(|e| DomainError::Validation(format!("the multipart form could not be read: {e}"))),
        )
    } else {
        Box::pin(payload.map_err(|e| DomainError::Validation(format!("the upload could not be read: {e}"))))
    };
    limited(bytes, limit)
}

/// The bytes of the form's first field (the file); other fields are ignored.
fn first_file(
    form: actix_multipart::Multipart,
) -> impl Stream<Item = Result<web::Bytes, actix_multipart::MultipartError>> {
    form.take(1).map_ok(|field| field).try_flatten()
}
