//! Claiming a domain (one Primary Master Admin per domain), the enterprise
//! view with its modules, plan changes, contract enterprises, and applying a
//! verification check's outcome.

use muster_model::{
    module_access, BillingCycle, ClaimForwarded, ClaimRequest, DomainStatus, Enterprise, EnterpriseKind, MemberSource,
    MemberState, Plan, Role, UpdateEnterpriseRequest, VerificationInstructions,
};
use serde_json::json;

use crate::{
    services::error::{DomainError, DomainResult},
    services::{access::Actor, audit, crypto, invitations, mail, sessions::Caller, verification},
    state::AppState,
    store::{
        self, accounts::AccountRow, audit as audit_store, claims, enterprises, enterprises::EnterpriseRow,
        join_requests, now_ms, outbox,
    },
};

/// A claim for a domain with an admin already: the PMA hears at most this often per requester.
const JOIN_NOTICE_QUIET_MS: i64 = 24 * 3600 * 1000;

pub enum Claimed {
    Created(Box<Enterprise>),
    Forwarded(ClaimForwarded),
}

pub fn view(state: &AppState, e: &EnterpriseRow, role: Role) -> Enterprise {
    let plan = e.plan;
    let status = e.domain_status;
    let kind = e.kind;
    let verification = e.verification_token.as_ref().map(|token| VerificationInstructions {
        token: token.clone(),
        txt_record_name: verification::challenge_name(&e.domain),
        txt_record_alt_name: e.domain.clone(),
        txt_record_value: format!("{}{token}", verification::TXT_PREFIX),
        meta_tag: format!("<meta name=\"{}\" content=\"{token}\">", verification::META_NAME),
        meta_url: format!("https://{}/", e.domain),
    });
    Enterprise {
        id: e.id.clone(),
        domain: e.domain.clone(),
        kind,
        plan,
        billing_cycle: e.billing_cycle,
        seat_cap: e.seat_cap,
        domain_status: status,
        verified_at: e.verified_at.map(store::rfc3339),
        grace_ends_at: e
            .at_risk_since
            .map(|since| store::rfc3339(since + state.config.domain_grace.as_millis() as i64)),
        created_at: store::rfc3339(e.created_at),
        role,
        modules: module_access(plan, status),
        open_claims: 0,
        require_admin_mfa: e.require_admin_mfa != 0,
        verification,
        last_check: e.last_check.as_deref().and_then(|j| serde_json::from_str(j).ok()),
    }
}

pub async fn claim(state: &AppState, caller: &Caller, req: ClaimRequest) -> DomainResult<Claimed> {
    let account = &caller.account;
    let domain = account.email.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
    if muster_model::validate::is_public_mail_domain(&domain) {
        return Err(DomainError::field(
            "public_mail_domain",
            format!("{domain} is a public mail provider; sign up with your company email address to claim its domain."),
        ));
    }
    // Only a verified PMA (or a contract) holds a domain; an unverified claim blocks nobody.
    if let Some(holder) = claims::holder_of(&state.db.pool, &domain).await? {
        return forward_to_admin(state, account, &holder).await.map(Claimed::Forwarded);
    }
    if let Some(mine) = claims::open_claim_of(&state.db.pool, &domain, &account.id).await? {
        return Ok(Claimed::Created(Box::new(with_claims(state, view(state, &mine, Role::Pma)).await?)));
    }
    let now = now_ms();
    let plan = req.plan.unwrap_or_default();
    let cycle = req.billing_cycle.unwrap_or_default();
    let row = EnterpriseRow {
        id: store::new_id(),
        domain: domain.clone(),
        kind: EnterpriseKind::Online,
        plan,
        billing_cycle: cycle,
        seat_cap: None,
        domain_status: DomainStatus::Unverified,
        verification_token: Some(crypto::verification_token()),
        verified_at: None,
        at_risk_since: None,
        claim_checks_until: Some(now + state.config.claim_check_window.as_millis() as i64),
        next_check_at: Some(now + state.config.claim_check_backoff.as_millis() as i64),
        check_attempts: 0,
        last_check: None,
        created_at: now,
        require_admin_mfa: 0,
    };
    let mut tx = state.db.pool.begin().await?;
    enterprises::insert(&mut *tx, &row).await?;
    enterprises::insert_admin(&mut *tx, &row.id, &account.id, Role::Pma.as_str(), now).await?;
    enterprises::insert_member(
        &mut *tx,
        &store::new_id(),
        &row.id,
        &account.email,
        Some(&account.id),
        account.first_name.as_deref(),
        account.last_name.as_deref(),
        MemberState::Unmanaged,
        MemberSource::Signup,
        now,
    )
    .await?;
    let details = json!({"plan": plan, "billing_cycle": cycle});
    let claimant = Actor::person(account.clone());
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&claimant), &row.id, "enterprise.claimed", Some(&domain), details),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(enterprise = %row.id, domain, "domain claimed");
    Ok(Claimed::Created(Box::new(with_claims(state, view(state, &row, Role::Pma)).await?)))
}

/// While unverified: how many claims of the domain are open (this one included).
pub async fn with_claims(state: &AppState, mut e: Enterprise) -> DomainResult<Enterprise> {
    if e.domain_status == DomainStatus::Unverified && e.kind == EnterpriseKind::Online {
        e.open_claims = claims::open_claims(&state.db.pool, &e.domain).await?.max(0) as u64;
    }
    Ok(e)
}

async fn forward_to_admin(state: &AppState, requester: &AccountRow, e: &EnterpriseRow) -> DomainResult<ClaimForwarded> {
    if enterprises::admin_role(&state.db.pool, &e.id, &requester.id).await?.is_some() {
        return Err(DomainError::conflict("already_admin", format!("You already administer {}.", e.domain)));
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let notify = join_requests::note_join_request(&mut *tx, &e.id, &requester.id, now, JOIN_NOTICE_QUIET_MS).await?;
    if notify {
        if let Some(pma) = enterprises::pma_email(&mut *tx, &e.id).await? {
            let m = mail::join_request(
                &pma,
                &state.config.public_url,
                &e.id,
                &e.domain,
                &requester.display_name(),
                &requester.email,
                &store::rfc3339(now),
            );
            outbox::enqueue(&mut *tx, &m, now).await?;
            join_requests::mark_join_notified(&mut *tx, &e.id, &requester.id, now).await?;
        }
        let details = json!({"requester": requester.email});
        audit_store::record(
            &mut *tx,
            &audit::by(None, &e.id, "enterprise.join_requested", Some(&requester.email), details),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(ClaimForwarded {
        status: "admin_notified".into(),
        domain: e.domain.clone(),
        detail: format!(
            "{} already has an administrator in Muster. We told them you asked to join; they can invite you.",
            e.domain
        ),
    })
}

/// The enterprise and the caller's role in it; 404 for anyone who is not its admin.
pub async fn administered(
    state: &AppState,
    account: &AccountRow,
    enterprise_id: &str,
) -> DomainResult<(EnterpriseRow, Role)> {
    let not_found = || DomainError::NotFound("enterprise");
    let (e, role, member_state) =
        enterprises::with_admin_role(&state.db.pool, enterprise_id, &account.id).await?.ok_or_else(not_found)?;
    // An admin the company offboarded (suspended by hand or by a sync) loses the console at once.
    if is_offboarded(member_state.as_deref()) {
        return Err(DomainError::denied(
            "admin_suspended",
            format!("Your membership of {} is suspended, so its console is closed to you.", e.domain),
        ));
    }
    Ok((e, Role::parse(&role).unwrap_or(Role::Admin)))
}

/// An admin whose own member row is suspended or removed has left the company.
pub fn is_offboarded(member_state: Option<&str>) -> bool {
    matches!(member_state.and_then(MemberState::parse), Some(MemberState::Suspended | MemberState::Removed))
}

pub async fn update(
    state: &AppState,
    actor: &Actor,
    e: &EnterpriseRow,
    role: Role,
    req: UpdateEnterpriseRequest,
) -> DomainResult<Enterprise> {
    if role != Role::Pma {
        return Err(DomainError::Forbidden(
            "Only the Primary Master Admin can change the plan or the sign-in policy.".into(),
        ));
    }
    let wants_mfa = req.require_admin_mfa.filter(|on| *on != (e.require_admin_mfa != 0));
    if wants_mfa == Some(true) && actor.account.mfa_enabled == 0 {
        return Err(DomainError::denied(
            "mfa_required_first",
            "Turn on two-step verification for your own account first (Account security), then require it of every admin.",
        ));
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if req.plan.is_some() || req.billing_cycle.is_some() {
        let plan = req.plan.unwrap_or(e.plan);
        let cycle = req.billing_cycle.unwrap_or(e.billing_cycle);
        enterprises::set_plan(&mut *tx, &e.id, plan.as_str(), cycle.as_str(), now).await?;
        let details = json!({"plan": {"before": e.plan, "after": plan}, "billing_cycle": {"before": e.billing_cycle, "after": cycle}});
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "enterprise.plan_changed", Some(&e.domain), details),
            now,
        )
        .await?;
    }
    if let Some(on) = wants_mfa {
        enterprises::set_require_admin_mfa(&mut *tx, &e.id, on, now).await?;
        let details = json!({"require_admin_mfa": {"before": !on, "after": on}});
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "enterprise.admin_mfa_policy_changed", Some(&e.domain), details),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let e = enterprises::by_id(&state.db.pool, &e.id).await?.ok_or(DomainError::NotFound("enterprise"))?;
    Ok(view(state, &e, role))
}

/// Unverified claims left too long (`MUSTER_CLAIM_TTL_DAYS`) close; their claimants are told.
pub async fn expire_claims(state: &AppState) -> DomainResult<usize> {
    let now = now_ms();
    let before = now - state.config.claim_ttl.as_millis() as i64;
    let stale = claims::stale_claims(&state.db.pool, before).await?;
    if stale.is_empty() {
        return Ok(0);
    }
    let mut tx = state.db.pool.begin().await?;
    let mut closed = 0;
    for (id, claimant) in &stale {
        // Conditional: a claim verified meanwhile, or closed by another replica, is left alone.
        if claims::close(&mut *tx, id, "expired", now).await? {
            let days = state.config.claim_ttl.as_secs() / 86_400;
            outbox::enqueue(&mut *tx, &mail::claim_expired(claimant, &state.config.public_url, days), now).await?;
            closed += 1;
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(closed)
}

/// `muster enterprise create`: a contract enterprise with an assigned domain,
/// a seat cap, and its admin invited by mail. Returns the enterprise id and the invitation link.
pub async fn create_contract(
    state: &AppState,
    domain: &str,
    admin: &str,
    plan: Plan,
    seats: i64,
) -> DomainResult<(String, String)> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let probe = muster_model::validate::Email::parse(&format!("admin@{domain}"))
        .map_err(|_| DomainError::field("invalid_domain", format!("{domain:?} is not a domain name")))?;
    let admin = muster_model::validate::Email::parse(admin).map_err(|m| DomainError::field("invalid_email", m))?;
    if admin.domain() != probe.domain() {
        return Err(DomainError::field("not_in_domain", format!("{admin} is not an address in {domain}")));
    }
    if seats < 0 {
        return Err(DomainError::field("invalid_seats", "--seats must be zero or more"));
    }
    let now = now_ms();
    let row = EnterpriseRow {
        id: store::new_id(),
        domain: domain.clone(),
        kind: EnterpriseKind::Contract,
        plan,
        billing_cycle: BillingCycle::Annual,
        seat_cap: Some(seats),
        domain_status: DomainStatus::Verified,
        verification_token: None,
        verified_at: Some(now),
        at_risk_since: None,
        claim_checks_until: None,
        next_check_at: None,
        check_attempts: 0,
        last_check: None,
        created_at: now,
        require_admin_mfa: 0,
    };
    let taken = || DomainError::conflict("domain_taken", format!("{domain} already has a Primary Master Admin"));
    if claims::holder_of(&state.db.pool, &domain).await?.is_some() {
        return Err(taken());
    }
    let mut tx = state.db.pool.begin().await?;
    if let Err(e) = enterprises::insert(&mut *tx, &row).await {
        return Err(if store::is_unique_violation(&e) { taken() } else { e.into() });
    }
    // The domain is assigned by contract: every pending claim of it closes.
    for (_, claimant) in claims::close_claims(&mut tx, &domain, Some(&row.id), "taken", now).await? {
        outbox::enqueue(&mut *tx, &mail::claim_closed(&claimant, &state.config.public_url, &domain), now).await?;
    }
    let token = invitations::invite_in_tx(
        &mut tx,
        state,
        &row,
        admin.as_str(),
        None,
        Some(Role::Pma),
        MemberSource::Contract,
        now,
    )
    .await?;
    let details = json!({"plan": plan, "seats": seats, "admin": admin.as_str()});
    audit_store::record(
        &mut *tx,
        &audit::by(None, &row.id, "enterprise.contract_created", Some(&domain), details),
        now,
    )
    .await?;
    tx.commit().await?;
    state.wake_outbox();
    Ok((row.id, format!("{}/invitations/accept?token={token}", state.config.public_url)))
}
