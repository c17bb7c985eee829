//! Delivers queued SMS. A message is locked for a minute while one worker
//! sends it; a failure is retried with exponential backoff (from
//! `MUSTER_SMS_RETRY_SECONDS`, at most a minute apart) until its code
//! expires, after which sending it would only cost money.

use std::time::Duration;

use crate::{integrations::sms::Sms, jobs::backoff, state::Shared, store::sms_outbox};

const LOCK: Duration = Duration::from_secs(60);
const BATCH: i64 = 50;

pub async fn run(state: Shared) {
    let pass = || async { Ok(deliver_due(&state).await? as i64 == BATCH) };
    super::keep_working("sms", &state.sms_wake, state.config.worker_tick, pass).await
}

/// One pass: claims a batch and sends it, one message at a time (a gateway
/// is rarely in a hurry, and this keeps the order people asked in).
pub async fn deliver_due(state: &Shared) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let due = sms_outbox::claim_due(&state.db.pool, now, now + LOCK.as_millis() as i64, BATCH).await?;
    let tried = due.len();
    for sms in due {
        if state.clock.now_ms() >= sms.expires_at {
            tracing::warn!(id = %sms.id, kind = %sms.kind, attempts = sms.attempts, "SMS given up: its code expired before the gateway took it");
            sms_outbox::mark_expired(&state.db.pool, &sms.id, state.clock.now_ms()).await?;
            continue;
        }
        match state.sms.send(&Sms { to: &sms.to_phone, body: &sms.body_text, id: &sms.id }).await {
            Ok(()) => sms_outbox::mark_sent(&state.db.pool, &sms.id, state.clock.now_ms()).await?,
            Err(e) => {
                let wait = backoff(state.config.sms_retry, sms.attempts as u32, Duration::from_secs(60));
                tracing::warn!(id = %sms.id, kind = %sms.kind, attempts = sms.attempts + 1, retry_in_s = wait.as_secs(), error = format!("{e:#}"), "SMS delivery failed");
                let next = state.clock.now_ms() + wait.as_millis() as i64;
                sms_outbox::mark_failed(&state.db.pool, &sms.id, &format!("{e:#}"), next).await?;
            }
        }
    }
    Ok(tried)
}
