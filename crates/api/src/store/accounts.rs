//! Accounts and their one-time tokens (activation), stored hashed.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub status: String,
    pub email_verified: i64,
    pub created_at: i64,
    /// The verified cell phone number (E.164), a sign-in identifier.
    pub phone: Option<String>,
    /// 1 while a confirmed TOTP secret is on.
    pub mfa_enabled: i64,
}

impl AccountRow {
    pub fn display_name(&self) -> String {
        match (&self.first_name, &self.last_name) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(n), None) | (None, Some(n)) => n.clone(),
            (None, None) => self.email.clone(),
        }
    }
}

pub(super) const COLUMNS: &str =
    "id, email, password_hash, first_name, last_name, status, email_verified, created_at, phone, mfa_enabled";

pub async fn insert(db: impl Exec<'_>, a: &AccountRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, email, password_hash, first_name, last_name, status, email_verified, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind_all((&a.id, &a.email, &a.password_hash, &a.first_name, &a.last_name, &a.status, a.email_verified, a.created_at))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_email(db: impl Exec<'_>, email: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1")).bind(email).fetch_optional(db).await
}

pub async fn by_phone(db: impl Exec<'_>, phone: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE phone = $1")).bind(phone).fetch_optional(db).await
}

pub async fn by_id(db: impl Exec<'_>, id: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// Activates a pending account only if its password is still the one the
/// caller checked (a sign-up in between may have replaced it); false otherwise.
pub async fn activate_if_unchanged(db: impl Exec<'_>, id: &str, checked_hash: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE accounts SET status = 'active', email_verified = 1, updated_at = $3 \
         WHERE id = $1 AND status = 'pending' AND password_hash = $2",
    )
    .bind_all((id, checked_hash, now))
    .changes_one(db)
    .await
}

/// A new sign-up's password for an account that is still pending; false when
/// it was activated meanwhile (then the owner is mailed instead).
pub async fn replace_pending_password(
    db: impl Exec<'_>,
    id: &str,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<bool> {
    sqlx::query("UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1 AND status = 'pending'")
        .bind_all((id, password_hash, now))
        .changes_one(db)
        .await
}

/// A new password hash; `activate` also marks a pending account active (its
/// mailbox was just proven by a one-time link).
pub async fn set_password(
    db: impl Exec<'_>,
    id: &str,
    password_hash: &str,
    activate: bool,
    now: i64,
) -> sqlx::Result<()> {
    let sql = if activate {
        "UPDATE accounts SET password_hash = $2, status = 'active', email_verified = 1, updated_at = $3 WHERE id = $1"
    } else {
        "UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1"
    };
    sqlx::query(sql).bind(id).bind(password_hash).bind(now).execute(db).await?;
    Ok(())
}

pub async fn update_profile(
    db: impl Exec<'_>,
    id: &str,
    first_name: Option<&str>,
    last_name: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name), updated_at = $4 WHERE id = $1",
    )
    .bind_all((id, first_name, last_name, now))
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub account_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// Wrong answers given with it (the MFA token dies after a few).
    pub failures: i64,
}

pub async fn insert_token(
    db: impl Exec<'_>,
    token_hash: &str,
    purpose: &str,
    account_id: &str,
    expires_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO account_tokens (token_hash, purpose, account_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind_all((token_hash, purpose, account_id, expires_at, now))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn token(db: impl Exec<'_>, token_hash: &str, purpose: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(
        "SELECT account_id, expires_at, used_at, failures FROM account_tokens WHERE token_hash = $1 AND purpose = $2",
    )
    .bind_all((token_hash, purpose))
    .fetch_optional(db)
    .await
}

/// Marks the token used; false when another request used it first or it expired (a resend expires it).
pub async fn use_token(db: impl Exec<'_>, token_hash: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE account_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind_all((token_hash, now))
        .changes_one(db)
        .await
}

/// A resend makes every earlier unused token of that purpose worthless.
pub async fn expire_tokens(db: impl Exec<'_>, account_id: &str, purpose: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE account_tokens SET expires_at = $3 WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
        .bind_all((account_id, purpose, now))
        .execute(db)
        .await?;
    Ok(())
}

/// Counts an answer given with a token before it is judged (parallel
/// guesses all count): false when the token is used, expired or has had `max`.
/// Answers the attempts so far.
pub async fn token_attempt(db: impl Exec<'_>, token_hash: &str, max: i64, now: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE account_tokens SET failures = failures + 1 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $3 AND failures < $2 RETURNING failures",
    )
    .bind_all((token_hash, max, now))
    .fetch_optional(db)
    .await
}

/// The verified phone number (None removes it). A number another account
/// verified meanwhile is a unique violation (the caller says `phone_taken`).
pub async fn set_phone(db: impl Exec<'_>, id: &str, phone: Option<&str>, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET phone = $2, updated_at = $3 WHERE id = $1")
        .bind_all((id, phone, now))
        .execute(db)
        .await?;
    Ok(())
}
