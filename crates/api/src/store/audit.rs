//! Audit events: every admin action and job result.

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub enterprise_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub actor_email: Option<&'a str>,
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
    pub action: String,
    pub target: Option<String>,
    pub details: Option<String>,
    pub created_at: i64,
}

pub async fn record<'c, E: Executor<'c, Database = Any>>(db: E, e: &NewEvent<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (id, enterprise_id, actor_id, actor_email, action, target, details, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(super::new_id())
    .bind(e.enterprise_id)
    .bind(e.actor_id)
    .bind(e.actor_email)
    .bind(e.action)
    .bind(e.target)
    .bind(e.details.to_string())
    .bind(now)
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
pub async fn list<'c, E: Executor<'c, Database = Any>>(
    db: E,
    enterprise_id: &str,
    f: &Filter,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, enterprise_id, actor_id, actor_email, action, target, details, created_at FROM audit_events \
         WHERE enterprise_id = $1 AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR actor_email = $3) \
         AND ($4 IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
    )
    .bind(enterprise_id)
    .bind(&f.action)
    .bind(&f.actor)
    .bind(&f.before_id)
    .bind(f.limit)
    .fetch_all(db)
    .await
}
