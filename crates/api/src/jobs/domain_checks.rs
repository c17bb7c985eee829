//! Background domain checks: after a claim, retries with backoff for 72 h;
//! for verified domains, the daily re-verification with `at_risk` and grace.
//! A replica takes a due check by moving its `next_check_at` (a lease), so
//! replicas never check the same domain at once.

use std::time::Duration;

use crate::{
    services::{enterprises, verification::Trigger},
    state::Shared,
    store::{enterprises as store, now_ms},
};

const LEASE: Duration = Duration::from_secs(120);

pub async fn run(state: Shared) {
    loop {
        if let Err(e) = check_due(&state).await {
            tracing::warn!(error = format!("{e:#}"), "domain check pass failed");
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
        match enterprises::check_domain(state, &e, None, Trigger::Background, None).await {
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
