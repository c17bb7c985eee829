//! A domain check and its outcome: run the DNS and meta-tag checks, store the
//! new status, close the other claims when this one verifies first (or close
//! this one when another did), audit and mail the transition.

use crate::services::webhooks;
use muster_model::WebhookEvent;
use muster_model::{DomainStatus, VerificationMethod, VerificationResult};
use serde_json::json;

use crate::{
    services::access::Actor,
    services::error::{DomainError, DomainResult},
    services::{audit, mail, verification},
    state::AppState,
    store::{self, audit as audit_store, claims, enterprises, enterprises::EnterpriseRow, now_ms, outbox},
};

/// Runs the checks and stores the outcome; used by "Check now" and the background checker.
pub async fn check_domain(
    state: &AppState,
    e: &EnterpriseRow,
    method: Option<VerificationMethod>,
    trigger: verification::Trigger,
    actor: Option<&Actor>,
) -> DomainResult<VerificationResult> {
    let Some(token) = e.verification_token.as_deref() else {
        // Contract enterprises are assigned their domain: nothing to check.
        let status = e.domain_status;
        return Ok(verification::result(vec![], status, now_ms()));
    };
    let checks = verification::run_checks(state, &e.domain, token, method).await;
    let ok = checks.iter().any(|c| c.verified);
    let now = now_ms();
    let draft = verification::result(checks.clone(), DomainStatus::Unverified, now);
    let (mut next, transition) =
        verification::next_state(e, ok, trigger, now, &verification::Timing::from(state), String::new());
    let status = DomainStatus::parse(&next.domain_status).unwrap_or(DomainStatus::Unverified);
    let result = VerificationResult { domain_status: status, ..draft };
    next.last_check = serde_json::to_string(&result).map_err(anyhow::Error::new)?;
    let mut tx = state.db.pool.begin().await?;
    if transition == verification::Transition::Verified {
        claims::lock_domain(&mut tx, state.db.backend, &e.domain).await?;
    }
    let lost = match enterprises::save_verification(&mut *tx, &e.id, &next, now).await {
        Ok(saved) => !saved,
        // Another claim verified first (perhaps on another replica, this very moment).
        Err(err) if store::is_unique_violation(&err) && transition == verification::Transition::Verified => true,
        Err(err) => return Err(err.into()),
    };
    if lost {
        drop(tx);
        return lost_the_domain(state, e, trigger, now).await;
    }
    let mut closed = Vec::new();
    if transition == verification::Transition::Verified {
        closed = claims::close_claims(&mut tx, &e.domain, Some(&e.id), "taken", now).await?;
        for (_, claimant) in &closed {
            outbox::enqueue(&mut *tx, &mail::claim_closed(claimant, &state.config.public_url, &e.domain), now).await?;
        }
    }
    let action = match (transition, trigger) {
        (verification::Transition::Verified, _) => Some("domain.verified"),
        (verification::Transition::AtRisk, _) => Some("domain.at_risk"),
        (verification::Transition::Recovered, _) => Some("domain.recovered"),
        (verification::Transition::Lapsed, _) => Some("domain.unverified"),
        (verification::Transition::None, verification::Trigger::Manual) => Some("domain.checked"),
        (verification::Transition::None, verification::Trigger::Background) => None,
    };
    if let Some(action) = action {
        let details =
            json!({"trigger": format!("{trigger:?}").to_lowercase(), "checks": checks, "claims_closed": closed.len()});
        audit_store::record(&mut *tx, &audit::by(actor, &e.id, action, Some(&e.domain), details), now).await?;
    }
    if transition != verification::Transition::None {
        let data = json!({"domain": e.domain, "status": status.as_str(), "previous": e.domain_status.as_str()});
        webhooks::queue(&mut tx, &e.id, WebhookEvent::DomainStatusChanged, data, now).await?;
    }
    if let Some((subject, text)) = transition_mail(state, e, transition, &checks) {
        if let Some(pma) = enterprises::pma_email(&mut *tx, &e.id).await? {
            outbox::enqueue(&mut *tx, &mail::domain_event(&pma, &state.config.public_url, &e.id, subject, text), now)
                .await?;
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(result)
}

/// This claim verified, but another holds the domain now: it closes, and its
/// claimant is told (never who won).
async fn lost_the_domain(
    state: &AppState,
    e: &EnterpriseRow,
    trigger: verification::Trigger,
    now: i64,
) -> DomainResult<VerificationResult> {
    let mut tx = state.db.pool.begin().await?;
    // Closed here, or already by the winner's commit (which mailed the claimant then).
    if claims::close(&mut *tx, &e.id, "taken", now).await? {
        if let Some(claimant) = enterprises::pma_email(&mut *tx, &e.id).await? {
            outbox::enqueue(&mut *tx, &mail::claim_closed(&claimant, &state.config.public_url, &e.domain), now).await?;
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    tracing::info!(enterprise = %e.id, domain = %e.domain, "claim closed: another claim verified first");
    match trigger {
        verification::Trigger::Manual => Err(DomainError::conflict(
            "domain_taken",
            format!("Another claim of {} was verified first; this claim is closed.", e.domain),
        )),
        verification::Trigger::Background => Ok(verification::result(vec![], DomainStatus::Unverified, now)),
    }
}

fn transition_mail(
    state: &AppState,
    e: &EnterpriseRow,
    transition: verification::Transition,
    checks: &[muster_model::CheckOutcome],
) -> Option<(String, String)> {
    let seen = checks.iter().map(|c| format!("- {}: {}", c.method, c.detail)).collect::<Vec<_>>().join("\n");
    let grace_days = state.config.domain_grace.as_secs() as f64 / 86_400.0;
    let d = &e.domain;
    match transition {
        verification::Transition::Verified => Some((format!("{d} is verified"), format!("{d} is verified. The admin console is open."))),
        verification::Transition::AtRisk => Some((
            format!("Action needed: {d} could not be re-verified"),
            format!(
                "The daily check no longer finds the verification token for {d}:\n{seen}\n\n\
                 Put the TXT record or meta tag back within {grace_days:.0} day(s), or the domain becomes unverified \
                 and the console closes. Members and seats are not changed."
            ),
        )),
        verification::Transition::Recovered => Some((format!("{d} is verified again"), format!("The verification token for {d} is back. Nothing else changed."))),
        verification::Transition::Lapsed => Some((
            format!("{d} is no longer verified"),
            format!("The grace period ended without the verification token for {d}:\n{seen}\n\nVerify the domain again to reopen the console. Members and seats were not changed."),
        )),
        verification::Transition::None => None,
    }
}
