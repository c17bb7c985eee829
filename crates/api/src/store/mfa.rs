//! An account's TOTP secret (sealed), the last step a code was accepted for,
//! the wrong-code counter, and its recovery codes (hashed). Every guard is a
//! conditional write, so two replicas never both accept one code.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct TotpRow {
    pub account_id: String,
    pub secret: Option<Vec<u8>>,
    pub pending_secret: Option<Vec<u8>>,
    pub pending_at: Option<i64>,
    pub enabled_at: Option<i64>,
    pub last_step: Option<i64>,
    pub failures: i64,
    pub failures_since: Option<i64>,
}

pub async fn totp(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<Option<TotpRow>> {
    sqlx::query_as(
        "SELECT account_id, secret, pending_secret, pending_at, enabled_at, last_step, failures, failures_since \
         FROM account_totp WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// Stores a new secret waiting for its first code (an active one stays on
/// until then). `proven` says the caller gave the password and a code; without
/// that it only takes while no secret is active, so an enrolment that raced
/// the owner's confirmation cannot slip in behind it. False when it did not take.
pub async fn set_pending(
    db: impl Exec<'_>,
    account_id: &str,
    sealed: &[u8],
    proven: bool,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO account_totp (account_id, pending_secret, pending_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (account_id) DO UPDATE SET pending_secret = excluded.pending_secret, \
         pending_at = excluded.pending_at, updated_at = excluded.updated_at \
         WHERE account_totp.secret IS NULL OR $4 = 1",
    )
    .bind_all((account_id, sealed.to_vec(), now, i64::from(proven)))
    .changes_one(db)
    .await
}

/// The pending secret becomes the account's, with `step` already used; false
/// when the pending secret changed meanwhile (another enrolment won).
pub async fn activate(db: impl Exec<'_>, account_id: &str, pending: &[u8], step: i64, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE account_totp SET secret = pending_secret, pending_secret = NULL, pending_at = NULL, enabled_at = $3, \
         last_step = $4, failures = 0, failures_since = NULL, updated_at = $3 \
         WHERE account_id = $1 AND pending_secret = $2",
    )
    .bind_all((account_id, pending.to_vec(), now, step))
    .changes_one(db)
    .await
}

/// Marks `step` used; false when this or a later step was used already (a replay).
pub async fn use_step(db: impl Exec<'_>, account_id: &str, step: i64, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE account_totp SET last_step = $2, failures = 0, failures_since = NULL, updated_at = $3 \
         WHERE account_id = $1 AND secret IS NOT NULL AND (last_step IS NULL OR last_step < $2)",
    )
    .bind_all((account_id, step, now))
    .changes_one(db)
    .await
}

/// Counts an attempt before its code is judged, in one conditional write, so
/// parallel guesses cannot all read "not locked": false when the account's
/// second step is locked (`max` attempts since `window_start`) or has no row.
/// The count restarts once its first attempt is older than the window; a
/// right code resets it (`use_step`, `reset_failures`).
pub async fn claim_attempt(
    db: impl Exec<'_>,
    account_id: &str,
    max: i64,
    now: i64,
    window_start: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE account_totp SET \
         failures = CASE WHEN failures_since IS NULL OR failures_since < $4 THEN 1 ELSE failures + 1 END, \
         failures_since = CASE WHEN failures_since IS NULL OR failures_since < $4 THEN $3 ELSE failures_since END, \
         updated_at = $3 WHERE account_id = $1 AND NOT (failures >= $2 AND failures_since >= $4) RETURNING failures",
    )
    .bind_all((account_id, max, now, window_start))
    .fetch_optional(db)
    .await
}

pub async fn reset_failures(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE account_totp SET failures = 0, failures_since = NULL WHERE account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns TOTP off: the secret, any enrolment and the recovery codes go, and
/// the account's flag with them.
pub async fn turn_off(conn: &mut sqlx::AnyConnection, account_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM account_totp WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
    set_enabled(&mut *conn, account_id, false, now).await
}

pub async fn set_enabled(db: impl Exec<'_>, account_id: &str, enabled: bool, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET mfa_enabled = $2, updated_at = $3 WHERE id = $1")
        .bind_all((account_id, i64::from(enabled), now))
        .execute(db)
        .await?;
    Ok(())
}

/// Replaces the account's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    hashes: &[String],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1").bind(account_id).execute(&mut *conn).await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind_all((account_id, hash, now))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Uses one recovery code; false when it is not the account's or was used.
pub async fn use_recovery_code(db: impl Exec<'_>, account_id: &str, hash: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL")
        .bind_all((account_id, hash, now))
        .changes_one(db)
        .await
}

pub async fn recovery_codes_left(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .fetch_one(db)
        .await
}

/// Whether an enterprise this account administers (open, and whose member
/// the admin still is) requires admin MFA.
pub async fn required_for(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT e.id FROM enterprise_admins a JOIN enterprises e ON e.id = a.enterprise_id \
         LEFT JOIN members m ON m.enterprise_id = a.enterprise_id AND m.account_id = a.account_id \
         WHERE a.account_id = $1 AND e.require_admin_mfa = 1 AND e.closed_at IS NULL \
         AND (m.state IS NULL OR m.state NOT IN ('suspended', 'removed')) LIMIT 1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}
