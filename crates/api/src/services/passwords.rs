//! Password hashing off the request threads: argon2id runs in
//! `spawn_blocking`, at most a few at once, so a flood of sign-ups or log-ins
//! waits its turn instead of exhausting threads and memory (DESIGN §10).

use crate::{services::crypto, services::error::DomainResult, state::AppState};

pub async fn hash(state: &AppState, password: &str) -> DomainResult<String> {
    let _permit = state.hashing.acquire().await.map_err(anyhow::Error::new)?;
    let password = password.to_string();
    let hash =
        tokio::task::spawn_blocking(move || crypto::hash_password(&password)).await.map_err(anyhow::Error::new)??;
    Ok(hash)
}

/// Checks `password` against `stored`; with no stored hash it spends the same
/// time on a dummy, so the answer's timing does not tell whether an account exists.
pub async fn verify(state: &AppState, password: &str, stored: Option<&str>) -> DomainResult<bool> {
    let _permit = state.hashing.acquire().await.map_err(anyhow::Error::new)?;
    let password = password.to_string();
    let stored = stored.map(str::to_string);
    let ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => crypto::verify_password(&password, &hash),
        None => {
            crypto::verify_against_dummy(&password);
            false
        }
    })
    .await
    .map_err(anyhow::Error::new)?;
    Ok(ok)
}
