//! The job worker: claims one job at a time with a lease (another replica
//! never runs the same job; a job whose process died is claimed again when
//! its lease runs out) and runs it. A failure marks the job failed with the
//! reason in words; the kinds write all-or-nothing, so a failed or dead run
//! leaves nothing half-written.

use muster_model::JobKind;

use crate::{
    services::error::DomainError,
    services::{bulk_invite, directory, enrollment, import, jobs as job_service},
    state::Shared,
    store::{jobs, now_ms, Backend},
};

pub async fn run(state: Shared) {
    super::keep_working("jobs", &state.jobs_wake, state.config.worker_tick, || run_one(&state)).await
}

/// Claims and runs one job; false when there was none.
pub async fn run_one(state: &Shared) -> anyhow::Result<bool> {
    let now = now_ms();
    let mut conn = state.db.pool.acquire().await?;
    let Some(job) = jobs::claim(&mut conn, state.db.backend, now, now + state.lease_ms()).await? else {
        return Ok(false);
    };
    drop(conn);
    tracing::info!(job = %job.id, kind = %job.kind, attempt = job.attempts, "job started");
    // Replicas share PostgreSQL only: on SQLite one process runs its jobs one at a time, so nobody
    // could claim a running job, and a running import holds the writer the heartbeat would wait for.
    let _heartbeat = (state.db.backend == Backend::Postgres).then(|| Heartbeat::start(state, &job.id));
    let outcome = match JobKind::parse(&job.kind) {
        Some(JobKind::BulkInvite) => bulk_invite::execute(state, &job).await.map(|_| ()),
        Some(JobKind::SendPending) => enrollment::send_pending_run(state, &job).await.map(|_| ()),
        Some(JobKind::Import) => import::execute(state, &job).await.map(|_| ()),
        Some(JobKind::DirectorySync) => directory::engine::execute(state, &job).await.map(|_| ()),
        None => Err(DomainError::Validation(format!("jobs of kind {} cannot run here", job.kind))),
    };
    match outcome {
        Ok(()) => tracing::info!(job = %job.id, "job succeeded"),
        Err(e) => {
            let why = match &e {
                DomainError::Internal(inner) => {
                    tracing::error!(job = %job.id, error = format!("{inner:#}"), "job failed");
                    "The job stopped on an internal error; it has been logged.".to_string()
                }
                other => other.to_string(),
            };
            let counts = serde_json::to_string(&job_service::counts_of(&job))?;
            let mut tx = state.db.pool.begin().await?;
            jobs::finish(&mut *tx, &job.id, "failed", &counts, Some(&why), now_ms()).await?;
            job_service::finished_event(&mut tx, &job, "failed", &job_service::counts_of(&job), Some(&why), now_ms())
                .await?;
            tx.commit().await?;
        }
    }
    // The upload has served its job, whatever the outcome (a dead process's
    // job keeps it: it is claimed and run again).
    let deleted = jobs::delete_input(&state.db.pool, &job.id).await?;
    tracing::debug!(job = %job.id, chunks = deleted, "job input deleted");
    Ok(true)
}

/// Renews a job's lease while it runs, whatever its kind (another replica
/// would otherwise claim it again once the lease ran out, and run it twice),
/// with the live line count when the job reports one; stops when dropped.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(state: &Shared, job_id: &str) -> Self {
        let (state, job_id) = (state.clone(), job_id.to_string());
        let every = std::time::Duration::from_millis((state.lease_ms() / 3).max(200) as u64);
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let lease = now_ms() + state.lease_ms();
                let processed = state.progress_of(&job_id);
                if let Err(e) = jobs::renew_lease(&state.db.pool, &job_id, processed, lease).await {
                    tracing::warn!(job = %job_id, error = %e, "could not renew the job's lease");
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}
