//! One sync run, start to finish: read the directory, plan the changes,
//! check the safeguards, then — unless it is a dry run — apply them in one
//! transaction. The parts live next door: `read` (paged LDAP searches into a
//! snapshot), `plan` (the pure diff against the members and lists),
//! `safeguard` (when a run must not write) and `apply` (the writes).
//!
//! Nothing is written until the directory has been read to the end: a search
//! that stops early fails the run, and a run that would suspend too many
//! people, or sees far fewer entries than the last good run, is `blocked`.

use muster_model::{Module, SyncCounts};
use serde_json::json;

use super::{
    apply::{apply, write_results},
    plan::{diff, AdminGuard},
    read::read,
    safeguard::safeguard,
};
use crate::services::jobs::SyncOptions;
use crate::store::distribution_lists;
use crate::{
    services::access::Actor,
    services::error::{DomainError, DomainResult},
    services::{audit, mail},
    state::{AppState, Shared},
    store::{
        audit as audit_store, directory, enterprises, enterprises::EnterpriseRow, jobs, jobs::JobRow, now_ms, outbox,
    },
};

pub async fn execute(shared: &Shared, job: &JobRow) -> DomainResult<SyncCounts> {
    let state: &AppState = shared;
    let e = enterprises::by_id(&state.db.pool, &job.enterprise_id).await?.ok_or(DomainError::NotFound("enterprise"))?;
    // A scheduled run meets the same gate as a request: verified domain, plan with the module.
    crate::services::access::module_open(&e, Module::DirectorySync)?;
    let actor = crate::services::jobs::actor_of(state, job).await?;
    let loaded = super::load(state, &e.id)
        .await?
        .ok_or_else(|| DomainError::Validation("Directory Sync is not configured any more.".into()))?;
    let settings = loaded.settings;
    let dry_run = job.dry_run != 0;
    if let Some(total) = loaded.row.last_good_entries {
        jobs::set_total(&state.db.pool, &job.id, total).await?;
    }

    let started = std::time::Instant::now();
    // The members load while the directory is read.
    let (snapshot, current) =
        tokio::join!(read(state, job, &settings, loaded.password), directory::members(&state.db.pool, &e.id));
    let read_ms = started.elapsed().as_millis() as u64;
    let snapshot = match snapshot {
        Ok(s) => s,
        // A base DN that does not exist must never read as "everyone left".
        Err(f) if f.code == "no_such_base_dn" => {
            let tx = state.db.pool.begin().await?;
            return finish_blocked(state, tx, job, &e, actor.as_ref(), SyncCounts::default(), f.message).await;
        }
        Err(f) => return Err(DomainError::Unavailable(f.message)),
    };
    let current = current?;
    let started = std::time::Instant::now();
    let lists = distribution_lists::all_lists(&state.db.pool, &e.id).await?;
    let list_members = distribution_lists::lists_with_members(&state.db.pool, state.db.backend, &e.id).await?;
    let guard = AdminGuard::load(state, &e.id, loaded.row.saved_by.as_deref()).await?;
    let mut plan = diff(&e, &snapshot, &current, &lists, &list_members, &guard);

    let options: SyncOptions = crate::services::jobs::options_of(job);
    let last_good = loaded.row.last_good_entries.filter(|_| !options.accept_smaller_directory);
    let blocked = safeguard(&settings, last_good, &snapshot, &current, &plan);
    let diff_ms = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    let timings = |write_ms: u64| json!({"read_ms": read_ms, "diff_ms": diff_ms, "write_ms": write_ms}).to_string();
    if let Some(why) = blocked {
        let mut tx = state.db.pool.begin().await?;
        write_results(state, &mut tx, job, std::mem::take(&mut plan.results)).await?;
        directory::set_timings(&mut *tx, &job.id, &timings(started.elapsed().as_millis() as u64)).await?;
        return finish_blocked(state, tx, job, &e, actor.as_ref(), plan.counts, why).await;
    }

    let mut tx = state.db.pool.begin().await?;
    let now = now_ms();
    if !dry_run {
        enterprises::lock_for_update(&mut *tx, &e.id).await?;
        apply(state, &mut tx, &e, actor.as_ref(), &settings, &snapshot, &mut plan, now).await?;
        directory::set_last_good(&mut *tx, &e.id, snapshot.entries as i64).await?;
        if !plan.spared_admins.is_empty() {
            if let Some((_, pma)) = enterprises::pma(&mut *tx, &e.id).await? {
                let m = mail::admins_spared_by_sync(&pma, &state.config.public_url, &e, &plan.spared_admins);
                outbox::enqueue(&mut *tx, &m, now).await?;
            }
        }
    }
    let counts = plan.counts;
    write_results(state, &mut tx, job, std::mem::take(&mut plan.results)).await?;
    directory::set_timings(&mut *tx, &job.id, &timings(started.elapsed().as_millis() as u64)).await?;
    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    jobs::finish_with(&mut *tx, &job.id, "succeeded", &counts_json, None, snapshot.entries as i64, now_ms()).await?;
    crate::services::jobs::finished_event(&mut tx, job, "succeeded", &counts, None, now_ms()).await?;
    let action = if dry_run { "directory_sync.dry_run" } else { "directory_sync.applied" };
    audit_store::record(
        &mut *tx,
        &audit::by(actor.as_ref(), &e.id, action, None, json!({"run": job.id, "counts": counts})),
        now,
    )
    .await?;
    tx.commit().await?;
    state.forget_progress(&job.id);
    if !dry_run && settings.send_invitations && counts.invited > 0 {
        state.wake_outbox();
    }
    Ok(counts)
}

/// Ends a run the safeguards stopped, in the transaction that holds its diff.
async fn finish_blocked(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    job: &JobRow,
    e: &EnterpriseRow,
    actor: Option<&Actor>,
    counts: SyncCounts,
    why: String,
) -> DomainResult<SyncCounts> {
    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    jobs::finish(&mut *tx, &job.id, "blocked", &counts_json, Some(&why), now_ms()).await?;
    crate::services::jobs::finished_event(&mut tx, job, "blocked", &counts, Some(&why), now_ms()).await?;
    let details = json!({"run": job.id, "reason": why});
    audit_store::record(&mut *tx, &audit::by(actor, &e.id, "directory_sync.blocked", None, details), now_ms()).await?;
    tx.commit().await?;
    state.forget_progress(&job.id);
    tracing::warn!(job = %job.id, enterprise = %e.id, reason = %why, "directory sync blocked by a safeguard");
    Ok(counts)
}
