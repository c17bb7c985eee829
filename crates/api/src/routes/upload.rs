//! Uploaded files: the raw request body (`text/plain`, `text/csv`, …) or the
//! first file of a `multipart/form-data` form, as one stream of bytes with a
//! size limit that answers 413.

use std::pin::Pin;

use actix_web::{web, HttpRequest};
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::error::{ApiError, ApiResult};

pub type Upload = Pin<Box<dyn Stream<Item = ApiResult<web::Bytes>>>>;

pub fn stream(req: &HttpRequest, payload: web::Payload, limit: usize) -> Upload {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/form-data"));
    let bytes: Upload = if multipart {
        let form = actix_multipart::Multipart::new(req.headers(), payload);
        Box::pin(
            async_stream_first_file(form)
                .map_err(|e| ApiError::Validation(format!("the multipart form could not be read: {e}"))),
        )
    } else {
        Box::pin(payload.map_err(|e| ApiError::Validation(format!("the upload could not be read: {e}"))))
    };
    let mut seen = 0usize;
    Box::pin(bytes.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        Ok(chunk)
    }))
}

/// The bytes of the form's first field (the file); other fields are ignored.
fn async_stream_first_file(
    form: actix_multipart::Multipart,
) -> impl Stream<Item = Result<web::Bytes, actix_multipart::MultipartError>> {
    form.take(1).map_ok(|field| field).try_flatten()
}

/// The whole upload, for inputs small enough to hold (bulk invite lists).
pub async fn read_all(mut upload: Upload) -> ApiResult<Vec<u8>> {
    let mut all = Vec::new();
    while let Some(chunk) = upload.next().await {
        all.extend_from_slice(&chunk?);
    }
    Ok(all)
}
