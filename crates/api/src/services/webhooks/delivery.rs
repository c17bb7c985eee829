//! The delivery worker's pass: claims due deliveries, signs and posts each
//! (Standard Webhooks), records the attempt, and turns off an endpoint that
//! has failed for 24 hours (the PMA is mailed).

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::RETRY_WINDOW_MS;
use crate::{
    integrations::webhook_post::{self, Posted, Signed},
    jobs::backoff,
    services::{audit, crypto},
    state::AppState,
    store::{
        audit as audit_store, enterprises, now_ms, outbox,
        webhooks::{self as store, Attempt, DeliveryRow, WebhookRow},
    },
};

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the endpoint's key.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// One pass of the delivery worker: claims due deliveries and attempts each;
/// true when a full batch was claimed (more may be waiting).
pub async fn deliver_due(state: &AppState) -> anyhow::Result<bool> {
    const BATCH: i64 = 20;
    let now = now_ms();
    let lock = now + (webhook_post::TIMEOUT.as_millis() as i64) * 3;
    let due = store::claim_due(&state.db.pool, now, lock, BATCH).await?;
    let full = due.len() as i64 == BATCH;
    let attempts = due.into_iter().map(|d| attempt(state, d));
    futures_util::future::join_all(attempts).await.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    Ok(full)
}

/// A delivery that cannot be sent at all (no attempt is made).
fn not_sent(why: &str) -> Attempt {
    Attempt {
        state: "failed",
        next_attempt_at: None,
        status: None,
        error: Some(why.into()),
        duration_ms: 0,
        response: None,
    }
}

async fn attempt(state: &AppState, d: DeliveryRow) -> anyhow::Result<()> {
    let Some(hook) = store::by_id(&state.db.pool, &d.enterprise_id, &d.webhook_id).await? else {
        return Ok(store::record_attempt(&state.db.pool, &d.id, &not_sent("the endpoint was deleted"), now_ms()).await?);
    };
    if hook.enabled == 0 {
        // Turned off (by an admin, or after 24 h of failures): nothing more is posted; Retry once it is on again.
        let off = not_sent("the endpoint is turned off");
        return Ok(store::record_attempt(&state.db.pool, &d.id, &off, now_ms()).await?);
    }
    let key = crypto::open(&state.secrets.encryption_key, &hook.id, &hook.secret_sealed)?;
    let timestamp = now_ms() / 1000;
    let signature = sign(&key, &d.event_id, timestamp, &d.payload);
    let started = std::time::Instant::now();
    let signed = Signed { id: &d.event_id, timestamp, signature: &signature, body: &d.payload };
    let posted = webhook_post::post(&state.dns, state.config.webhook_allow_private, &hook.url, &signed).await;
    let duration_ms = started.elapsed().as_millis() as i64;
    let now = now_ms();
    let (ok, status, error, response) = match posted {
        Posted::Answered { status, excerpt } if (200..300).contains(&status) => (true, Some(status), None, excerpt),
        Posted::Answered { status, excerpt } => {
            (false, Some(status), Some(format!("the endpoint answered {status}")), excerpt)
        }
        Posted::Refused(why) | Posted::Failed(why) => (false, None, Some(why), None),
    };
    let next = backoff(state.config.webhook_retry, d.attempts.max(0) as u32, std::time::Duration::from_secs(3600));
    let retry_at = now + next.as_millis() as i64;
    let state_now = if ok {
        "delivered"
    } else if retry_at - d.created_at > RETRY_WINDOW_MS {
        "failed"
    } else {
        "pending"
    };
    let outcome = Attempt {
        state: state_now,
        next_attempt_at: (state_now == "pending").then_some(retry_at),
        status: status.map(i64::from),
        error,
        duration_ms,
        response,
    };
    tracing::info!(webhook = %hook.id, delivery = %d.id, event = %d.event_type, state = state_now, status = ?status, duration_ms, "webhook attempt");
    store::record_attempt(&state.db.pool, &d.id, &outcome, now).await?;
    if !ok {
        disable_if_failing_too_long(state, &hook, now).await?;
    }
    Ok(())
}

/// An endpoint without a success for 24 hours is turned off, and the PMA told.
async fn disable_if_failing_too_long(state: &AppState, hook: &WebhookRow, now: i64) -> anyhow::Result<()> {
    let Some(since) = store::failing_since(&state.db.pool, &hook.id).await? else { return Ok(()) };
    if now - since < RETRY_WINDOW_MS {
        return Ok(());
    }
    let reason = "failing for 24 hours without a successful delivery";
    let mut tx = state.db.pool.begin().await?;
    if store::disable(&mut *tx, &hook.id, reason, now).await? {
        let details = json!({"id": hook.id, "reason": reason});
        audit_store::record(
            &mut *tx,
            &audit::by(None, &hook.enterprise_id, "webhook.disabled", Some(&hook.url), details),
            now,
        )
        .await?;
        if let Some(pma) = enterprises::pma_email(&mut *tx, &hook.enterprise_id).await? {
            let mail = outbox::NewMail {
                to: pma,
                subject: "A Muster webhook was turned off".into(),
                body: format!(
                    "The webhook endpoint {} failed every delivery for 24 hours, so Muster turned it off.\n\n\
                     Fix the endpoint, then turn it back on in Integrations: {}/console/{}/integrations\n",
                    hook.url, state.config.public_url, hook.enterprise_id
                ),
                kind: "webhook",
                ref_id: Some(hook.id.clone()),
            };
            outbox::enqueue(&mut *tx, &mail, now).await?;
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference vector (standard-webhooks spec, "Signature scheme").
    #[test]
    fn signatures_follow_the_standard_webhooks_scheme() {
        let key = base64::engine::general_purpose::STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
