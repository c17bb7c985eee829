//! Delivers queued mail. A mail is locked for a minute while one worker sends
//! it; a failure is retried with exponential backoff (2 s … 10 min), forever:
//! an SMTP outage delays mail, it never loses it.

use std::time::Duration;

use crate::{
    jobs::backoff,
    state::Shared,
    store::{now_ms, outbox},
};

const LOCK: Duration = Duration::from_secs(60);
const BATCH: i64 = 200;
/// Mails in flight at once; the SMTP transport pools its connections.
const PARALLEL: usize = 8;

pub async fn run(state: Shared) {
    let pass = || async { Ok(deliver_due(&state).await? as i64 == BATCH) };
    super::keep_working("outbox", &state.outbox_wake, state.config.worker_tick, pass).await
}

/// One pass: claims a batch, sends up to `PARALLEL` at a time over the pooled
/// SMTP transport, and records the outcomes; returns how many it tried.
pub async fn deliver_due(state: &Shared) -> anyhow::Result<usize> {
    use futures_util::StreamExt;
    let now = now_ms();
    if !outbox::any_due(&state.db.pool, now).await? {
        return Ok(0);
    }
    let due = outbox::claim_due(&state.db.pool, now, now + LOCK.as_millis() as i64, BATCH).await?;
    let tried = due.len();
    let outcomes: Vec<_> = futures_util::stream::iter(due)
        .map(|mail| async move {
            let sent = state.mailer.send(&state.config.mail_from, &mail.to_addr, &mail.subject, &mail.body_text).await;
            (mail, sent)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut delivered = Vec::with_capacity(outcomes.len());
    for (mail, sent) in outcomes {
        match sent {
            Ok(()) => delivered.push(mail.id),
            Err(e) => {
                let wait = backoff(Duration::from_secs(2), mail.attempts as u32, Duration::from_secs(600));
                tracing::warn!(id = %mail.id, kind = %mail.kind, attempts = mail.attempts + 1, retry_in_s = wait.as_secs(), error = format!("{e:#}"), "mail delivery failed");
                outbox::mark_failed(&state.db.pool, &mail.id, &format!("{e:#}"), now_ms() + wait.as_millis() as i64)
                    .await?;
            }
        }
    }
    if !delivered.is_empty() {
        let mut conn = state.db.pool.acquire().await?;
        outbox::mark_all_sent(&mut conn, &delivered, now_ms()).await?;
        tracing::debug!(count = delivered.len(), "mail delivered");
    }
    Ok(tried)
}
