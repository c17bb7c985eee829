//! Join requests: a person of a domain that already has a PMA asked to
//! administer it; the PMA hears about each requester at most once a day.

use super::sql::{BindAll, Exec};

/// Records a join request; returns true when the PMA should be told now
/// (first request, or the last notice is older than `quiet_ms`).
pub async fn note_join_request(
    db: impl Exec<'_>,
    enterprise_id: &str,
    account_id: &str,
    now: i64,
    quiet_ms: i64,
) -> sqlx::Result<bool> {
    let notified_before: Option<Option<i64>> = sqlx::query_scalar(
        "INSERT INTO join_requests (enterprise_id, account_id, request_count, last_requested_at, last_notified_at) \
         VALUES ($1, $2, 1, $3, NULL) \
         ON CONFLICT (enterprise_id, account_id) DO UPDATE SET request_count = join_requests.request_count + 1, \
         last_requested_at = excluded.last_requested_at \
         RETURNING last_notified_at",
    )
    .bind_all((enterprise_id, account_id, now))
    .fetch_optional(db)
    .await?;
    Ok(match notified_before.flatten() {
        None => true,
        Some(last) => now - last >= quiet_ms,
    })
}

pub async fn mark_join_notified(
    db: impl Exec<'_>,
    enterprise_id: &str,
    account_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE join_requests SET last_notified_at = $3 WHERE enterprise_id = $1 AND account_id = $2")
        .bind_all((enterprise_id, account_id, now))
        .execute(db)
        .await?;
    Ok(())
}
