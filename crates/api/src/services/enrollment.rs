//! Invite: many addresses in one transaction (10,000 in well under a
//! second), each with its own outcome; and the admin side of invitations:
//! list with delivery status, resend (rotates the token), revoke.

use std::collections::{HashMap, HashSet};

use crate::services::webhooks;
use muster_model::WebhookEvent;
use muster_model::{
    validate, DeliveryStatus, Invitation, InvitationPage, InvitationStatus, InviteCounts, InviteOutcome,
    InviteResponse, InviteResult, MemberSource, MemberState,
};
use serde_json::json;

use crate::store::Page;
use crate::{
    services::access::Actor,
    services::access::Console,
    services::error::{DomainError, DomainResult, During},
    services::{
        audit, crypto, mail,
        staged_invitations::{spend_invite_quota, StagedInvitations},
    },
    state::AppState,
    store::{
        self, audit as audit_store, enterprises, enterprises::EnterpriseRow, invitations, invitations::ListedRow,
        members, now_ms, outbox, rfc3339,
    },
};

pub const MAX_ADDRESSES: usize = 10_000;

/// Classifies every address, then writes all new members, invitations and
/// their mail in one transaction.
pub async fn invite(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    emails: &[String],
    send: bool,
) -> DomainResult<InviteResponse> {
    if emails.is_empty() {
        return Err(DomainError::field("no_addresses", "Enter at least one email address."));
    }
    if emails.len() > MAX_ADDRESSES {
        return Err(DomainError::field(
            "too_many_addresses",
            format!("At most {MAX_ADDRESSES} addresses per request; use Bulk Invite for more."),
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    let response = invite_in(&mut tx, state, &c.enterprise, actor, emails, send, MemberSource::Invite).await?;
    tx.commit().await?;
    if send {
        state.wake_outbox();
    }
    Ok(response)
}

/// The work of [`invite`] inside the caller's transaction (a job commits it
/// together with its results). Results come back in the order of `emails`.
pub async fn invite_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    e: &EnterpriseRow,
    actor: &Actor,
    emails: &[String],
    send: bool,
    source: MemberSource,
) -> DomainResult<InviteResponse> {
    let domain = e.domain.as_str();
    let mut results: Vec<InviteResult> = Vec::with_capacity(emails.len());
    let mut wanted: Vec<(usize, String)> = Vec::new();
    let mut seen = HashSet::new();
    for raw in emails {
        let result =
            |outcome, detail: Option<String>| InviteResult { email: raw.clone(), outcome, detail, invitation_id: None };
        match validate::Email::parse(raw) {
            Err(why) => results.push(result(InviteOutcome::Invalid, Some(why))),
            Ok(e) if e.domain() != domain => results
                .push(result(InviteOutcome::NotInDomain, Some(format!("Only addresses in {domain} can be invited.")))),
            Ok(e) if !seen.insert(e.as_str().to_string()) => results
                .push(result(InviteOutcome::AlreadyInvited, Some("Listed more than once in this request.".into()))),
            Ok(e) => {
                wanted.push((results.len(), e.into_inner()));
                results.push(result(InviteOutcome::Invited, None));
            }
        }
    }

    let now = now_ms();
    enterprises::lock_for_update(&mut **tx, &e.id).await?;
    let addresses: Vec<String> = wanted.iter().map(|(_, e)| e.clone()).collect();
    let existing: HashMap<String, members::MemberRow> =
        members::by_emails(tx, &e.id, &addresses).await?.into_iter().map(|m| (m.email.clone(), m)).collect();
    let mut new_members = Vec::new();
    let mut revived = Vec::new();
    let mut fresh = Vec::new();
    for (i, email) in &wanted {
        match existing.get(email).map(|m| m.state) {
            Some(MemberState::Invited) => {
                results[*i].outcome = InviteOutcome::AlreadyInvited;
                results[*i].detail = Some("An invitation is already pending; resend it from the list.".into());
            }
            Some(MemberState::Removed) => {
                revived.push(existing[email].id.clone());
                fresh.push((*i, existing[email].id.clone(), email.clone()));
            }
            Some(state) => {
                results[*i].outcome = InviteOutcome::AlreadyMember;
                results[*i].detail = Some(format!("Already a member ({state})."));
            }
            None => {
                let id = store::new_id();
                new_members.push(members::NewMember {
                    id: id.clone(),
                    email: email.clone(),
                    source,
                    profile: Default::default(),
                    directory_id: None,
                });
                fresh.push((*i, id, email.clone()));
            }
        }
    }
    // The daily limit is counted on the mails, when `staged.flush` queues them (so staging is free and
    // send-pending, resend, Import and Sync count the same way).
    let backend = state.db.backend;
    let created = new_members.iter().map(webhooks::member_created).collect::<Vec<_>>();
    webhooks::queue_all(tx, &e.id, WebhookEvent::MemberCreated, created, now).await?;
    members::insert_invited(tx, backend, &e.id, new_members, now).await?;
    if !revived.is_empty() {
        members::change_state(tx, &e.id, &revived, &[MemberState::Removed], MemberState::Invited, now).await?;
    }
    let mut staged = StagedInvitations::new(state, e, Some(actor), send, now);
    for (i, member_id, email) in &fresh {
        results[*i].invitation_id = Some(staged.add(member_id, email));
    }
    staged.flush(tx).await?;
    let mut counts = InviteCounts::default();
    for r in &results {
        counts.add(r.outcome);
    }
    let invited: Vec<&str> = fresh.iter().take(100).map(|(_, _, e)| e.as_str()).collect();
    let details = json!({"source": source.as_str(), "counts": counts, "send_invitations": send, "invited": invited});
    audit_store::record(&mut **tx, &audit::by(Some(actor), &e.id, "invitations.created", None, details), now).await?;
    Ok(InviteResponse { results, counts })
}

pub fn view(r: ListedRow, now: i64) -> Invitation {
    let status = match r.status.as_str() {
        "accepted" => InvitationStatus::Accepted,
        "revoked" => InvitationStatus::Revoked,
        _ if r.expires_at <= now => InvitationStatus::Expired,
        _ => InvitationStatus::Pending,
    };
    let delivery = match (&r.mail_id, r.mail_sent_at, r.mail_attempts.unwrap_or(0)) {
        (None, _, _) => DeliveryStatus::NotSent,
        (Some(_), Some(_), _) => DeliveryStatus::Sent,
        (Some(_), None, 0) => DeliveryStatus::Queued,
        (Some(_), None, _) => DeliveryStatus::Retrying,
    };
    Invitation {
        id: r.id,
        email: r.email,
        status,
        invited_by: r.invited_by_email,
        created_at: rfc3339(r.created_at),
        sent_at: r.sent_at.map(rfc3339),
        expires_at: rfc3339(r.expires_at),
        accepted_at: r.accepted_at.map(rfc3339),
        delivery,
        delivery_error: (delivery == DeliveryStatus::Retrying).then_some(r.mail_error).flatten(),
    }
}

pub async fn list(
    state: &AppState,
    c: &Console,
    status: Option<InvitationStatus>,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<InvitationPage> {
    let now = now_ms();
    let rows = invitations::list(
        &state.db.pool,
        &c.enterprise.id,
        status.map(InvitationStatus::as_str),
        cursor,
        now,
        limit + 1,
    )
    .await
    .during(|| format!("reading the invitations of {}", c.enterprise.domain))?;
    let page = Page::of(rows, limit, |r| r.id.clone());
    Ok(InvitationPage { items: page.items.into_iter().map(|r| view(r, now)).collect(), next_cursor: page.next_cursor })
}

/// Sends the invitation again with a new token (the old link stops working) and a new expiry.
pub async fn resend(state: &AppState, c: &Console, actor: &Actor, id: &str) -> DomainResult<Invitation> {
    let inv =
        invitations::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("invitation"))?;
    let now = now_ms();
    let (token, hash) = crypto::new_token();
    let expires_at = now + state.config.invite_ttl_hours as i64 * 3600 * 1000;
    let mut tx = state.db.pool.begin().await?;
    if !invitations::rotate_token(&mut *tx, &inv.id, &hash, expires_at, now).await? {
        return Err(DomainError::conflict(
            "invitation_not_pending",
            format!("The invitation to {} was already {}; it cannot be resent.", inv.email, inv.status),
        ));
    }
    spend_invite_quota(state, &mut tx, &c.enterprise, 1, now).await?;
    let mut m = mail::invitation(
        &inv.email,
        &state.config.public_url,
        &c.enterprise.domain,
        &token,
        Some(&actor.display_name()),
        &rfc3339(expires_at),
    );
    m.ref_id = Some(inv.id.clone());
    outbox::enqueue(&mut *tx, &m, now).await?;
    audit_store::record(
        &mut *tx,
        &audit::by(Some(actor), &c.enterprise.id, "invitation.resent", Some(&inv.email), json!({})),
        now,
    )
    .await?;
    let data = json!({"invitation_id": inv.id, "member_id": inv.member_id, "email": inv.email, "expires_at": rfc3339(expires_at)});
    webhooks::queue(&mut tx, &c.enterprise.id, WebhookEvent::InvitationSent, data, now).await?;
    tx.commit().await?;
    state.wake_outbox();
    let row = invitations::listed_one(&state.db.pool, &inv.id).await?.ok_or(DomainError::NotFound("invitation"))?;
    Ok(view(row, now))
}

/// Withdraws a pending invitation: its link stops working and the person is no longer listed.
pub async fn revoke(state: &AppState, c: &Console, actor: &Actor, id: &str) -> DomainResult<()> {
    let inv =
        invitations::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("invitation"))?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !invitations::revoke(&mut *tx, &inv.id).await? {
        return Err(DomainError::conflict(
            "invitation_not_pending",
            format!("The invitation to {} was already {}.", inv.email, inv.status),
        ));
    }
    members::change_state(
        &mut tx,
        &c.enterprise.id,
        std::slice::from_ref(&inv.member_id),
        &[MemberState::Invited],
        MemberState::Removed,
        now,
    )
    .await?;
    audit_store::record(
        &mut *tx,
        &audit::by(Some(actor), &c.enterprise.id, "invitation.revoked", Some(&inv.email), json!({})),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Send pending": mails every invitation that was staged without mail, in
/// batches that each commit their tokens and mail together, so a rerun after
/// a crash sends exactly the ones still unsent.
pub async fn send_pending_run(
    state: &AppState,
    job: &crate::store::jobs::JobRow,
) -> DomainResult<muster_model::JobCounts> {
    use crate::store::jobs;
    let e = enterprises::by_id(&state.db.pool, &job.enterprise_id).await?.ok_or(DomainError::NotFound("enterprise"))?;
    let actor = crate::services::jobs::actor_of(state, job).await?.ok_or(DomainError::NotFound("account"))?;
    let inviter = actor.display_name();
    let already = job.processed;
    let total = already + invitations::count_unsent(&state.db.pool, &e.id).await?;
    let mut sent = already;
    jobs::progress(&state.db.pool, &job.id, sent, Some(total), now_ms() + state.lease_ms()).await?;
    loop {
        let batch = invitations::unsent(&state.db.pool, &e.id, 500).await?;
        if batch.is_empty() {
            break;
        }
        let now = now_ms();
        let expires_at = now + state.config.invite_ttl_hours as i64 * 3600 * 1000;
        let expires = rfc3339(expires_at);
        let mut tx = state.db.pool.begin().await?;
        let mut mails = Vec::with_capacity(batch.len());
        let mut events = Vec::with_capacity(batch.len());
        for inv in &batch {
            let (token, hash) = crypto::new_token();
            if !invitations::rotate_token(&mut *tx, &inv.id, &hash, expires_at, now).await? {
                continue;
            }
            let m = mail::invitation(&inv.email, &state.config.public_url, &e.domain, &token, Some(&inviter), &expires);
            mails.push(outbox::QueuedMail::new(m, &inv.id, now));
            events.push(
                json!({"invitation_id": inv.id, "member_id": inv.member_id, "email": inv.email, "expires_at": expires}),
            );
        }
        webhooks::queue_all(&mut tx, &e.id, WebhookEvent::InvitationSent, events, now).await?;
        spend_invite_quota(state, &mut tx, &e, mails.len() as i64, now).await?;
        sent += mails.len() as i64;
        outbox::insert_many(&mut tx, state.db.backend, mails).await?;
        jobs::progress(&mut *tx, &job.id, sent, Some(total), now + state.lease_ms()).await?;
        tx.commit().await?;
        state.wake_outbox();
    }
    let counts = muster_model::JobCounts { invited: sent as u64, ..Default::default() };
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    jobs::finish(
        &mut *tx,
        &job.id,
        "succeeded",
        &serde_json::to_string(&counts).map_err(anyhow::Error::new)?,
        None,
        now,
    )
    .await?;
    crate::services::jobs::finished_event(&mut tx, job, "succeeded", &counts, None, now).await?;
    let details = json!({"job": job.id, "sent": sent});
    audit_store::record(&mut *tx, &audit::by(Some(&actor), &e.id, "job.send_pending.succeeded", None, details), now)
        .await?;
    tx.commit().await?;
    Ok(counts)
}
