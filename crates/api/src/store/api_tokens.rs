//! API tokens: the row a `mst_<prefix>_<secret>` bearer finds by its prefix.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub enterprise_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub scopes: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A listed token with its creator's email.
#[derive(Debug, Clone, FromRow)]
pub struct ListedToken {
    #[sqlx(flatten)]
    pub token: TokenRow,
    pub creator_email: String,
}

const COLUMNS: &str = "t.id, t.enterprise_id, t.name, t.prefix, t.secret_hash, t.scopes, t.created_by, t.created_at, \
                       t.expires_at, t.last_used_at, t.revoked_at";

pub async fn insert(db: impl Exec<'_>, t: &TokenRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, enterprise_id, name, prefix, secret_hash, scopes, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind_all((
        &t.id,
        &t.enterprise_id,
        &t.name,
        &t.prefix,
        &t.secret_hash,
        &t.scopes,
        &t.created_by,
        t.created_at,
        t.expires_at,
    ))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_prefix(db: impl Exec<'_>, prefix: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.prefix = $1"))
        .bind(prefix)
        .fetch_optional(db)
        .await
}

/// The enterprise's tokens that are not revoked, newest first.
pub async fn live_of(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<ListedToken>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS}, a.email AS creator_email FROM api_tokens t JOIN accounts a ON a.id = t.created_by \
         WHERE t.enterprise_id = $1 AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id DESC"
    ))
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

pub async fn by_id(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.enterprise_id = $1 AND t.id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

/// Revokes a live token; false when it was already revoked (or is not this enterprise's).
pub async fn revoke(db: impl Exec<'_>, enterprise_id: &str, id: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE enterprise_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind_all((enterprise_id, id, now))
        .changes_one(db)
        .await
}

/// Records use, at most once a minute per token (every request would otherwise write).
pub async fn touch(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND COALESCE(last_used_at, 0) < $3")
        .bind_all((id, now, now - 60_000))
        .execute(db)
        .await?;
    Ok(())
}
