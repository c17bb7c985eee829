//! A cell phone number being verified: one per account, its SMS code hashed,
//! with an expiry and a count of wrong tries.

use super::sql::{BindAll, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct PendingPhone {
    pub phone: String,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: i64,
}

pub async fn pending(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<Option<PendingPhone>> {
    sqlx::query_as("SELECT phone, code_hash, expires_at, attempts FROM phone_verifications WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await
}

/// A new number (or a new code for the same one): earlier codes stop working.
/// Conditional on the last code being older than `resend_before`, in one
/// write, so parallel requests get one code a minute, not one each. False
/// when too soon.
pub async fn start(
    db: impl Exec<'_>,
    account_id: &str,
    phone: &str,
    code_hash: &str,
    expires_at: i64,
    now: i64,
    resend_before: i64,
) -> sqlx::Result<bool> {
    use super::sql::ChangesOne;
    sqlx::query(
        "INSERT INTO phone_verifications (account_id, phone, code_hash, expires_at, attempts, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (account_id) DO UPDATE SET phone = excluded.phone, \
         code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0, created_at = excluded.created_at \
         WHERE phone_verifications.created_at <= $6",
    )
    .bind_all((account_id, phone, code_hash, expires_at, now, resend_before))
    .changes_one(db)
    .await
}

/// Takes one try of the pending code before it is compared (parallel tries
/// all count): None when there is none, it expired, or its 5 tries are spent.
pub async fn take_try(db: impl Exec<'_>, account_id: &str, max: i64, now: i64) -> sqlx::Result<Option<PendingPhone>> {
    sqlx::query_as(
        "UPDATE phone_verifications SET attempts = attempts + 1 \
         WHERE account_id = $1 AND attempts < $2 AND expires_at > $3 RETURNING phone, code_hash, expires_at, attempts",
    )
    .bind_all((account_id, max, now))
    .fetch_optional(db)
    .await
}

/// Ends the verification; false when another request ended it first (its code is single use).
/// Deleting the row also ends its resend gate: the caps in `sms_outbox` still count.
pub async fn finish(db: impl Exec<'_>, account_id: &str, code_hash: &str) -> sqlx::Result<bool> {
    use super::sql::ChangesOne;
    sqlx::query("DELETE FROM phone_verifications WHERE account_id = $1 AND code_hash = $2")
        .bind_all((account_id, code_hash))
        .changes_one(db)
        .await
}

pub async fn cancel(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM phone_verifications WHERE account_id = $1").bind(account_id).execute(db).await?;
    Ok(())
}
