//! The mail outbox: written in the same transaction as the change that caused
//! the mail, delivered by the outbox worker with retry and backoff.

use super::sql::{BindAll, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// What the mail is about, e.g. `activation`, `invitation`.
    pub kind: &'static str,
    pub ref_id: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct MailRow {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub kind: String,
    pub ref_id: Option<String>,
    pub attempts: i64,
}

const BULK_COLUMNS: &[&str] =
    &["id", "to_addr", "subject", "body_text", "kind", "ref_id", "created_at", "next_attempt_at"];

/// A mail ready to queue with many others in one [`insert_many`].
pub struct QueuedMail(Vec<super::bulk::Cell>);

impl QueuedMail {
    pub fn new(mail: NewMail, ref_id: &str, now: i64) -> Self {
        use super::bulk::Cell;
        Self(vec![
            Cell::from(super::new_id()),
            mail.to.into(),
            mail.subject.into(),
            mail.body.into(),
            mail.kind.into(),
            ref_id.into(),
            now.into(),
            now.into(),
        ])
    }
}

/// Queues many mails with multi-row inserts.
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    backend: super::Backend,
    mails: Vec<QueuedMail>,
) -> sqlx::Result<()> {
    super::bulk::insert(conn, backend, "outbox", BULK_COLUMNS, mails.into_iter().map(|m| m.0).collect()).await
}

pub async fn enqueue(db: impl Exec<'_>, mail: &NewMail, now: i64) -> sqlx::Result<String> {
    let id = super::new_id();
    sqlx::query(
        "INSERT INTO outbox (id, to_addr, subject, body_text, kind, ref_id, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind_all((&id, &mail.to, &mail.subject, &mail.body, mail.kind, &mail.ref_id, now))
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn mark_failed(db: impl Exec<'_>, id: &str, error: &str, next_attempt_at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, locked_until = NULL WHERE id = $1")
        .bind_all((id, error, next_attempt_at))
        .execute(db)
        .await?;
    Ok(())
}

/// Whether any mail is due: a read, so an idle worker never takes SQLite's write lock.
pub async fn any_due(db: impl Exec<'_>, now: i64) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) LIMIT 1",
    )
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Claims up to `limit` due mails for this worker until `lock_until` in one
/// statement (another replica skips them), and returns them.
pub async fn claim_due(db: impl Exec<'_>, now: i64, lock_until: i64, limit: i64) -> sqlx::Result<Vec<MailRow>> {
    sqlx::query_as(
        "UPDATE outbox SET locked_until = $2 WHERE id IN (SELECT id FROM outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
         ORDER BY next_attempt_at LIMIT $3) AND sent_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
         RETURNING id, to_addr, subject, body_text, kind, ref_id, attempts",
    )
    .bind_all((now, lock_until, limit))
    .fetch_all(db)
    .await
}

/// Marks many delivered mails at once (their bodies, holding one-time links, are dropped).
pub async fn mark_all_sent(conn: &mut sqlx::AnyConnection, ids: &[String], now: i64) -> sqlx::Result<()> {
    for chunk in ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(2, chunk.len());
        let sql = format!(
            "UPDATE outbox SET sent_at = $1, body_text = '', locked_until = NULL, attempts = attempts + 1, last_error = NULL \
             WHERE id IN ({})",
            marks
        );
        let mut q = sqlx::query(&sql).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
