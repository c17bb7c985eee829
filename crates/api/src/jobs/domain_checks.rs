//! Background domain checks: after a claim, retries with backoff for 72 h;
//! for verified domains, the daily re-verification with `at_risk` and grace.
//! A replica takes a due check by moving its `next_check_at` (a lease), so
//! replicas never check the same domain at once. Once a minute, claims left
//! unverified past `MUSTER_CLAIM_TTL_DAYS` close.

use std::time::Duration;

use crate::{
    services::{domain_status, enterprises, verification::Trigger},
    state::Shared,
    store::{enterprises as store, now_ms},
};

const LEASE: Duration = Duration::from_secs(120);

const EXPIRY_EVERY: Duration = Duration::from_secs(60);

pub async fn run(state: Shared) {
    let mut last_expiry: Option<std::time::Instant> = None;
    loop {
        if let Err(e) = check_due(&state).await {
            tracing::warn!(error = format!("{e:#}"), "domain check pass failed");
        }
        if last_expiry.is_none_or(|t| t.elapsed() >= EXPIRY_EVERY) {
            last_expiry = Some(std::time::Instant::now());
            match enterprises::expire_claims(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(claims = n, "unverified claims expired"),
                Err(e) => tracing::warn!(error = %e, "claim expiry failed"),
            }
        }
        tokio::time::sleep(state.config.worker_tick).await;
    }
}

pub async fn check_due(state: &Shared) -> anyhow::Result<()> {
    let now = now_ms();
    for e in store::due_checks(&state.db.pool, now, 20).await? {
        let Some(seen) = e.next_check_at else {
            continue;
        };
        if !store::lease_check(&state.db.pool, &e.id, seen, now + LEASE.as_millis() as i64).await? {
            continue;
        }
        match domain_status::check_domain(state, &e, None, Trigger::Background, None).await {
            Ok(result) => {
                tracing::info!(enterprise = %e.id, domain = %e.domain, verified = result.verified, status = %result.domain_status, "background domain check")
            }
            Err(err) => {
                tracing::warn!(enterprise = %e.id, error = %err, "background domain check failed")
            }
        }
    }
    Ok(())
}
