//! Everything a request handler or worker needs, built once at start.

use std::{num::NonZeroU32, sync::Arc};

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
    /// Wakes the outbox worker right after a commit that queued mail.
    pub outbox_wake: Notify,
    /// Wakes the job worker when a job is queued.
    pub jobs_wake: Notify,
}

/// Per-process buckets: losing them on restart is harmless (DESIGN §1).
pub struct RateLimits {
    pub login_per_ip: DefaultKeyedRateLimiter<String>,
    pub login_per_account: DefaultKeyedRateLimiter<String>,
    pub signup_per_ip: DefaultKeyedRateLimiter<String>,
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("max(1) is non-zero"));
        Self {
            // An office behind one NAT shares an IP: allow several people's worth.
            login_per_ip: RateLimiter::keyed(per_minute(config.login_per_minute.saturating_mul(5))),
            login_per_account: RateLimiter::keyed(per_minute(config.login_per_minute)),
            signup_per_ip: RateLimiter::keyed(per_minute(config.signup_per_minute)),
        }
    }
}

impl AppState {
    pub fn wake_outbox(&self) {
        self.outbox_wake.notify_one();
    }

    pub fn wake_jobs(&self) {
        self.jobs_wake.notify_one();
    }
}
