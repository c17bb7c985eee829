//! Server-side sessions: the JWT only carries the id; this row decides.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

use super::accounts::AccountRow;

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub account_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub elevated_until: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn insert(db: impl Exec<'_>, s: &SessionRow, ip: Option<&str>, user_agent: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, account_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind_all((&s.id, &s.account_id, s.created_at, s.expires_at, ip, user_agent))
    .execute(db)
    .await?;
    Ok(())
}

/// The session and its account in one read (every authenticated request asks).
pub async fn with_account(db: impl Exec<'_>, id: &str) -> sqlx::Result<Option<(SessionRow, AccountRow)>> {
    #[derive(FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        account: AccountRow,
        session_id: String,
        session_created_at: i64,
        last_seen_at: i64,
        expires_at: i64,
        elevated_until: Option<i64>,
        revoked_at: Option<i64>,
    }
    let row: Option<Joined> = sqlx::query_as(
        "SELECT s.id AS session_id, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, \
         s.elevated_until, s.revoked_at, a.id, a.email, a.password_hash, a.first_name, a.last_name, a.status, \
         a.email_verified, a.created_at, a.phone, a.mfa_enabled FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|j| {
        let session = SessionRow {
            id: j.session_id,
            account_id: j.account.id.clone(),
            created_at: j.session_created_at,
            last_seen_at: j.last_seen_at,
            expires_at: j.expires_at,
            elevated_until: j.elevated_until,
            revoked_at: j.revoked_at,
        };
        (session, j.account)
    }))
}

/// Slides the idle window; console use also slides the elevation window.
pub async fn touch(db: impl Exec<'_>, id: &str, now: i64, elevated_until: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2, elevated_until = COALESCE($3, elevated_until) WHERE id = $1 AND revoked_at IS NULL")
        .bind_all((id, now, elevated_until))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn revoke(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind_all((id, now))
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every live session of the account but `except` (None: all of them).
pub async fn revoke_all(db: impl Exec<'_>, account_id: &str, except: Option<&str>, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $3 WHERE account_id = $1 AND revoked_at IS NULL AND id <> COALESCE($2, '')",
    )
    .bind_all((account_id, except, now))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes one session of this account; false when it is not theirs or already over.
pub async fn revoke_own(db: impl Exec<'_>, account_id: &str, id: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL")
        .bind_all((id, account_id, now))
        .changes_one(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct LiveSession {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The account's sessions that still work: not revoked, not past their
/// lifetime, seen within the idle timeout. Newest activity first.
pub async fn live_of(db: impl Exec<'_>, account_id: &str, now: i64, idle_ms: i64) -> sqlx::Result<Vec<LiveSession>> {
    sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions \
         WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3 \
         ORDER BY last_seen_at DESC, id DESC LIMIT 200",
    )
    .bind_all((account_id, now, now - idle_ms))
    .fetch_all(db)
    .await
}

/// The account's sessions lose console elevation (an admin suspended or demoted).
pub async fn drop_elevation(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET elevated_until = NULL WHERE account_id = $1 AND elevated_until IS NOT NULL")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}
