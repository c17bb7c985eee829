//! Sync runs: queueing one (manual or a schedule slot), the history, one run
//! with its paged diff, and its CSV report.

use muster_model::{JobKind, JobProgress, SyncCounts, SyncRun, SyncRunPage, SyncStatus, SyncTrigger};
use serde_json::json;

use super::{not_configured, plan};
use crate::services::jobs::SyncOptions;
use crate::store::Page;
use crate::{
    services::access::Actor,
    services::access::Console,
    services::audit,
    services::error::{DomainError, DomainResult, During},
    state::AppState,
    store::{audit as audit_store, directory, jobs, jobs::JobRow, now_ms, rfc3339},
};

/// Queues a run. A manual run while another is queued or running is refused
/// (409); a scheduled slot already taken (by another replica) returns None.
pub async fn start(
    state: &AppState,
    enterprise_id: &str,
    actor: Option<&Actor>,
    dry_run: bool,
    accept_smaller: bool,
    trigger: SyncTrigger,
    scheduled_for: Option<i64>,
) -> DomainResult<Option<JobRow>> {
    if directory::config(&state.db.pool, enterprise_id).await?.is_none() {
        return Err(not_configured());
    }
    let _slot = match crate::services::jobs::reserve(state, enterprise_id).await {
        Err(e) if trigger == SyncTrigger::Schedule => {
            tracing::warn!(enterprise = enterprise_id, error = %e, "scheduled sync skipped: the job queue is full");
            return Ok(None);
        }
        other => other?,
    };
    let now = now_ms();
    let row = JobRow::queued(
        enterprise_id,
        actor.map(|a| a.id.as_str()).unwrap_or_default(),
        JobKind::DirectorySync.as_str(),
        dry_run,
        serde_json::to_string(&SyncOptions { trigger: Some(trigger), accept_smaller_directory: accept_smaller })
            .map_err(anyhow::Error::new)?,
        now,
    );
    let row = JobRow { created_by: actor.map(|a| a.id.clone()), ..row };
    let mut tx = state.db.pool.begin().await?;
    // Taking the enterprise row first serialises two starts on PostgreSQL too.
    crate::store::enterprises::lock_for_update(&mut *tx, enterprise_id).await?;
    if let Some(running) = directory::active_run(&mut *tx, enterprise_id).await? {
        return match trigger {
            SyncTrigger::Manual => Err(DomainError::conflict(
                "sync_running",
                format!("A sync is already queued or running (run {running}); wait for it to finish."),
            )),
            SyncTrigger::Schedule => {
                tracing::info!(enterprise = enterprise_id, running = %running, "scheduled sync skipped: the previous run is still going");
                Ok(None)
            }
        };
    }
    jobs::insert(&mut *tx, &row).await?;
    if !directory::insert_run(&mut *tx, &row.id, enterprise_id, trigger.as_str(), scheduled_for).await? {
        return Ok(None);
    }
    let action = if dry_run { "directory_sync.dry_run_started" } else { "directory_sync.started" };
    let event = audit::by(actor, enterprise_id, action, None, json!({"run": row.id, "trigger": trigger}));
    audit_store::record(&mut *tx, &event, now).await?;
    tx.commit().await?;
    state.wake_jobs();
    Ok(Some(row))
}

pub(super) fn counts_of(row: &JobRow) -> SyncCounts {
    serde_json::from_str(&row.counts).unwrap_or_default()
}

pub async fn run_view(
    state: &AppState,
    run: directory::RunRow,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<SyncRun> {
    let results = crate::services::jobs::results_page(state, &run.job.id, cursor, limit).await?;
    let job = run.job;
    let processed = crate::services::jobs::processed(state, &job);
    Ok(SyncRun {
        trigger: SyncTrigger::parse(&run.trigger).unwrap_or(SyncTrigger::Manual),
        dry_run: job.dry_run != 0,
        status: SyncStatus::parse(&job.status).unwrap_or(SyncStatus::Queued),
        progress: JobProgress { processed: processed.max(0) as u64, total: job.total.map(|t| t.max(0) as u64) },
        counts: counts_of(&job),
        diff: results.items.into_iter().map(plan::change_view).collect(),
        next_cursor: results.next_cursor,
        error: job.error,
        scheduled_for: run.scheduled_for.map(rfc3339),
        timings: run.timings.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        created_at: rfc3339(job.created_at),
        started_at: job.started_at.map(rfc3339),
        finished_at: job.finished_at.map(rfc3339),
        id: job.id,
    })
}

pub async fn runs(state: &AppState, c: &Console, cursor: Option<&str>, limit: i64) -> DomainResult<SyncRunPage> {
    let rows = directory::runs(&state.db.pool, &c.enterprise.id, cursor, limit + 1)
        .await
        .during(|| format!("reading the sync runs of {}", c.enterprise.domain))?;
    let page = Page::of(rows, limit, |r| r.job.id.clone());
    let mut items = Vec::with_capacity(page.items.len());
    for r in page.items {
        items.push(run_view(state, r, None, 0).await?);
    }
    Ok(SyncRunPage { items, next_cursor: page.next_cursor })
}

pub async fn run_detail(
    state: &AppState,
    c: &Console,
    id: &str,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<SyncRun> {
    let row = directory::run(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("sync run"))?;
    run_view(state, row, cursor, limit).await
}

/// The run's whole diff as CSV, safe to open in a spreadsheet.
pub async fn report(state: &AppState, c: &Console, id: &str) -> DomainResult<Vec<u8>> {
    let row = directory::run(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("sync run"))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let safe = crate::services::csv_import::spreadsheet_safe;
    out.write_record(["action", "email", "dn", "field", "before", "after", "detail"]).map_err(anyhow::Error::new)?;
    let mut after = 0;
    loop {
        let rows = jobs::results(&state.db.pool, &row.job.id, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            let change = plan::change_view(r);
            let base = [
                change.action.clone(),
                change.email.clone().unwrap_or_default(),
                change.dn.clone().unwrap_or_default(),
            ];
            let fields = muster_model::FieldChange::all_of(change.changes.as_ref());
            let detail = change.detail.clone().unwrap_or_default();
            if fields.is_empty() {
                let rec = [&base[0], &base[1], &base[2], "", "", "", &detail].map(safe);
                out.write_record(rec).map_err(anyhow::Error::new)?;
            }
            for f in fields {
                let rec = [&base[0], &base[1], &base[2], &f.field, &f.before, &f.after, &detail].map(|s| safe(s));
                out.write_record(rec).map_err(anyhow::Error::new)?;
            }
        }
    }
    Ok(out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}
