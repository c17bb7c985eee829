//! Everything a request handler or worker needs, built once at start.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Notify;

use crate::{
    clock::Clock,
    config::Config,
    integrations::{dns::Dns, mailer::Mailer, sms::SmsGateway, web::PageFetcher},
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
    pub sms: SmsGateway,
    /// What one-time codes are judged by (tests move it forward).
    pub clock: Clock,
    pub limits: RateLimits,
    /// Bounds concurrent argon2 hashes (see `services::passwords`).
    pub hashing: tokio::sync::Semaphore,
    /// Wakes the outbox worker right after a commit that queued mail.
    pub outbox_wake: Notify,
    /// Wakes the SMS worker right after a commit that queued a message.
    pub sms_wake: Notify,
    /// Wakes the webhook worker when a delivery is queued for now.
    pub webhooks_wake: Notify,
    /// Wakes the job worker when a job is queued.
    pub jobs_wake: Notify,
    /// Tells this replica's sync scheduler that a schedule changed.
    pub schedules_wake: Notify,
    /// Rows processed by jobs running in this process. An import holds its
    /// transaction open, and on SQLite that blocks writing progress to the row.
    pub job_progress: Mutex<HashMap<String, i64>>,
    /// Uploads this process is receiving, per enterprise (see `services::jobs::reserve`).
    pub uploading: Mutex<HashMap<String, usize>>,
}

/// Per-process buckets: losing them on restart is harmless (DESIGN §1).
/// Keys are bounded (validated emails, addresses grouped by /64, ids) and
/// the maps are pruned every minute, so no caller can grow them without end.
pub struct RateLimits {
    /// Credential stuffing from one address across many accounts.
    pub login_per_ip: DefaultKeyedRateLimiter<String>,
    /// One account from one address: `MUSTER_LOGIN_PER_MINUTE`.
    pub login_per_account_address: DefaultKeyedRateLimiter<String>,
    /// One account from everywhere, ten times looser: an attacker's failures
    /// from other addresses never lock the owner out of their own.
    pub login_per_account: DefaultKeyedRateLimiter<String>,
    pub signup_per_ip: DefaultKeyedRateLimiter<String>,
    /// Second-step codes (log in with MFA) from one address.
    pub mfa_per_ip: DefaultKeyedRateLimiter<String>,
    /// Directory test connection and browse, per enterprise (a probe of the network).
    pub directory_probe: DefaultKeyedRateLimiter<String>,
    /// Requests per API token (DESIGN §9).
    pub token_requests: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero"));
        Self {
            // An office behind one NAT shares an IP: allow several people's worth.
            login_per_ip: RateLimiter::keyed(per_minute(config.login_per_minute.saturating_mul(5))),
            login_per_account_address: RateLimiter::keyed(per_minute(config.login_per_minute)),
            login_per_account: RateLimiter::keyed(per_minute(config.login_per_minute.saturating_mul(10))),
            signup_per_ip: RateLimiter::keyed(per_minute(config.signup_per_minute)),
            mfa_per_ip: RateLimiter::keyed(per_minute(config.login_per_minute.saturating_mul(5))),
            directory_probe: RateLimiter::keyed(per_minute(config.directory_probe_per_minute)),
            token_requests: RateLimiter::keyed(per_minute(config.token_requests_per_minute)),
        }
    }

    /// A password attempt for `account` (a validated, lower-cased email) from `ip`.
    pub fn password_attempt(&self, account: &str, ip: &str) -> bool {
        self.login_per_ip.check_key(&ip.to_string()).is_ok()
            && self.login_per_account_address.check_key(&format!("{account}|{ip}")).is_ok()
            && self.login_per_account.check_key(&account.to_string()).is_ok()
    }

    /// One request with the token `id`: `Err` says how long until the next is allowed.
    pub fn token_request(&self, id: &str) -> Result<(), std::time::Duration> {
        use governor::clock::{Clock, DefaultClock};
        self.token_requests
            .check_key(&id.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Drops the buckets that are back to full (what a new key would get).
    pub fn prune(&self) {
        for limiter in [
            &self.login_per_ip,
            &self.login_per_account_address,
            &self.login_per_account,
            &self.signup_per_ip,
            &self.mfa_per_ip,
            &self.directory_probe,
            &self.token_requests,
        ] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    pub fn len(&self) -> usize {
        self.login_per_ip.len()
            + self.login_per_account_address.len()
            + self.login_per_account.len()
            + self.signup_per_ip.len()
            + self.mfa_per_ip.len()
            + self.directory_probe.len()
            + self.token_requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every minute, forget the buckets nobody is using.
pub async fn prune_limits(state: Shared) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        state.limits.prune();
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

    pub fn wake_sms(&self) {
        self.sms_wake.notify_one();
    }

    pub fn wake_webhooks(&self) {
        self.webhooks_wake.notify_one();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_buckets_are_pruned() {
        let mut config = Config::from_sources(&HashMap::new(), &HashMap::new()).unwrap();
        config.login_per_minute = 60_000;
        let limits = RateLimits::new(&config);
        for i in 0..100 {
            assert!(limits.password_attempt(&format!("user{i}@example.test"), "192.0.2.1"));
        }
        assert!(limits.len() >= 200, "{}", limits.len());
        std::thread::sleep(std::time::Duration::from_millis(50));
        limits.prune();
        assert!(limits.is_empty(), "{} buckets left", limits.len());
    }
}
