//! Jobs as the API shows them, and their creation with the uploaded input.
//! The work of each kind lives with its feature (`bulk_invite`, `enrollment`).

/// A queued job as the store keeps it (routes answer with its `view`).
pub use crate::store::jobs::JobRow;
use muster_model::{ApiScope, Job, JobCounts, JobKind, JobProgress, JobResult, JobStatus, Module};

use crate::store::{jobs::ResultRow, Page};
use crate::{
    services::{
        access::{Actor, Console, TokenGrant},
        csv_import::spreadsheet_safe,
        error::{DomainError, DomainResult, During},
    },
    state::AppState,
    store::{enterprises::EnterpriseRow, jobs, now_ms, rfc3339},
};

/// What the jobs that invite people (Bulk Invite, Import) were asked, stored with the job.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct InviteOptions {
    /// Mail the invitations now, or stage them for "send pending".
    #[serde(default = "mail_now")]
    pub send_invitations: bool,
}

fn mail_now() -> bool {
    true
}

impl Default for InviteOptions {
    fn default() -> Self {
        Self { send_invitations: mail_now() }
    }
}

/// What a Directory Sync run was asked, stored with its job.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct SyncOptions {
    pub trigger: Option<muster_model::SyncTrigger>,
    /// Run although the directory returned far fewer entries than the last good run.
    #[serde(default)]
    pub accept_smaller_directory: bool,
}

/// The job's options as its kind reads them; a job stored without any gets the defaults.
pub fn options_of<T: serde::de::DeserializeOwned + Default>(job: &JobRow) -> T {
    serde_json::from_str(&job.options).unwrap_or_default()
}

/// Input is stored in chunks of this size, so no reader holds a file whole.
pub const CHUNK_BYTES: usize = 1024 * 1024;

pub fn counts_of(row: &JobRow) -> JobCounts {
    serde_json::from_str(&row.counts).unwrap_or_default()
}

/// One page of a job's per-line results; the cursor is the last line number seen.
pub async fn results_page(
    state: &AppState,
    job_id: &str,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<Page<ResultRow>> {
    let after = match cursor {
        None | Some("") => 0,
        Some(c) => {
            c.parse().map_err(|_| DomainError::field("invalid_cursor", "cursor is not one this API gave out"))?
        }
    };
    let rows = if limit > 0 { jobs::results(&state.db.pool, job_id, after, limit + 1).await? } else { vec![] };
    Ok(Page::of(rows, limit, |r| r.seq.to_string()))
}

/// Lines done: the live figure of a running job (it reports more often than it writes).
pub fn processed(state: &AppState, job: &JobRow) -> i64 {
    match state.progress_of(&job.id) {
        Some(live) if job.status == "running" => live.max(job.processed),
        _ => job.processed,
    }
}

pub async fn view(state: &AppState, row: JobRow, cursor: Option<&str>, limit: i64) -> DomainResult<Job> {
    let results = results_page(state, &row.id, cursor, limit).await?;
    let processed = processed(state, &row);
    Ok(Job {
        kind: JobKind::parse(&row.kind).unwrap_or(JobKind::BulkInvite),
        status: JobStatus::parse(&row.status).unwrap_or(JobStatus::Queued),
        dry_run: row.dry_run != 0,
        progress: JobProgress { processed: processed.max(0) as u64, total: row.total.map(|t| t.max(0) as u64) },
        counts: counts_of(&row),
        results: results
            .items
            .into_iter()
            .map(|r| JobResult {
                line: r.line.map(|l| l as u64),
                email: r.email,
                outcome: r.outcome,
                detail: r.detail,
                changes: r.changes.and_then(|c| serde_json::from_str(&c).ok()),
            })
            .collect(),
        next_cursor: results.next_cursor,
        error: row.error,
        created_at: rfc3339(row.created_at),
        started_at: row.started_at.map(rfc3339),
        finished_at: row.finished_at.map(rfc3339),
        id: row.id,
    })
}

/// A place in an enterprise's job queue, held while its upload streams in
/// (an uncommitted job row is invisible to other requests' count).
pub struct Slot<'a> {
    state: &'a AppState,
    enterprise_id: String,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut uploading = self.state.uploading.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = uploading.get_mut(&self.enterprise_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                uploading.remove(&self.enterprise_id);
            }
        }
    }
}

/// At most `MUSTER_MAX_QUEUED_JOBS_PER_ENTERPRISE` jobs of one enterprise wait
/// at a time, counting the uploads this process is still receiving.
pub async fn reserve<'a>(state: &'a AppState, enterprise_id: &str) -> DomainResult<Slot<'a>> {
    let queued = jobs::queued_of(&state.db.pool, enterprise_id).await?;
    let max = state.config.max_queued_jobs_per_enterprise as i64;
    let mut uploading = state.uploading.lock().unwrap_or_else(|p| p.into_inner());
    let in_flight = uploading.entry(enterprise_id.to_string()).or_default();
    if queued + *in_flight as i64 >= max {
        return Err(DomainError::quota(
            "too_many_queued_jobs",
            format!(
                "{} jobs are already waiting to run (at most {max}); wait for them to finish.",
                queued + *in_flight as i64
            ),
        ));
    }
    *in_flight += 1;
    Ok(Slot { state, enterprise_id: enterprise_id.to_string() })
}

/// Queues a job with its input (already read and checked) in one transaction,
/// in the queue place the caller reserved.
pub async fn create(
    slot: Slot<'_>,
    e: &EnterpriseRow,
    actor: &Actor,
    kind: JobKind,
    dry_run: bool,
    options: impl serde::Serialize,
    input: &[u8],
) -> DomainResult<JobRow> {
    let state = slot.state;
    let mut options = serde_json::to_value(&options).map_err(anyhow::Error::new)?;
    // The run's audit events name the token the job was started with.
    if let (Some(token), Some(map)) = (actor.token_actor(), options.as_object_mut()) {
        map.insert(BY_TOKEN.into(), serde_json::to_value(token).map_err(anyhow::Error::new)?);
    }
    let options = options.to_string();
    let row = JobRow::queued(&e.id, &actor.id, kind.as_str(), dry_run, options, now_ms());
    let mut tx = state.db.pool.begin().await?;
    jobs::insert(&mut *tx, &row).await?;
    for (seq, chunk) in input.chunks(CHUNK_BYTES).enumerate() {
        jobs::insert_input(&mut *tx, &row.id, seq as i64 + 1, chunk).await?;
    }
    tx.commit().await?;
    state.wake_jobs();
    Ok(row)
}

const BY_TOKEN: &str = "started_with_token";

/// The webhook event of a finished job, in the transaction that finishes it.
pub async fn finished_event(
    conn: &mut sqlx::AnyConnection,
    job: &JobRow,
    status: &str,
    counts: &impl serde::Serialize,
    error: Option<&str>,
    now: i64,
) -> DomainResult<()> {
    let counts = serde_json::to_value(counts).map_err(anyhow::Error::new)?;
    crate::services::webhooks::job_finished(conn, job, status, counts, error, now).await
}

/// Who started the job: its creator, and the API token when one was used.
pub async fn actor_of(state: &AppState, job: &JobRow) -> DomainResult<Option<Actor>> {
    let Some(id) = job.created_by.as_deref() else { return Ok(None) };
    let Some(account) = crate::store::accounts::by_id(&state.db.pool, id).await? else { return Ok(None) };
    let options: serde_json::Value = serde_json::from_str(&job.options).unwrap_or_default();
    let token = options
        .get(BY_TOKEN)
        .and_then(|t| serde_json::from_value::<muster_model::TokenActor>(t.clone()).ok())
        .map(|t| TokenGrant { id: t.id, name: t.name, scopes: Vec::new(), by_pma: false });
    Ok(Some(Actor { account, token }))
}

/// The job's whole input (for kinds whose input is small by limit).
pub async fn input(state: &AppState, job_id: &str) -> DomainResult<Vec<u8>> {
    let mut all = Vec::new();
    let mut seq = 0;
    while let Some((next, data)) = jobs::input_after(&state.db.pool, job_id, seq).await? {
        all.extend_from_slice(&data);
        seq = next;
    }
    Ok(all)
}

/// The job, gated by the module its kind belongs to.
/// A job of the console's enterprise, behind its kind's module gate and,
/// for a token, the scope that can start a job of that kind.
pub async fn in_console(state: &AppState, c: &Console, id: &str) -> DomainResult<JobRow> {
    let row = jobs::by_id(&state.db.pool, &c.enterprise.id, id)
        .await
        .during(|| format!("reading job {id} of {}", c.enterprise.domain))?
        .ok_or(DomainError::NotFound("job"))?;
    let (module, scope) = match JobKind::parse(&row.kind) {
        Some(JobKind::Import) => (Module::Import, ApiScope::ImportsWrite),
        Some(JobKind::SendPending) => (Module::Invite, ApiScope::InvitationsWrite),
        _ => (Module::BulkInvite, ApiScope::InvitationsWrite),
    };
    c.require(module)?;
    c.actor.require_scope(scope)?;
    Ok(row)
}

/// The lines a job could not take, as CSV (`row,email,error`), every cell safe to open in a spreadsheet.
pub async fn errors_csv(state: &AppState, row: &JobRow) -> DomainResult<Vec<u8>> {
    let outcome = if row.kind == JobKind::Import.as_str() { "error" } else { "invalid" };
    let mut out = csv::Writer::from_writer(Vec::new());
    let write =
        |out: &mut csv::Writer<Vec<u8>>, cells: [String; 3]| out.write_record(cells).map_err(anyhow::Error::new);
    write(&mut out, ["row".into(), "email".into(), "error".into()])?;
    let mut after = 0;
    loop {
        let rows = jobs::results_with(&state.db.pool, &row.id, outcome, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            let line = r.line.map(|l| l.to_string()).unwrap_or_default();
            write(
                &mut out,
                [line, spreadsheet_safe(&r.email.unwrap_or_default()), spreadsheet_safe(&r.detail.unwrap_or_default())],
            )?;
        }
    }
    Ok(out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}
