//! Directory Sync: the configuration row, runs (jobs of kind
//! `directory_sync` with their trigger and schedule slot), and the members a
//! sync links by directory id. Its distribution lists: `distribution_lists`.

use super::sql::{BindAll, ChangesOne, Exec};
use muster_model::{MemberState, Profile};
use sqlx::{Any, AnyConnection, FromRow};

use super::jobs::JobRow;

#[derive(Debug, Clone, FromRow)]
pub struct ConfigRow {
    pub enterprise_id: String,
    /// JSON of everything but the password.
    pub settings: String,
    /// nonce ‖ AES-256-GCM ciphertext (see `services::crypto::seal`).
    pub bind_password: Option<Vec<u8>>,
    pub schedule: Option<String>,
    pub last_good_entries: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The account that saved it last.
    pub saved_by: Option<String>,
}

pub async fn config(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Option<ConfigRow>> {
    sqlx::query_as(
        "SELECT enterprise_id, settings, bind_password, schedule, last_good_entries, created_at, updated_at, saved_by \
         FROM directory_configs WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_optional(db)
    .await
}

pub async fn save_config(db: impl Exec<'_>, c: &ConfigRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO directory_configs (enterprise_id, settings, bind_password, schedule, last_good_entries, created_at, updated_at, saved_by) \
         VALUES ($1, $2, $3, $4, $6, $5, $5, $7) \
         ON CONFLICT (enterprise_id) DO UPDATE SET settings = $2, bind_password = $3, schedule = $4, updated_at = $5, \
         last_good_entries = $6, saved_by = $7",
    )
    .bind_all((&c.enterprise_id, &c.settings, &c.bind_password, &c.schedule, c.updated_at, c.last_good_entries, &c.saved_by))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_last_good(db: impl Exec<'_>, enterprise_id: &str, entries: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE directory_configs SET last_good_entries = $2 WHERE enterprise_id = $1")
        .bind_all((enterprise_id, entries))
        .execute(db)
        .await?;
    Ok(())
}

/// Every enterprise with a schedule (the scheduler reconciles against this).
pub async fn schedules(db: impl Exec<'_>) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT enterprise_id, schedule FROM directory_configs WHERE schedule IS NOT NULL AND schedule <> ''",
    )
    .fetch_all(db)
    .await
}

/// Records a run for its job; false when this schedule slot already has one
/// (another replica fired the same slot first).
pub async fn insert_run(
    db: impl Exec<'_>,
    job_id: &str,
    enterprise_id: &str,
    trigger: &str,
    scheduled_for: Option<i64>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "INSERT INTO directory_runs (job_id, enterprise_id, trigger, scheduled_for) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind_all((job_id, enterprise_id, trigger, scheduled_for))
    .changes_one(db)
    .await
}

pub async fn set_timings(db: impl Exec<'_>, job_id: &str, timings: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE directory_runs SET timings = $2 WHERE job_id = $1")
        .bind_all((job_id, timings))
        .execute(db)
        .await?;
    Ok(())
}

/// A run still queued or running for this enterprise, if any.
pub async fn active_run(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT id FROM jobs WHERE enterprise_id = $1 AND kind = 'directory_sync' AND status IN ('queued', 'running') LIMIT 1",
    )
    .bind(enterprise_id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    #[sqlx(flatten)]
    pub job: JobRow,
    pub trigger: String,
    pub scheduled_for: Option<i64>,
    pub timings: Option<String>,
}

const RUN_COLUMNS: &str =
    "j.id, j.enterprise_id, j.kind, j.status, j.dry_run, j.options, j.processed, j.total, j.counts, \
    j.error, j.created_by, j.attempts, j.created_at, j.started_at, j.finished_at, r.trigger, r.scheduled_for, r.timings";

pub async fn run(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<RunRow>> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM directory_runs r JOIN jobs j ON j.id = r.job_id WHERE r.enterprise_id = $1 AND r.job_id = $2"
    ))
    .bind_all((enterprise_id, id))
    .fetch_optional(db)
    .await
}

/// Newest first; `before` is the id of the last run of the previous page.
pub async fn runs(
    db: impl Exec<'_>,
    enterprise_id: &str,
    before: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM directory_runs r JOIN jobs j ON j.id = r.job_id \
         WHERE r.enterprise_id = $1 AND ($2 IS NULL OR r.job_id < $2) ORDER BY r.job_id DESC LIMIT $3"
    ))
    .bind_all((enterprise_id, before, limit))
    .fetch_all(db)
    .await
}

/// A member as a sync compares it.
#[derive(Debug, Clone, FromRow)]
pub struct SyncedMember {
    pub id: String,
    pub email: String,
    pub directory_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: MemberState,
    pub sync_suspended_from: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
}

impl SyncedMember {
    pub fn profile(&self) -> Profile {
        Profile::from([&self.first_name, &self.last_name, &self.department, &self.phone, &self.job_title])
    }

    /// The state a sync suspension put aside, to restore; unmanaged (no seat)
    /// when there is none or it is unreadable.
    pub fn restores_to(&self) -> MemberState {
        self.sync_suspended_from.as_deref().and_then(MemberState::parse).unwrap_or(MemberState::Unmanaged)
    }
}

/// Every member of the enterprise (a sync matches by directory id, then email).
pub async fn members(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<SyncedMember>> {
    sqlx::query_as(
        "SELECT id, email, directory_id, state, sync_suspended_from, first_name, last_name, department, phone, job_title \
         FROM members WHERE enterprise_id = $1",
    )
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

/// Suspends the listed members, remembering the state each was in; returns
/// the ids and emails of those that held a managed seat.
pub async fn suspend(conn: &mut AnyConnection, ids: &[String], now: i64) -> sqlx::Result<Vec<(String, String)>> {
    let mut managed = Vec::new();
    for chunk in ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(2, chunk.len());
        let sql = format!(
            "UPDATE members SET sync_suspended_from = state, state = 'suspended', managed_since = NULL, updated_at = $1 \
             WHERE state IN ('invited', 'unmanaged', 'managed') AND id IN ({}) RETURNING id, email, sync_suspended_from",
            marks
        );
        let mut u = sqlx::query_as::<Any, (String, String, Option<String>)>(&sql).bind(now);
        for id in chunk {
            u = u.bind(id);
        }
        let moved = u.fetch_all(&mut *conn).await?;
        managed.extend(
            moved
                .into_iter()
                .filter(|(_, _, from)| from.as_deref() == Some("managed"))
                .map(|(id, email, _)| (id, email)),
        );
    }
    Ok(managed)
}

/// Puts members a sync suspended back in the state they were in (`to`);
/// returns the ids and emails that moved (an admin may have acted meanwhile).
pub async fn restore(
    conn: &mut AnyConnection,
    ids: &[String],
    to: MemberState,
    now: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    let mut moved = Vec::new();
    for chunk in ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(3, chunk.len());
        let sql = format!(
            "UPDATE members SET state = $2, sync_suspended_from = NULL, updated_at = $1, \
             managed_since = CASE WHEN $2 = 'managed' THEN $1 ELSE NULL END \
             WHERE state = 'suspended' AND sync_suspended_from IS NOT NULL AND id IN ({}) RETURNING id, email",
            marks
        );
        let mut u = sqlx::query_as::<Any, (String, String)>(&sql).bind(now).bind(to.as_str());
        for id in chunk {
            u = u.bind(id);
        }
        moved.extend(u.fetch_all(&mut *conn).await?);
    }
    Ok(moved)
}

/// A removed member (revoked invitation) the directory brings back: invited again.
pub async fn revive(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET state = 'invited', source = 'directory', sync_suspended_from = NULL, updated_at = $2 \
         WHERE id = $1 AND state = 'removed'",
    )
    .bind_all((id, now))
    .execute(db)
    .await?;
    Ok(())
}
