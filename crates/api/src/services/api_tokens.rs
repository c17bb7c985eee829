//! API tokens (DESIGN §9): created by an admin in person, shown once, kept as
//! a hash, found by their public prefix, and limited to their scopes.

use base64::Engine;
use muster_model::{ApiScope, ApiToken, ApiTokenList, CreateApiTokenRequest, CreatedApiToken, WebhookEvent};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    services::{
        access::{Actor, Console},
        audit,
        error::{DomainError, DomainResult, During},
        webhooks,
    },
    state::AppState,
    store::{
        accounts::{self, AccountRow},
        api_tokens::{self, TokenRow},
        audit as audit_store, new_id, now_ms, rfc3339,
    },
};

/// Every token starts so, and secret scanners can spot it.
pub const TOKEN_PREFIX: &str = "mst_";

/// True when a bearer is an API token (not a session's JWT).
pub fn is_api_token(bearer: &str) -> bool {
    bearer.starts_with(TOKEN_PREFIX)
}

/// A request's token, checked: live, with its creator's account.
pub struct TokenCaller {
    pub row: TokenRow,
    pub creator: AccountRow,
    pub scopes: Vec<ApiScope>,
}

fn invalid() -> DomainError {
    DomainError::unauthorized("token_invalid", "The API token is not valid.")
}

/// `mst_<prefix>_<secret>` → (prefix, secret).
fn split(bearer: &str) -> Option<(&str, &str)> {
    let (prefix, secret) = bearer.strip_prefix(TOKEN_PREFIX)?.split_once('_')?;
    (prefix.len() == 12 && prefix.bytes().all(|b| b.is_ascii_hexdigit()) && !secret.is_empty())
        .then_some((prefix, secret))
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The token a request carries, or why it does not work (401). The secret
/// has 256 random bits, so one SHA-256 is as strong as a slow hash here.
pub async fn authenticate(state: &AppState, bearer: &str) -> DomainResult<TokenCaller> {
    let (prefix, secret) = split(bearer).ok_or_else(invalid)?;
    let row = api_tokens::by_prefix(&state.db.pool, prefix).await.during(|| "reading an API token".to_string())?;
    let row = row.ok_or_else(invalid)?;
    if !bool::from(hash(secret).as_bytes().ct_eq(row.secret_hash.as_bytes())) {
        return Err(invalid());
    }
    let now = now_ms();
    if row.revoked_at.is_some() {
        return Err(DomainError::unauthorized("token_revoked", "This API token was revoked."));
    }
    if row.expires_at.is_some_and(|at| now >= at) {
        return Err(DomainError::unauthorized("token_expired", "This API token has expired; create a new one."));
    }
    if let Err(wait) = state.limits.token_request(&row.id) {
        return Err(DomainError::TooManyRequests { retry_after_secs: wait.as_secs() + 1 });
    }
    let creator = accounts::by_id(&state.db.pool, &row.created_by).await?.ok_or_else(invalid)?;
    api_tokens::touch(&state.db.pool, &row.id, now).await?;
    let scopes = scopes_of(&row.scopes);
    Ok(TokenCaller { row, creator, scopes })
}

fn scopes_of(stored: &str) -> Vec<ApiScope> {
    stored.split_whitespace().filter_map(ApiScope::parse).collect()
}

fn view(row: TokenRow, creator_email: String) -> ApiToken {
    ApiToken {
        scopes: scopes_of(&row.scopes),
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_by: creator_email,
        created_at: rfc3339(row.created_at),
        expires_at: row.expires_at.map(rfc3339),
        last_used_at: row.last_used_at.map(rfc3339),
    }
}

/// Tokens are made and revoked by an admin in person, never by a token.
fn in_person(actor: &Actor) -> DomainResult<()> {
    match actor.token {
        Some(_) => Err(DomainError::denied("token_not_allowed", "API tokens cannot manage API tokens.")),
        None => Ok(()),
    }
}

pub async fn create(state: &AppState, c: &Console, req: CreateApiTokenRequest) -> DomainResult<CreatedApiToken> {
    in_person(&c.actor)?;
    if let Some((code, detail)) = req.problem() {
        return Err(DomainError::field(code, detail));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut public = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut public);
    let prefix = hex::encode(public);
    let mut scopes = req.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let now = now_ms();
    let row = TokenRow {
        id: new_id(),
        enterprise_id: c.enterprise.id.clone(),
        name: req.name.trim().to_string(),
        prefix: prefix.clone(),
        secret_hash: hash(&secret),
        scopes: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
        created_by: c.actor.id.clone(),
        created_at: now,
        expires_at: req.expires_in_days.map(|d| now + i64::from(d) * 86_400_000),
        last_used_at: None,
        revoked_at: None,
    };
    let details = json!({"id": row.id, "scopes": scopes, "expires_at": row.expires_at.map(rfc3339)});
    let mut tx = state.db.pool.begin().await?;
    api_tokens::insert(&mut *tx, &row).await.during(|| format!("creating an API token of {}", c.enterprise.domain))?;
    let event = audit::by(Some(&c.actor), &c.enterprise.id, "api_token.created", Some(&row.name), details);
    audit_store::record(&mut *tx, &event, now).await?;
    let data = json!({"id": row.id, "name": row.name, "scopes": scopes, "created_by": c.actor.email});
    webhooks::queue(&mut tx, &c.enterprise.id, WebhookEvent::ApiTokenCreated, data, now).await?;
    tx.commit().await?;
    state.wake_webhooks();
    let token = format!("{TOKEN_PREFIX}{prefix}_{secret}");
    Ok(CreatedApiToken { api_token: view(row, c.actor.email.clone()), token })
}

pub async fn list(state: &AppState, c: &Console) -> DomainResult<ApiTokenList> {
    in_person(&c.actor)?;
    let rows = api_tokens::live_of(&state.db.pool, &c.enterprise.id)
        .await
        .during(|| format!("reading the API tokens of {}", c.enterprise.domain))?;
    Ok(ApiTokenList { items: rows.into_iter().map(|r| view(r.token, r.creator_email)).collect() })
}

/// Revokes at once: the next request with it is a 401.
pub async fn revoke(state: &AppState, c: &Console, id: &str) -> DomainResult<()> {
    in_person(&c.actor)?;
    let row =
        api_tokens::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("API token"))?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !api_tokens::revoke(&mut *tx, &c.enterprise.id, id, now).await? {
        return Err(DomainError::NotFound("API token"));
    }
    let event = audit::by(Some(&c.actor), &c.enterprise.id, "api_token.revoked", Some(&row.name), json!({"id": id}));
    audit_store::record(&mut *tx, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_shape_is_split_into_prefix_and_secret() {
        assert_eq!(split("mst_0123456789ab_s3cr3t"), Some(("0123456789ab", "s3cr3t")));
        assert_eq!(split("mst_0123456789ab_"), None);
        assert_eq!(split("mst_short_s3cr3t"), None);
        assert_eq!(split("mst_0123456789zz_s3cr3t"), None);
        assert_eq!(split("eyJhbGciOi.JIUzI1NiJ9"), None);
        assert!(is_api_token("mst_x") && !is_api_token("eyJ"));
    }
}
