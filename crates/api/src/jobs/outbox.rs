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
const BATCH: i64 = 50;

pub async fn run(state: Shared) {
    loop {
        match deliver_due(&state).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), "outbox pass failed"),
        }
        tokio::select! {
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(state.config.worker_tick) => {}
        }
    }
}

/// One pass: returns how many mails it tried.
pub async fn deliver_due(state: &Shared) -> anyhow::Result<usize> {
    let now = now_ms();
    let due = outbox::due(&state.db.pool, now, BATCH).await?;
    let tried = due.len();
    for mail in due {
        if !outbox::lock(&state.db.pool, &mail.id, now_ms(), now_ms() + LOCK.as_millis() as i64).await? {
            continue;
        }
        match state.mailer.send(&state.config.mail_from, &mail.to_addr, &mail.subject, &mail.body_text).await {
            Ok(()) => {
                outbox::mark_sent(&state.db.pool, &mail.id, now_ms()).await?;
                tracing::debug!(id = %mail.id, kind = %mail.kind, "mail delivered");
            }
            Err(e) => {
                let wait = backoff(Duration::from_secs(2), mail.attempts as u32, Duration::from_secs(600));
                tracing::warn!(id = %mail.id, kind = %mail.kind, attempts = mail.attempts + 1, retry_in_s = wait.as_secs(), error = format!("{e:#}"), "mail delivery failed");
                outbox::mark_failed(&state.db.pool, &mail.id, &format!("{e:#}"), now_ms() + wait.as_millis() as i64)
                    .await?;
            }
        }
    }
    Ok(tried)
}
