//! An uploaded file as services see it: a plain stream of byte chunks, each
//! possibly an error (the body broke off, or passed its size limit). Which
//! wire format carried it is the route's business.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::services::error::{DomainError, DomainResult};

pub type ByteStream = Pin<Box<dyn Stream<Item = DomainResult<Bytes>>>>;

/// Caps a stream at `limit` bytes: the chunk that passes it is `TooLarge`.
pub fn limited(bytes: ByteStream, limit: usize) -> ByteStream {
    let mut seen = 0usize;
    Box::pin(bytes.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > limit {
            return Err(DomainError::TooLarge { limit });
        }
        Ok(chunk)
    }))
}

/// The whole upload, for inputs small enough to hold (bulk invite lists).
pub async fn read_all(mut upload: ByteStream) -> DomainResult<Vec<u8>> {
    let mut all = Vec::new();
    while let Some(chunk) = upload.next().await {
        all.extend_from_slice(&chunk?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stream_past_its_limit_is_too_large() {
        let chunks: Vec<DomainResult<Bytes>> = vec![Ok(Bytes::from_static(b"abcd")), Ok(Bytes::from_static(b"efgh"))];
        let within = read_all(limited(Box::pin(futures_util::stream::iter(chunks)), 8)).await.unwrap();
        assert_eq!(within, b"abcdefgh");
        let chunks: Vec<DomainResult<Bytes>> = vec![Ok(Bytes::from_static(b"abcd")), Ok(Bytes::from_static(b"efgh"))];
        let over = read_all(limited(Box::pin(futures_util::stream::iter(chunks)), 7)).await;
        assert!(matches!(over, Err(DomainError::TooLarge { limit: 7 })));
    }
}
