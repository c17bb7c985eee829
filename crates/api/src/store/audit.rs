//! Audit events: every admin action and job result.

use super::sql::{BindAll, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub enterprise_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub actor_token_id: Option<&'a str>,
    pub actor_token_name: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: String,
    pub enterprise_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub actor_token_id: Option<String>,
    pub actor_token_name: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub details: Option<String>,
    pub created_at: i64,
}

pub async fn record(db: impl Exec<'_>, e: &NewEvent<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (id, enterprise_id, actor_id, actor_email, action, target, details, created_at, \
         actor_token_id, actor_token_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind_all((
        super::new_id(),
        e.enterprise_id,
        e.actor_id,
        e.actor_email,
        e.action,
        e.target,
        e.details.to_string(),
        now,
        e.actor_token_id,
        e.actor_token_name,
    ))
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Ids are time-ordered (UUIDv7): page backwards from this one.
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first.
pub async fn list(db: impl Exec<'_>, enterprise_id: &str, f: &Filter) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT id, enterprise_id, actor_id, actor_email, actor_token_id, actor_token_name, action, target, details, \
         created_at FROM audit_events \
         WHERE enterprise_id = $1 AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR actor_email = $3) \
         AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
    )
    .bind_all((enterprise_id, &f.action, &f.actor, &f.before_id, f.limit))
    .fetch_all(db)
    .await
}
