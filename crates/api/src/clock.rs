//! The time one-time codes are judged by. It is the system clock, moved by an
//! offset that only tests set: a test steps a TOTP code's 30-second window or
//! an SMS code's 10 minutes forward instead of waiting for them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        crate::store::now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Epoch seconds.
    pub fn now_secs(&self) -> u64 {
        (self.now_ms() / 1000).max(0) as u64
    }

    /// Moves this clock forward (tests).
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_only_this_clock() {
        let clock = Clock::default();
        let before = clock.now_ms();
        clock.advance(Duration::from_secs(30));
        assert!(clock.now_ms() - before >= 30_000);
        assert!(Clock::default().now_ms() - before < 30_000);
    }
}
