//! Everything a request handler or worker needs, built once at start.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;

use crate::{
    config::Config,
    integrations::{dns::Dns, mailer::Mailer, web::PageFetcher},
    secrets::Secrets,
    store::Db,
};

pub type Shared = Arc<AppState>;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub secrets: Secrets,
    pub dns: Dns,
    pub fetcher: PageFetcher,
    pub mailer: Mailer,
    pub limits: RateLimits,
    /// Bounds concurrent argon2 hashes (see `services::passwords`).
    pub hashing: tokio::sync::Semaphore,
    /// Wakes the outbox worker right after a commit that queued mail.
    pub outbox_wake: Notify,
    /// Wakes the job worker when a job is queued.
    pub jobs_wake: Notify,
    /// Tells this replica's sync scheduler that a schedule changed.
    pub schedules_wake: Notify,
    /// Rows processed by jobs running in this process. An import holds its
    /// transaction open, and on SQLite that blocks writing progress to the row.
    pub job_progress: Mutex<HashMap<String, i64>>,
}

/// Per-process buckets: losing them on restart is harmless (DESIGN §1).
pub struct RateLimits {
    pub login_per_ip: DefaultKeyedRateLimiter<String>,
    pub login_per_account: DefaultKeyedRateLimiter<String>,
    pub signup_per_ip: DefaultKeyedRateLimiter<String>,
    /// Directory test connection and browse, per enterprise (a probe of the network).
    pub directory_probe: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero"));
        Self {
            // An office behind one NAT shares an IP: allow several people's worth.
            login_per_ip: RateLimiter::keyed(per_minute(config.login_per_minute.saturating_mul(5))),
            login_per_account: RateLimiter::keyed(per_minute(config.login_per_minute)),
            signup_per_ip: RateLimiter::keyed(per_minute(config.signup_per_minute)),
            directory_probe: RateLimiter::keyed(per_minute(config.directory_probe_per_minute)),
        }
    }
}

impl AppState {
    /// Where directory connections may go.
    pub fn ldap_reach(&self) -> crate::integrations::ldap::Reach<'_> {
        crate::integrations::ldap::Reach { dns: &self.dns, allowlist: self.config.ldap_allowed_networks.as_ref() }
    }

    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    pub fn directory_schedules_changed(&self) {
        self.schedules_wake.notify_one();
    }

    /// Progress in memory only (callers that cannot wait for the database).
    pub fn note_progress(&self, job_id: &str, processed: i64) {
        self.job_progress.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.to_string(), processed);
    }

    pub fn wake_jobs(&self) {
        self.jobs_wake.notify_one();
    }

    /// Records progress in memory, and on PostgreSQL on the row too (outside
    /// the job's transaction), so any replica can report it.
    pub async fn report_progress(&self, job_id: &str, processed: i64) {
        self.job_progress.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.to_string(), processed);
        if self.db.backend == crate::store::Backend::Postgres {
            let lease = crate::store::now_ms() + self.lease_ms();
            if let Err(e) = crate::store::jobs::progress(&self.db.pool, job_id, processed, None, lease).await {
                tracing::warn!(job = job_id, error = %e, "could not record job progress");
            }
        }
    }

    pub fn lease_ms(&self) -> i64 {
        self.config.job_lease.as_millis() as i64
    }

    pub fn progress_of(&self, job_id: &str) -> Option<i64> {
        self.job_progress.lock().unwrap_or_else(|p| p.into_inner()).get(job_id).copied()
    }

    pub fn forget_progress(&self, job_id: &str) {
        self.job_progress.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id);
    }
}
