//! Jobs as the API shows them, and their creation with the uploaded input.
//! The work of each kind lives with its feature (`bulk_invite`, `enrollment`).

use muster_model::{Job, JobCounts, JobKind, JobProgress, JobResult, JobStatus};

use crate::{
    services::error::{DomainError, DomainResult},
    state::AppState,
    store::{accounts::AccountRow, enterprises::EnterpriseRow, jobs, jobs::JobRow, now_ms, rfc3339},
};

/// Input is stored in chunks of this size, so no reader holds a file whole.
pub const CHUNK_BYTES: usize = 1024 * 1024;

pub fn counts_of(row: &JobRow) -> JobCounts {
    serde_json::from_str(&row.counts).unwrap_or_default()
}

pub async fn view(state: &AppState, row: JobRow, cursor: Option<&str>, limit: i64) -> DomainResult<Job> {
    let after = match cursor {
        None | Some("") => 0,
        Some(c) => {
            c.parse().map_err(|_| DomainError::field("invalid_cursor", "cursor is not one this API gave out"))?
        }
    };
    let mut rows = jobs::results(&state.db.pool, &row.id, after, limit + 1).await?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    let processed = match state.progress_of(&row.id) {
        Some(live) if row.status == "running" => live.max(row.processed),
        _ => row.processed,
    };
    Ok(Job {
        kind: JobKind::parse(&row.kind).unwrap_or(JobKind::BulkInvite),
        status: JobStatus::parse(&row.status).unwrap_or(JobStatus::Queued),
        dry_run: row.dry_run != 0,
        progress: JobProgress { processed: processed.max(0) as u64, total: row.total.map(|t| t.max(0) as u64) },
        counts: counts_of(&row),
        results: rows
            .into_iter()
            .map(|r| JobResult {
                line: r.line.map(|l| l as u64),
                email: r.email,
                outcome: r.outcome,
                detail: r.detail,
                changes: r.changes.and_then(|c| serde_json::from_str(&c).ok()),
            })
            .collect(),
        next_cursor,
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
        return Err(DomainError::QuotaExceeded {
            code: "too_many_queued_jobs",
            detail: format!(
                "{} jobs are already waiting to run (at most {max}); wait for them to finish.",
                queued + *in_flight as i64
            ),
        });
    }
    *in_flight += 1;
    Ok(Slot { state, enterprise_id: enterprise_id.to_string() })
}

/// Queues a job with its input (already read and checked) in one transaction,
/// in the queue place the caller reserved.
pub async fn create(
    slot: Slot<'_>,
    e: &EnterpriseRow,
    actor: &AccountRow,
    kind: JobKind,
    dry_run: bool,
    options: serde_json::Value,
    input: &[u8],
) -> DomainResult<JobRow> {
    let state = slot.state;
    let row = JobRow::queued(&e.id, &actor.id, kind.as_str(), dry_run, options.to_string(), now_ms());
    let mut tx = state.db.pool.begin().await?;
    jobs::insert(&mut *tx, &row).await?;
    for (seq, chunk) in input.chunks(CHUNK_BYTES).enumerate() {
        jobs::insert_input(&mut *tx, &row.id, seq as i64 + 1, chunk).await?;
    }
    tx.commit().await?;
    state.wake_jobs();
    Ok(row)
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
