//! Uploaded files: the raw request body (`text/plain`, `text/csv`, …) or the
//! first file of a `multipart/form-data` form, handed to services as one
//! plain byte stream with a size limit that answers 413.

use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::services::{
    error::DomainError,
    upload::{limited, ByteStream},
};

pub fn stream(req: &HttpRequest, payload: web::Payload, limit: usize) -> ByteStream {
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
