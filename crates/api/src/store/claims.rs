//! Domain claims (DESIGN §3 "first to verify"): every claimant's claim is an
//! enterprise row of its own; only a verified or at-risk one holds the domain
//! (a partial unique index), the rest are closed with a reason.

use super::sql::{BindAll, ChangesOne, Exec};
use sqlx::Any;

use super::enterprises::{EnterpriseRow, COLUMNS};

/// The enterprise that holds the domain: verified or at risk (contract
/// enterprises are verified). At most one, by a unique index.
pub async fn holder_of(db: impl Exec<'_>, domain: &str) -> sqlx::Result<Option<EnterpriseRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM enterprises WHERE domain = $1 AND closed_at IS NULL \
         AND domain_status IN ('verified', 'at_risk')"
    ))
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// The account's own open, unverified claim of the domain.
pub async fn open_claim_of(db: impl Exec<'_>, domain: &str, account_id: &str) -> sqlx::Result<Option<EnterpriseRow>> {
    let columns: Vec<String> = COLUMNS.split(',').map(|c| format!("e.{}", c.trim())).collect();
    sqlx::query_as(&format!(
        "SELECT {} FROM enterprises e JOIN enterprise_admins a ON a.enterprise_id = e.id AND a.role = 'pma' \
         WHERE e.domain = $1 AND a.account_id = $2 AND e.closed_at IS NULL AND e.domain_status = 'unverified' \
         ORDER BY e.created_at LIMIT 1",
        columns.join(", ")
    ))
    .bind_all((domain, account_id))
    .fetch_optional(db)
    .await
}

/// Open, unverified claims of the domain (this one included).
pub async fn open_claims(db: impl Exec<'_>, domain: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM enterprises WHERE domain = $1 AND closed_at IS NULL AND domain_status = 'unverified'",
    )
    .bind(domain)
    .fetch_one(db)
    .await
}

/// Closes every open, unverified claim of the domain but `except`; returns
/// (enterprise id, claimant's email) of each, so each claimant can be told.
pub async fn close_claims<'c>(
    tx: &mut sqlx::Transaction<'c, Any>,
    domain: &str,
    except: Option<&str>,
    reason: &str,
    now: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    let closing: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.id, ac.email FROM enterprises e JOIN enterprise_admins a ON a.enterprise_id = e.id AND a.role = 'pma' \
         JOIN accounts ac ON ac.id = a.account_id \
         WHERE e.domain = $1 AND e.closed_at IS NULL AND e.domain_status = 'unverified' AND e.id <> COALESCE($2, '')",
    )
    .bind_all((domain, except))
    .fetch_all(&mut **tx)
    .await?;
    for (id, _) in &closing {
        close(&mut **tx, id, reason, now).await?;
    }
    Ok(closing)
}

/// Takes the open rows of a domain in id order before a verification writes
/// (PostgreSQL): two claims verifying at once then queue instead of
/// deadlocking between the unique index and closing each other. SQLite has a
/// single writer already.
pub async fn lock_domain<'c>(
    tx: &mut sqlx::Transaction<'c, Any>,
    backend: super::Backend,
    domain: &str,
) -> sqlx::Result<()> {
    if backend == super::Backend::Postgres {
        sqlx::query("SELECT id FROM enterprises WHERE domain = $1 AND closed_at IS NULL ORDER BY id FOR UPDATE")
            .bind(domain)
            .fetch_all(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Closes one claim: no console, no background checks. False when it was closed already.
pub async fn close(db: impl Exec<'_>, id: &str, reason: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE enterprises SET closed_at = $3, closed_reason = $2, next_check_at = NULL, updated_at = $3 \
         WHERE id = $1 AND closed_at IS NULL AND domain_status = 'unverified'",
    )
    .bind_all((id, reason, now))
    .changes_one(db)
    .await
}

/// Claims never verified, older than `before`, with nobody enrolled but the
/// claimant (a domain that lapsed after being verified keeps its people):
/// (enterprise id, claimant's email).
pub async fn stale_claims(db: impl Exec<'_>, before: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT e.id, ac.email FROM enterprises e JOIN enterprise_admins a ON a.enterprise_id = e.id AND a.role = 'pma' \
         JOIN accounts ac ON ac.id = a.account_id \
         WHERE e.closed_at IS NULL AND e.kind = 'online' AND e.domain_status = 'unverified' AND e.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM members m WHERE m.enterprise_id = e.id AND m.source <> 'signup') LIMIT 500",
    )
    .bind(before)
    .fetch_all(db)
    .await
}
