//! The SMS outbox: written in the transaction that made the code, delivered by
//! the SMS worker with retry until the message is worthless (its code expired).
//! The counts behind the abuse caps are read here, so every replica agrees.

use super::sql::{BindAll, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewSms<'a> {
    pub account_id: &'a str,
    pub to: &'a str,
    pub body: String,
    pub kind: &'static str,
    pub client_address: &'a str,
    pub expires_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct SmsRow {
    pub id: String,
    pub to_phone: String,
    pub body_text: String,
    pub kind: String,
    pub attempts: i64,
    pub expires_at: i64,
}

pub async fn enqueue(db: impl Exec<'_>, sms: &NewSms<'_>, now: i64) -> sqlx::Result<String> {
    let id = super::new_id();
    sqlx::query(
        "INSERT INTO sms_outbox (id, account_id, to_phone, body_text, kind, client_address, created_at, expires_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)",
    )
    .bind_all((&id, sms.account_id, sms.to, &sms.body, sms.kind, sms.client_address, now, sms.expires_at))
    .execute(db)
    .await?;
    Ok(id)
}

/// What the caps look at: messages since `since` for this account, this
/// client address and in all, and the account's latest.
#[derive(Debug, Clone, FromRow)]
pub struct SmsCounts {
    pub account: i64,
    pub address: i64,
    pub number: i64,
    pub total: i64,
    pub account_latest: Option<i64>,
}

pub async fn counts(
    db: impl Exec<'_>,
    account_id: &str,
    address: &str,
    number: &str,
    since: i64,
) -> sqlx::Result<SmsCounts> {
    sqlx::query_as(
        "SELECT \
         (SELECT COUNT(*) FROM sms_outbox WHERE account_id = $1 AND created_at > $4) AS account, \
         (SELECT COUNT(*) FROM sms_outbox WHERE client_address = $2 AND created_at > $4) AS address, \
         (SELECT COUNT(*) FROM sms_outbox WHERE to_phone = $3 AND created_at > $4) AS number, \
         (SELECT COUNT(*) FROM sms_outbox WHERE created_at > $4) AS total, \
         (SELECT MAX(created_at) FROM sms_outbox WHERE account_id = $1) AS account_latest",
    )
    .bind_all((account_id, address, number, since))
    .fetch_one(db)
    .await
}

/// Makes the caps' read-and-queue one step across requests and replicas: on
/// PostgreSQL a transaction-scoped advisory lock; SQLite has one writer, and
/// the caller's transaction has written already.
pub async fn serialize_sends(conn: &mut sqlx::AnyConnection, backend: super::Backend) -> sqlx::Result<()> {
    if backend == super::Backend::Postgres {
        sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(7426001)) AS held").execute(conn).await?;
    }
    Ok(())
}

/// Claims up to `limit` due messages until `lock_until` (another replica skips them).
pub async fn claim_due(db: impl Exec<'_>, now: i64, lock_until: i64, limit: i64) -> sqlx::Result<Vec<SmsRow>> {
    sqlx::query_as(
        "UPDATE sms_outbox SET locked_until = $2 WHERE id IN (SELECT id FROM sms_outbox \
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
         ORDER BY next_attempt_at LIMIT $3) AND sent_at IS NULL AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
         RETURNING id, to_phone, body_text, kind, attempts, expires_at",
    )
    .bind_all((now, lock_until, limit))
    .fetch_all(db)
    .await
}

/// Delivered: the body (it holds a code) is dropped.
pub async fn mark_sent(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sms_outbox SET sent_at = $2, body_text = '', locked_until = NULL, attempts = attempts + 1, last_error = NULL WHERE id = $1",
    )
    .bind_all((id, now))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_failed(db: impl Exec<'_>, id: &str, error: &str, next_attempt_at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sms_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, locked_until = NULL WHERE id = $1",
    )
    .bind_all((id, error, next_attempt_at))
    .execute(db)
    .await?;
    Ok(())
}

/// Given up: its code expired before any attempt got through.
pub async fn mark_expired(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sms_outbox SET failed_at = $2, body_text = '', locked_until = NULL WHERE id = $1")
        .bind_all((id, now))
        .execute(db)
        .await?;
    Ok(())
}
