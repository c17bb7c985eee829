//! Background workers that run inside every API process. Each claims its work
//! in the database, so several replicas never do the same thing twice.

pub mod domain_checks;
pub mod outbox;
pub mod runner;

use std::time::Duration;

use crate::state::Shared;

/// Starts the workers; they stop when the returned handles are aborted.
pub fn spawn_all(state: Shared) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(outbox::run(state.clone())),
        tokio::spawn(domain_checks::run(state.clone())),
        tokio::spawn(crate::services::directory::schedule::keep_slots(state.clone())),
        tokio::spawn(crate::state::prune_limits(state.clone())),
        tokio::spawn(runner::run(state)),
    ]
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
