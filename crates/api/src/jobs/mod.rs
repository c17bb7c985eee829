//! Background workers that run inside every API process. Each claims its work
//! in the database, so several replicas never do the same thing twice.

pub mod domain_checks;
pub mod outbox;
pub mod runner;
pub mod sms;

/// Delivers queued webhook events (see `services::webhooks`).
async fn deliver_webhooks(state: Shared) {
    let pass = || crate::services::webhooks::deliver_due(&state);
    keep_working("webhooks", &state.webhooks_wake, state.config.worker_tick, pass).await
}

use std::time::Duration;

use crate::state::Shared;

/// Starts the workers; they stop when the returned handles are aborted.
pub fn spawn_all(state: Shared) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(outbox::run(state.clone())),
        tokio::spawn(sms::run(state.clone())),
        tokio::spawn(deliver_webhooks(state.clone())),
        tokio::spawn(domain_checks::run(state.clone())),
        tokio::spawn(crate::services::directory::schedule::keep_slots(state.clone())),
        tokio::spawn(crate::state::prune_limits(state.clone())),
        tokio::spawn(runner::run(state)),
    ]
}

/// A worker's loop: runs `pass` again at once while it says more work is
/// waiting, else sleeps until `wake` is notified or a tick passes. A failed
/// pass is logged and tried again on the next tick.
pub async fn keep_working<F, Fut>(worker: &str, wake: &tokio::sync::Notify, tick: Duration, mut pass: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    loop {
        match pass().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), worker, "a worker pass failed"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// Exponential backoff: `base * 2^attempt`, capped.
pub fn backoff(base: Duration, attempt: u32, cap: Duration) -> Duration {
    base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX)).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(2), 0, s(600)), s(2));
        assert_eq!(backoff(s(2), 3, s(600)), s(16));
        assert_eq!(backoff(s(2), 40, s(600)), s(600));
    }
}
