//! Webhook endpoints and their delivery queue (`webhook_outbox`): one row per
//! event and endpoint, claimed by a worker with a lock like the mail outbox.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub enterprise_id: String,
    pub url: String,
    pub events: String,
    pub description: Option<String>,
    pub secret_sealed: Vec<u8>,
    pub enabled: i64,
    pub disabled_reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const HOOK_COLUMNS: &str = "id, enterprise_id, url, events, description, secret_sealed, enabled, disabled_reason, \
                            created_by, created_at, updated_at";

pub async fn insert(db: impl Exec<'_>, w: &WebhookRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, enterprise_id, url, events, description, secret_sealed, enabled, created_by, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)",
    )
    .bind_all((
        &w.id,
        &w.enterprise_id,
        &w.url,
        &w.events,
        &w.description,
        &w.secret_sealed,
        &w.created_by,
        w.created_at,
    ))
    .execute(db)
    .await?;
    Ok(())
}

/// The enterprise's endpoints (not deleted), oldest first.
pub async fn of_enterprise(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks WHERE enterprise_id = $1 AND deleted_at IS NULL ORDER BY created_at, id"
    ))
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

pub async fn by_id(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<WebhookRow>> {
    sqlx::query_as(&format!(
        "SELECT {HOOK_COLUMNS} FROM webhooks WHERE enterprise_id = $1 AND id = $2 AND deleted_at IS NULL"
    ))
    .bind_all((enterprise_id, id))
    .fetch_optional(db)
    .await
}

pub async fn update(db: impl Exec<'_>, w: &WebhookRow, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE webhooks SET url = $3, events = $4, description = $5, enabled = $6, disabled_reason = $7, updated_at = $8 \
         WHERE enterprise_id = $1 AND id = $2 AND deleted_at IS NULL",
    )
    .bind_all((&w.enterprise_id, &w.id, &w.url, &w.events, &w.description, w.enabled, &w.disabled_reason, now))
    .changes_one(db)
    .await
}

/// Deletes the endpoint (kept for its delivery log) and drops what it still had to deliver.
pub async fn delete(conn: &mut sqlx::AnyConnection, enterprise_id: &str, id: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE webhooks SET deleted_at = $3, enabled = 0 WHERE enterprise_id = $1 AND id = $2 AND deleted_at IS NULL",
    )
    .bind_all((enterprise_id, id, now))
    .changes_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE webhook_outbox SET state = 'failed', last_error = 'the endpoint was deleted', next_attempt_at = NULL \
                 WHERE webhook_id = $1 AND state = 'pending'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done)
}

/// The enabled endpoints of the enterprise that take `event_type`.
pub async fn subscribed(db: impl Exec<'_>, enterprise_id: &str, event_type: &str) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, events FROM webhooks WHERE enterprise_id = $1 AND enabled = 1 AND deleted_at IS NULL",
    )
    .bind(enterprise_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, events)| events.split_whitespace().any(|e| e == event_type))
        .map(|(id, _)| id)
        .collect())
}

#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub id: String,
    pub webhook_id: &'a str,
    pub enterprise_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
}

pub async fn queue(db: impl Exec<'_>, d: &NewDelivery<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_outbox (id, webhook_id, enterprise_id, event_id, event_type, payload, state, created_at, \
         next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)",
    )
    .bind_all((&d.id, d.webhook_id, d.enterprise_id, d.event_id, d.event_type, d.payload, now))
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub enterprise_id: String,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub last_response: Option<String>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, enterprise_id, event_id, event_type, payload, state, attempts, created_at, \
                                next_attempt_at, delivered_at, last_status, last_error, last_duration_ms, last_response";

/// Claims up to `limit` due deliveries until `lock_until` (another replica skips them).
pub async fn claim_due(db: impl Exec<'_>, now: i64, lock_until: i64, limit: i64) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "UPDATE webhook_outbox SET locked_until = $2 WHERE id IN (SELECT id FROM webhook_outbox \
         WHERE state = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until < $1) \
         ORDER BY next_attempt_at, id LIMIT $3) AND state = 'pending' AND (locked_until IS NULL OR locked_until < $1) \
         RETURNING {DELIVERY_COLUMNS}"
    ))
    .bind_all((now, lock_until, limit))
    .fetch_all(db)
    .await
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub state: &'static str,
    pub next_attempt_at: Option<i64>,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub response: Option<String>,
}

pub async fn record_attempt(db: impl Exec<'_>, id: &str, a: &Attempt, now: i64) -> sqlx::Result<()> {
    let delivered_at = (a.state == "delivered").then_some(now);
    sqlx::query(
        "UPDATE webhook_outbox SET state = $2, attempts = attempts + 1, next_attempt_at = $3, locked_until = NULL, \
         delivered_at = $4, last_status = $5, last_error = $6, last_duration_ms = $7, last_response = $8 WHERE id = $1",
    )
    .bind_all((id, a.state, a.next_attempt_at, delivered_at, a.status, &a.error, a.duration_ms, &a.response))
    .execute(db)
    .await?;
    Ok(())
}

/// Since when the endpoint has failed without a success in between (None: it
/// has not); failures before its last change (a re-enable) do not count.
pub async fn failing_since(db: impl Exec<'_>, webhook_id: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MIN(created_at) FROM webhook_outbox WHERE webhook_id = $1 AND attempts > 0 AND state <> 'delivered' \
         AND created_at > COALESCE((SELECT MAX(delivered_at) FROM webhook_outbox WHERE webhook_id = $1), 0) \
         AND created_at > (SELECT updated_at FROM webhooks WHERE id = $1)",
    )
    .bind(webhook_id)
    .fetch_one(db)
    .await
}

/// Turns an endpoint off (failing for too long); false when it already was.
pub async fn disable(db: impl Exec<'_>, id: &str, reason: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE webhooks SET enabled = 0, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled = 1")
        .bind_all((id, reason, now))
        .changes_one(db)
        .await
}

/// A page of the endpoint's deliveries, newest first (ids are time-ordered).
pub async fn deliveries(
    db: impl Exec<'_>,
    webhook_id: &str,
    before_id: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_outbox WHERE webhook_id = $1 AND ($2 IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind_all((webhook_id, before_id, limit))
    .fetch_all(db)
    .await
}

pub async fn delivery(db: impl Exec<'_>, webhook_id: &str, id: &str) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(&format!("SELECT {DELIVERY_COLUMNS} FROM webhook_outbox WHERE webhook_id = $1 AND id = $2"))
        .bind_all((webhook_id, id))
        .fetch_optional(db)
        .await
}

/// Queues a delivery of this endpoint again now (the console's Retry), keeping its event id.
pub async fn retry(db: impl Exec<'_>, enterprise_id: &str, webhook_id: &str, id: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE webhook_outbox SET state = 'pending', next_attempt_at = $2, locked_until = NULL, created_at = $2 \
         WHERE id = $1 AND state <> 'pending' AND webhook_id = $3 AND enterprise_id = $4",
    )
    .bind_all((id, now, webhook_id, enterprise_id))
    .changes_one(db)
    .await
}
