//! Invitations: one row per invitation of a member; the token is stored hashed.

use sqlx::{Any, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub enterprise_id: String,
    pub member_id: String,
    pub email: String,
    pub invited_by: Option<String>,
    pub grants_role: Option<String>,
    pub status: String,
    pub sent_at: Option<i64>,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, enterprise_id, member_id, email, invited_by, grants_role, status, sent_at, expires_at, accepted_at, created_at";

pub async fn insert<'c, E: Executor<'c, Database = Any>>(
    db: E,
    i: &InvitationRow,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invitations (id, enterprise_id, member_id, email, token_hash, invited_by, grants_role, status, sent_at, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&i.id)
    .bind(&i.enterprise_id)
    .bind(&i.member_id)
    .bind(&i.email)
    .bind(token_hash)
    .bind(&i.invited_by)
    .bind(&i.grants_role)
    .bind(&i.status)
    .bind(i.sent_at)
    .bind(i.expires_at)
    .bind(i.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_token_hash<'c, E: Executor<'c, Database = Any>>(
    db: E,
    token_hash: &str,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// Accepts a pending invitation; false when it was accepted or revoked meanwhile.
pub async fn mark_accepted<'c, E: Executor<'c, Database = Any>>(
    db: E,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invitations SET status = 'accepted', accepted_at = $2 WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn link_member<'c, E: Executor<'c, Database = Any>>(
    db: E,
    member_id: &str,
    account_id: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE members SET account_id = $2, state = CASE WHEN state = 'invited' THEN 'unmanaged' ELSE state END, \
         first_name = COALESCE(first_name, $3), last_name = COALESCE(last_name, $4), updated_at = $5 WHERE id = $1",
    )
    .bind(member_id)
    .bind(account_id)
    .bind(first_name)
    .bind(last_name)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
