//! Enterprises, their admins, members' memberships and join requests.

use super::sql::{BindAll, ChangesOne, Exec};
use muster_model::{BillingCycle, DomainStatus, EnterpriseKind, MemberSource, MemberState, Plan};
use sqlx::{Any, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct EnterpriseRow {
    pub id: String,
    pub domain: String,
    #[sqlx(try_from = "String")]
    pub kind: EnterpriseKind,
    #[sqlx(try_from = "String")]
    pub plan: Plan,
    #[sqlx(try_from = "String")]
    pub billing_cycle: BillingCycle,
    pub seat_cap: Option<i64>,
    #[sqlx(try_from = "String")]
    pub domain_status: DomainStatus,
    pub verification_token: Option<String>,
    pub verified_at: Option<i64>,
    pub at_risk_since: Option<i64>,
    pub claim_checks_until: Option<i64>,
    pub next_check_at: Option<i64>,
    pub check_attempts: i64,
    pub last_check: Option<String>,
    pub created_at: i64,
    /// 1: admins need two-step verification to open the console.
    pub require_admin_mfa: i64,
}

pub(super) const COLUMNS: &str = "id, domain, kind, plan, billing_cycle, seat_cap, domain_status, verification_token, \
    verified_at, at_risk_since, claim_checks_until, next_check_at, check_attempts, last_check, created_at, require_admin_mfa";

pub async fn insert(db: impl Exec<'_>, e: &EnterpriseRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO enterprises (id, domain, kind, plan, billing_cycle, seat_cap, domain_status, verification_token, \
         verified_at, claim_checks_until, next_check_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind_all((
        &e.id,
        &e.domain,
        e.kind.as_str(),
        e.plan.as_str(),
        e.billing_cycle.as_str(),
        e.seat_cap,
        e.domain_status.as_str(),
        &e.verification_token,
        e.verified_at,
        e.claim_checks_until,
        e.next_check_at,
        e.created_at,
    ))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: impl Exec<'_>, id: &str) -> sqlx::Result<Option<EnterpriseRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM enterprises WHERE id = $1")).bind(id).fetch_optional(db).await
}

pub async fn set_plan(db: impl Exec<'_>, id: &str, plan: &str, billing_cycle: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE enterprises SET plan = $2, billing_cycle = $3, updated_at = $4 WHERE id = $1")
        .bind_all((id, plan, billing_cycle, now))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_require_admin_mfa(db: impl Exec<'_>, id: &str, on: bool, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE enterprises SET require_admin_mfa = $2, updated_at = $3 WHERE id = $1")
        .bind_all((id, i64::from(on), now))
        .execute(db)
        .await?;
    Ok(())
}

/// The verification state after a check; `next_check_at` None stops background checks.
#[derive(Debug, Clone)]
pub struct VerificationState {
    pub domain_status: String,
    pub verified_at: Option<i64>,
    pub at_risk_since: Option<i64>,
    pub next_check_at: Option<i64>,
    pub check_attempts: i64,
    pub last_check: String,
}

/// False when the claim was closed meanwhile (another claim verified first).
pub async fn save_verification(db: impl Exec<'_>, id: &str, s: &VerificationState, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE enterprises SET domain_status = $2, verified_at = $3, at_risk_since = $4, next_check_at = $5, \
         check_attempts = $6, last_check = $7, updated_at = $8 WHERE id = $1 AND closed_at IS NULL",
    )
    .bind_all((
        id,
        &s.domain_status,
        s.verified_at,
        s.at_risk_since,
        s.next_check_at,
        s.check_attempts,
        &s.last_check,
        now,
    ))
    .changes_one(db)
    .await
}

/// Enterprises whose background check is due, oldest first.
pub async fn due_checks(db: impl Exec<'_>, now: i64, limit: i64) -> sqlx::Result<Vec<EnterpriseRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM enterprises WHERE next_check_at IS NOT NULL AND next_check_at <= $1 AND closed_at IS NULL \
         ORDER BY next_check_at LIMIT $2"
    ))
    .bind_all((now, limit))
    .fetch_all(db)
    .await
}

/// Takes a due check for this replica by moving `next_check_at` forward; another
/// replica that read the same row sees zero rows affected and skips it.
pub async fn lease_check(db: impl Exec<'_>, id: &str, seen_next_check_at: i64, lease_until: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE enterprises SET next_check_at = $3 WHERE id = $1 AND next_check_at = $2")
        .bind_all((id, seen_next_check_at, lease_until))
        .changes_one(db)
        .await
}

/// The enterprise with the account's admin role in it, in one read (every console request asks).
/// The enterprise, the account's admin role in it, and the state of the
/// admin's own member row (an admin who left is `suspended` or `removed`).
pub async fn with_admin_role(
    db: impl Exec<'_>,
    enterprise_id: &str,
    account_id: &str,
) -> sqlx::Result<Option<(EnterpriseRow, String, Option<String>)>> {
    #[derive(FromRow)]
    struct Administered {
        #[sqlx(flatten)]
        enterprise: EnterpriseRow,
        role: String,
        member_state: Option<String>,
    }
    let columns: Vec<String> = COLUMNS.split(',').map(|c| format!("e.{}", c.trim())).collect();
    let row: Option<Administered> = sqlx::query_as(&format!(
        "SELECT {}, a.role, m.state AS member_state FROM enterprise_admins a JOIN enterprises e ON e.id = a.enterprise_id \
         LEFT JOIN members m ON m.enterprise_id = a.enterprise_id AND m.account_id = a.account_id \
         WHERE a.enterprise_id = $1 AND a.account_id = $2 AND e.closed_at IS NULL",
        columns.join(", ")
    ))
    .bind_all((enterprise_id, account_id))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.enterprise, r.role, r.member_state)))
}

/// Every admin of the enterprise with its member row: (member id, account id, role).
pub async fn admins_among(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT m.id, a.account_id, a.role FROM enterprise_admins a \
         JOIN members m ON m.enterprise_id = a.enterprise_id AND m.account_id = a.account_id \
         WHERE a.enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

/// The PMA's account (id, email) of an enterprise.
pub async fn pma(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as(
        "SELECT a.account_id, ac.email FROM enterprise_admins a JOIN accounts ac ON ac.id = a.account_id \
         WHERE a.enterprise_id = $1 AND a.role = 'pma'",
    )
    .bind(enterprise_id)
    .fetch_optional(db)
    .await
}

/// Hands the PMA role from one admin to another (the former PMA stays an
/// admin). Demote first: the unique index allows one PMA at a time.
pub async fn transfer_pma<'c>(
    tx: &mut sqlx::Transaction<'c, Any>,
    enterprise_id: &str,
    from: &str,
    to: &str,
) -> sqlx::Result<bool> {
    let demoted = sqlx::query(
        "UPDATE enterprise_admins SET role = 'admin' WHERE enterprise_id = $1 AND account_id = $2 AND role = 'pma'",
    )
    .bind_all((enterprise_id, from))
    .execute(&mut **tx)
    .await?;
    let promoted = sqlx::query(
        "UPDATE enterprise_admins SET role = 'pma' WHERE enterprise_id = $1 AND account_id = $2 AND role = 'admin'",
    )
    .bind_all((enterprise_id, to))
    .execute(&mut **tx)
    .await?;
    Ok(demoted.rows_affected() == 1 && promoted.rows_affected() == 1)
}

pub async fn admin_role(db: impl Exec<'_>, enterprise_id: &str, account_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT role FROM enterprise_admins WHERE enterprise_id = $1 AND account_id = $2")
        .bind_all((enterprise_id, account_id))
        .fetch_optional(db)
        .await
}

pub async fn insert_admin(
    db: impl Exec<'_>,
    enterprise_id: &str,
    account_id: &str,
    role: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_admins (enterprise_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (enterprise_id, account_id) DO UPDATE SET role = excluded.role",
    )
    .bind_all((enterprise_id, account_id, role, now))
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AdministeredRow {
    pub id: String,
    pub domain: String,
    pub role: String,
}

pub async fn administered_by(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<Vec<AdministeredRow>> {
    sqlx::query_as(
        "SELECT e.id, e.domain, a.role FROM enterprise_admins a JOIN enterprises e ON e.id = a.enterprise_id \
         WHERE a.account_id = $1 AND e.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM members m WHERE m.enterprise_id = a.enterprise_id \
         AND m.account_id = a.account_id AND m.state IN ('suspended', 'removed')) ORDER BY e.domain",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub enterprise_id: String,
    pub domain: String,
    pub state: String,
}

pub async fn memberships_of(db: impl Exec<'_>, account_id: &str) -> sqlx::Result<Vec<MembershipRow>> {
    sqlx::query_as(
        "SELECT m.enterprise_id, e.domain, m.state FROM members m JOIN enterprises e ON e.id = m.enterprise_id \
         WHERE m.account_id = $1 AND m.state <> 'removed' ORDER BY e.domain",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Who to tell about the domain: the PMA's email.
pub async fn pma_email(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT ac.email FROM enterprise_admins a JOIN accounts ac ON ac.id = a.account_id \
         WHERE a.enterprise_id = $1 AND a.role = 'pma'",
    )
    .bind(enterprise_id)
    .fetch_optional(db)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_member(
    db: impl Exec<'_>,
    id: &str,
    enterprise_id: &str,
    email: &str,
    account_id: Option<&str>,
    first_name: Option<&str>,
    last_name: Option<&str>,
    state: MemberState,
    source: MemberSource,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO members (id, enterprise_id, email, account_id, first_name, last_name, state, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind_all((id, enterprise_id, email, account_id, first_name, last_name, state.as_str(), source.as_str(), now))
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the enterprise's row lock (PostgreSQL) or the database write lock
/// (SQLite) as the first write of a transaction, so the reads that follow are
/// not overtaken by a concurrent writer (and SQLite never upgrades a reader).
pub async fn lock_for_update(db: impl Exec<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE enterprises SET updated_at = updated_at WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn admins(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<(String, String, String)>> {
    sqlx::query_as(
        "SELECT a.account_id, ac.email, a.role FROM enterprise_admins a JOIN accounts ac ON ac.id = a.account_id \
         WHERE a.enterprise_id = $1 ORDER BY a.role DESC, ac.email",
    )
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

/// Removes an admin (never the PMA); false when there was none to remove.
pub async fn remove_admin(db: impl Exec<'_>, enterprise_id: &str, account_id: &str) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM enterprise_admins WHERE enterprise_id = $1 AND account_id = $2 AND role <> 'pma'")
        .bind_all((enterprise_id, account_id))
        .changes_one(db)
        .await
}

/// The member of the enterprise with this account, if enrolled.
pub async fn enrolled_member_email(
    db: impl Exec<'_>,
    enterprise_id: &str,
    account_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT email FROM members WHERE enterprise_id = $1 AND account_id = $2 AND state IN ('unmanaged', 'managed')",
    )
    .bind_all((enterprise_id, account_id))
    .fetch_optional(db)
    .await
}
