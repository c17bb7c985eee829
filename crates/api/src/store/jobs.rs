//! Jobs: the row (status, lease, progress, counts), its uploaded input in
//! chunks, and its per-line results.

use super::sql::{BindAll, Exec};
use sqlx::{AnyConnection, FromRow};

use super::{bulk, bulk::Cell, Backend};

#[derive(Debug, Clone, FromRow)]
pub struct JobRow {
    pub id: String,
    pub enterprise_id: String,
    pub kind: String,
    pub status: String,
    pub dry_run: i64,
    pub options: String,
    pub processed: i64,
    pub total: Option<i64>,
    pub counts: String,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl JobRow {
    /// A new queued job of `kind`, started by `created_by`.
    pub fn queued(enterprise_id: &str, created_by: &str, kind: &str, dry_run: bool, options: String, now: i64) -> Self {
        Self {
            id: super::new_id(),
            enterprise_id: enterprise_id.into(),
            kind: kind.into(),
            status: "queued".into(),
            dry_run: dry_run as i64,
            options,
            processed: 0,
            total: None,
            counts: "{}".into(),
            error: None,
            created_by: Some(created_by.into()),
            attempts: 0,
            created_at: now,
            started_at: None,
            finished_at: None,
        }
    }
}

const COLUMNS: &str =
    "id, enterprise_id, kind, status, dry_run, options, processed, total, counts, error, created_by, \
    attempts, created_at, started_at, finished_at";

pub async fn insert(db: impl Exec<'_>, j: &JobRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, enterprise_id, kind, status, dry_run, options, total, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind_all((
        &j.id,
        &j.enterprise_id,
        &j.kind,
        &j.status,
        j.dry_run,
        &j.options,
        j.total,
        &j.created_by,
        j.created_at,
    ))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_input(db: impl Exec<'_>, job_id: &str, seq: i64, data: &[u8]) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO job_inputs (job_id, seq, data) VALUES ($1, $2, $3)")
        .bind_all((job_id, seq, data))
        .execute(db)
        .await?;
    Ok(())
}

/// A finished job's upload is not kept (DESIGN §10).
pub async fn delete_input(db: impl Exec<'_>, job_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM job_inputs WHERE job_id = $1").bind(job_id).execute(db).await?.rows_affected())
}

/// Jobs of the enterprise waiting for a worker.
pub async fn queued_of(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE enterprise_id = $1 AND status = 'queued'")
        .bind(enterprise_id)
        .fetch_one(db)
        .await
}

/// The chunk of input after `seq`, in upload order.
pub async fn input_after(db: impl Exec<'_>, job_id: &str, seq: i64) -> sqlx::Result<Option<(i64, Vec<u8>)>> {
    sqlx::query_as("SELECT seq, data FROM job_inputs WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT 1")
        .bind_all((job_id, seq))
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<JobRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM jobs WHERE enterprise_id = $1 AND id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

/// Takes the oldest queued job, or a running one whose lease ran out (its
/// process died). PostgreSQL skips rows another replica is claiming.
pub async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    now: i64,
    lease_until: i64,
) -> sqlx::Result<Option<JobRow>> {
    // A read first, so an idle worker never takes SQLite's write lock.
    let waiting: Option<String> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if waiting.is_none() {
        return Ok(None);
    }
    // Fair across tenants: the enterprise whose last job started longest ago
    // goes first, so one tenant's queue of uploads cannot starve the rest.
    let pick = match backend {
        Backend::Postgres => {
            "SELECT id FROM jobs j WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) \
             ORDER BY (SELECT COALESCE(MAX(p.started_at), 0) FROM jobs p WHERE p.enterprise_id = j.enterprise_id), \
             created_at LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id FROM jobs j WHERE status = 'queued' OR (status = 'running' AND lease_until < $1) \
             ORDER BY (SELECT COALESCE(MAX(p.started_at), 0) FROM jobs p WHERE p.enterprise_id = j.enterprise_id), \
             created_at LIMIT 1"
        }
    };
    sqlx::query_as(&format!(
        "UPDATE jobs SET status = 'running', lease_until = $2, attempts = attempts + 1, started_at = COALESCE(started_at, $1) \
         WHERE id = ({pick}) AND (status = 'queued' OR lease_until < $1) RETURNING {COLUMNS}"
    ))
    .bind_all((now, lease_until))
    .fetch_optional(conn)
    .await
}

/// Progress, and a longer lease: the job is alive.
pub async fn progress(
    db: impl Exec<'_>,
    id: &str,
    processed: i64,
    total: Option<i64>,
    lease_until: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET processed = $2, total = COALESCE($3, total), lease_until = $4 WHERE id = $1 AND status = 'running'")
        .bind_all((id, processed, total, lease_until))
        .execute(db)
        .await?;
    Ok(())
}

/// Keeps a running job's claim (and, when given, its live line count).
pub async fn renew_lease(db: impl Exec<'_>, id: &str, processed: Option<i64>, lease_until: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET processed = COALESCE($2, processed), lease_until = $3 WHERE id = $1 AND status = 'running'",
    )
    .bind_all((id, processed, lease_until))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn finish(
    db: impl Exec<'_>,
    id: &str,
    status: &str,
    counts: &str,
    error: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET status = $2, counts = $3, error = $4, finished_at = $5, lease_until = NULL, \
         processed = CASE WHEN $2 = 'succeeded' THEN COALESCE(total, processed) ELSE processed END WHERE id = $1",
    )
    .bind_all((id, status, counts, error, now))
    .execute(db)
    .await?;
    Ok(())
}

/// A rerun starts clean: results of a run that died are dropped.
pub async fn clear_results(db: impl Exec<'_>, job_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM job_results WHERE job_id = $1").bind(job_id).execute(db).await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct ResultRow {
    pub seq: i64,
    pub line: Option<i64>,
    pub email: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub changes: Option<String>,
}

/// Stored cells are bounded: a 200 MB "email" in an upload is kept as its
/// first few hundred characters, enough to find the row.
const MAX_EMAIL_CELL: usize = 320;
const MAX_DETAIL_CELL: usize = 2000;

fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

pub async fn insert_results(
    conn: &mut AnyConnection,
    backend: Backend,
    job_id: &str,
    first_seq: i64,
    rows: Vec<ResultRow>,
) -> sqlx::Result<()> {
    let cells = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::from(job_id),
                (first_seq + i as i64).into(),
                r.line.into(),
                r.email.map(|e| clip(e, MAX_EMAIL_CELL)).into(),
                r.outcome.into(),
                r.detail.map(|d| clip(d, MAX_DETAIL_CELL)).into(),
                r.changes.into(),
            ]
        })
        .collect();
    bulk::insert(
        conn,
        backend,
        "job_results",
        &["job_id", "seq", "line", "email", "outcome", "detail", "changes"],
        cells,
    )
    .await
}

/// Results after `after_seq`; `outcomes` narrows to those outcomes.
pub async fn results(db: impl Exec<'_>, job_id: &str, after_seq: i64, limit: i64) -> sqlx::Result<Vec<ResultRow>> {
    sqlx::query_as(
        "SELECT seq, line, email, outcome, detail, changes FROM job_results WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind_all((job_id, after_seq, limit))
    .fetch_all(db)
    .await
}

pub async fn set_total(db: impl Exec<'_>, id: &str, total: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET total = $2 WHERE id = $1").bind(id).bind(total).execute(db).await?;
    Ok(())
}

/// Like [`finish`], with the exact number of rows processed (which becomes the total).
pub async fn finish_with(
    db: impl Exec<'_>,
    id: &str,
    status: &str,
    counts: &str,
    error: Option<&str>,
    processed: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET status = $2, counts = $3, error = $4, finished_at = $5, lease_until = NULL, processed = $6, total = $6 \
         WHERE id = $1",
    )
    .bind_all((id, status, counts, error, now, processed))
    .execute(db)
    .await?;
    Ok(())
}

/// Every result with one of `outcomes`, in order (for the error report).
pub async fn results_with(
    db: impl Exec<'_>,
    job_id: &str,
    outcome: &str,
    after_seq: i64,
    limit: i64,
) -> sqlx::Result<Vec<ResultRow>> {
    sqlx::query_as(
        "SELECT seq, line, email, outcome, detail, changes FROM job_results WHERE job_id = $1 AND outcome = $2 AND seq > $3 \
         ORDER BY seq LIMIT $4",
    )
    .bind_all((job_id, outcome, after_seq, limit))
    .fetch_all(db)
    .await
}
