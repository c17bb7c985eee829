//! Invitations: one row per invitation of a member; the token is stored hashed.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

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

const BULK_COLUMNS: &[&str] = &[
    "id",
    "enterprise_id",
    "member_id",
    "email",
    "token_hash",
    "invited_by",
    "status",
    "sent_at",
    "expires_at",
    "created_at",
];

/// A pending invitation staged for [`insert_many`]; an unsent one has no token yet.
pub struct NewInvitation {
    pub id: String,
    pub member_id: String,
    pub email: String,
    pub token_hash: Option<String>,
    pub invited_by: Option<String>,
    pub sent_at: Option<i64>,
    pub expires_at: i64,
}

/// Writes many pending invitations with multi-row inserts (tokens go in hashed).
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    backend: super::Backend,
    enterprise_id: &str,
    rows: Vec<NewInvitation>,
    now: i64,
) -> sqlx::Result<()> {
    use super::bulk::Cell;
    let cells = rows
        .into_iter()
        .map(|i| {
            vec![
                Cell::from(i.id),
                enterprise_id.into(),
                i.member_id.into(),
                i.email.into(),
                Cell::Text(i.token_hash),
                Cell::Text(i.invited_by),
                "pending".into(),
                Cell::Int(i.sent_at),
                i.expires_at.into(),
                now.into(),
            ]
        })
        .collect();
    super::bulk::insert(conn, backend, "invitations", BULK_COLUMNS, cells).await
}

pub async fn insert(db: impl Exec<'_>, i: &InvitationRow, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invitations (id, enterprise_id, member_id, email, token_hash, invited_by, grants_role, status, sent_at, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind_all((&i.id, &i.enterprise_id, &i.member_id, &i.email, token_hash, &i.invited_by, &i.grants_role, &i.status, i.sent_at, i.expires_at, i.created_at))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_token_hash(db: impl Exec<'_>, token_hash: &str) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(db)
        .await
}

/// Accepts a pending invitation; false when it was accepted or revoked meanwhile.
pub async fn mark_accepted(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE invitations SET status = 'accepted', accepted_at = $2 WHERE id = $1 AND status = 'pending'")
        .bind_all((id, now))
        .changes_one(db)
        .await
}

pub async fn link_member(
    db: impl Exec<'_>,
    member_id: &str,
    account_id: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET account_id = $2, state = CASE WHEN state = 'invited' THEN 'unmanaged' ELSE state END, \
         first_name = COALESCE(first_name, $3), last_name = COALESCE(last_name, $4), updated_at = $5 WHERE id = $1",
    )
    .bind_all((member_id, account_id, first_name, last_name, now))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invitations WHERE enterprise_id = $1 AND id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

/// An invitation as the admin list shows it, with its latest mail's delivery.
#[derive(Debug, Clone, FromRow)]
pub struct ListedRow {
    pub id: String,
    pub email: String,
    pub status: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub invited_by_email: Option<String>,
    pub mail_id: Option<String>,
    pub mail_sent_at: Option<i64>,
    pub mail_attempts: Option<i64>,
    pub mail_error: Option<String>,
}

const LISTED: &str = "SELECT i.id, i.email, i.status, i.created_at, i.sent_at, i.expires_at, i.accepted_at, \
    a.email AS invited_by_email, o.id AS mail_id, o.sent_at AS mail_sent_at, o.attempts AS mail_attempts, o.last_error AS mail_error \
    FROM invitations i LEFT JOIN accounts a ON a.id = i.invited_by \
    LEFT JOIN outbox o ON o.id = (SELECT MAX(x.id) FROM outbox x WHERE x.ref_id = i.id)";

/// Newest first; `status` is `pending`/`expired` (by time), `accepted` or `revoked`.
pub async fn list(
    db: impl Exec<'_>,
    enterprise_id: &str,
    status: Option<&str>,
    before_id: Option<&str>,
    now: i64,
    limit: i64,
) -> sqlx::Result<Vec<ListedRow>> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE i.enterprise_id = $1 AND ($2 IS NULL \
           OR ($2 = 'pending' AND i.status = 'pending' AND i.expires_at > $4) \
           OR ($2 = 'expired' AND i.status = 'pending' AND i.expires_at <= $4) \
           OR ($2 IN ('accepted', 'revoked') AND i.status = $2)) \
         AND ($3 IS NULL OR i.id < $3) ORDER BY i.id DESC LIMIT $5"
    ))
    .bind_all((enterprise_id, status, before_id, now, limit))
    .fetch_all(db)
    .await
}

pub async fn listed_one(db: impl Exec<'_>, id: &str) -> sqlx::Result<Option<ListedRow>> {
    sqlx::query_as(&format!("{LISTED} WHERE i.id = $1")).bind(id).fetch_optional(db).await
}

/// A new token and expiry for a pending invitation (resend); false if it is no longer pending.
pub async fn rotate_token(
    db: impl Exec<'_>,
    id: &str,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET token_hash = $2, expires_at = $3, sent_at = $4 WHERE id = $1 AND status = 'pending'",
    )
    .bind_all((id, token_hash, expires_at, now))
    .changes_one(db)
    .await
}

pub async fn revoke(db: impl Exec<'_>, id: &str) -> sqlx::Result<bool> {
    sqlx::query("UPDATE invitations SET status = 'revoked', token_hash = NULL WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .changes_one(db)
        .await
}

/// Pending invitations whose mail was never sent (staged with `send_invitations=false`).
pub async fn unsent(db: impl Exec<'_>, enterprise_id: &str, limit: i64) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE enterprise_id = $1 AND status = 'pending' AND sent_at IS NULL ORDER BY id LIMIT $2"
    ))
    .bind_all((enterprise_id, limit))
    .fetch_all(db)
    .await
}

pub async fn count_unsent(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE enterprise_id = $1 AND status = 'pending' AND sent_at IS NULL",
    )
    .bind(enterprise_id)
    .fetch_one(db)
    .await
}

/// Counts `n` invitation mails in the enterprise's current hour; returns the
/// mails of the last 24 hours, these included. The row lock of the upsert
/// orders concurrent senders, so two requests cannot both slip under the limit.
pub async fn count_sends(conn: &mut sqlx::AnyConnection, enterprise_id: &str, n: i64, now: i64) -> sqlx::Result<i64> {
    let hour = now / 3_600_000;
    sqlx::query(
        "INSERT INTO invite_sends (enterprise_id, hour, sent) VALUES ($1, $2, $3) \
         ON CONFLICT (enterprise_id, hour) DO UPDATE SET sent = invite_sends.sent + $3",
    )
    .bind_all((enterprise_id, hour, n))
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(sent), 0) AS BIGINT) FROM invite_sends WHERE enterprise_id = $1 AND hour > $2",
    )
    .bind_all((enterprise_id, hour - 24))
    .fetch_one(&mut *conn)
    .await
}
