//! Counts for the dashboard and the enrollment funnel (analytics).

use super::sql::{BindAll, Exec};

const DAY_MS: i64 = 86_400_000;

pub async fn members_by_state(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, COUNT(*) FROM members WHERE enterprise_id = $1 GROUP BY state")
        .bind(enterprise_id)
        .fetch_all(db)
        .await
}

/// What the enrollment funnel counts per day.
#[derive(Debug, Clone, Copy)]
pub enum Daily {
    Invited,
    Accepted,
    SeatsTaken,
}

impl Daily {
    fn source(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Invited => ("invitations", "created_at", ""),
            Self::Accepted => ("invitations", "accepted_at", "AND accepted_at IS NOT NULL"),
            Self::SeatsTaken => ("seat_events", "created_at", "AND delta > 0"),
        }
    }
}

/// `(day number since the epoch, count)` of `what` since `since` (ms), days with none left out.
pub async fn per_day(db: impl Exec<'_>, what: Daily, enterprise_id: &str, since: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    let (table, column, extra) = what.source();
    per_day_of(db, table, column, extra, enterprise_id, since).await
}

async fn per_day_of(
    db: impl Exec<'_>,
    table: &str,
    column: &str,
    extra: &str,
    enterprise_id: &str,
    since: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(&format!(
        "SELECT {column} / {DAY_MS} AS day, COUNT(*) FROM {table} WHERE enterprise_id = $1 AND {column} >= $2 {extra} \
         GROUP BY {column} / {DAY_MS}"
    ))
    .bind_all((enterprise_id, since))
    .fetch_all(db)
    .await
}

pub async fn by_source(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<(String, i64, i64, i64)>> {
    sqlx::query_as(
        "SELECT source, COUNT(*), SUM(CASE WHEN account_id IS NOT NULL THEN 1 ELSE 0 END), \
         SUM(CASE WHEN state = 'managed' THEN 1 ELSE 0 END) FROM members \
         WHERE enterprise_id = $1 AND state <> 'removed' GROUP BY source ORDER BY source",
    )
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}
