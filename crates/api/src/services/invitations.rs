//! Invitations: creating one (with its mail) inside a caller's transaction,
//! looking one up without consuming it (mail scanners open links), and
//! accepting it, which links or creates the account and makes the person an
//! `unmanaged` member with a verified email.

use crate::services::webhooks;
use muster_model::WebhookEvent;
use muster_model::{
    validate, AcceptInvitationRequest, AcceptedInvitation, AccountStatus, InvitationLookup, MemberSource, MemberState,
    Role,
};
use serde_json::json;

use crate::{
    services::access::Actor,
    services::error::{DomainError, DomainResult},
    services::{accounts, audit, crypto, mail, passwords, sessions::Caller},
    state::AppState,
    store::{
        self, accounts as account_store, accounts::AccountRow, audit as audit_store, enterprises,
        enterprises::EnterpriseRow, invitations, invitations::InvitationRow, now_ms, outbox,
    },
};

/// Creates the member (state `invited`) and its invitation, queues the mail,
/// and returns the token (the only place it exists in clear).
#[allow(clippy::too_many_arguments)]
pub async fn invite_in_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    state: &AppState,
    e: &EnterpriseRow,
    email: &str,
    inviter: Option<&Actor>,
    grants_role: Option<Role>,
    source: MemberSource,
    now: i64,
) -> DomainResult<String> {
    let member_id = store::new_id();
    enterprises::insert_member(
        &mut **tx,
        &member_id,
        &e.id,
        email,
        None,
        None,
        None,
        MemberState::Invited,
        source,
        now,
    )
    .await?;
    let (token, hash) = crypto::new_token();
    let expires_at = now + state.config.invite_ttl_hours as i64 * 3600 * 1000;
    let row = InvitationRow {
        id: store::new_id(),
        enterprise_id: e.id.clone(),
        member_id,
        email: email.into(),
        invited_by: inviter.map(|a| a.id.clone()),
        grants_role: grants_role.map(|r| r.as_str().to_string()),
        status: "pending".into(),
        sent_at: Some(now),
        expires_at,
        accepted_at: None,
        created_at: now,
    };
    invitations::insert(&mut **tx, &row, &hash).await?;
    let inviter_name = inviter.map(|a| a.display_name());
    let mut m = mail::invitation(
        email,
        &state.config.public_url,
        &e.domain,
        &token,
        inviter_name.as_deref(),
        &store::rfc3339(expires_at),
    );
    m.ref_id = Some(row.id.clone());
    outbox::enqueue(&mut **tx, &m, now).await?;
    Ok(token)
}

async fn pending(state: &AppState, token: &str) -> DomainResult<InvitationRow> {
    let not_found = || DomainError::NotFound("invitation");
    if token.trim().is_empty() {
        return Err(not_found());
    }
    let inv = invitations::by_token_hash(&state.db.pool, &crypto::hash_token(token)).await?.ok_or_else(not_found)?;
    match inv.status.as_str() {
        "accepted" => Err(DomainError::conflict(
            "invitation_already_accepted",
            "This invitation has already been accepted; sign in instead.",
        )),
        "revoked" => Err(DomainError::gone(
            "invitation_revoked",
            "This invitation was withdrawn. Ask your administrator for a new one.",
        )),
        _ if inv.expires_at <= now_ms() => Err(DomainError::gone(
            "invitation_expired",
            "This invitation has expired. Ask your administrator to send it again.",
        )),
        _ => {
            // A person the directory no longer lists (suspended by a sync) cannot join through an old link.
            let member = crate::store::members::by_id(&state.db.pool, &inv.enterprise_id, &inv.member_id).await?;
            if member.is_some_and(|m| m.state == muster_model::MemberState::Suspended) {
                return Err(DomainError::gone(
                    "member_suspended",
                    "Your access to this enterprise is suspended. Ask your administrator.",
                ));
            }
            Ok(inv)
        }
    }
}

pub async fn lookup(state: &AppState, token: &str) -> DomainResult<InvitationLookup> {
    let inv = pending(state, token).await?;
    let e = enterprises::by_id(&state.db.pool, &inv.enterprise_id).await?.ok_or(DomainError::NotFound("invitation"))?;
    let invited_by = match &inv.invited_by {
        Some(id) => account_store::by_id(&state.db.pool, id).await?.map(|a| a.display_name()),
        None => None,
    };
    let account = account_store::by_email(&state.db.pool, &inv.email).await?;
    let account_exists = account.is_some();
    let account_active = account.is_some_and(|a| a.status == AccountStatus::Active.as_str());
    Ok(InvitationLookup {
        email: inv.email,
        enterprise_id: e.id,
        enterprise_domain: e.domain,
        invited_by,
        expires_at: store::rfc3339(inv.expires_at),
        account_exists,
        account_active,
        grants_admin: inv.grants_role.is_some(),
    })
}

/// Accepting matches an account only by proof (DESIGN §4): no account or a
/// `pending` one → the password chosen here is set (whoever pre-registered the
/// address gets nothing); an `active` one → the person is signed in as it or
/// gives its password.
pub async fn accept(
    state: &AppState,
    req: AcceptInvitationRequest,
    caller: Option<&Caller>,
    ip: &str,
) -> DomainResult<AcceptedInvitation> {
    let inv = pending(state, &req.token).await?;
    let first_name = validate::name(req.first_name.as_deref(), "First name").map_err(DomainError::Validation)?;
    let last_name = validate::name(req.last_name.as_deref(), "Last name").map_err(DomainError::Validation)?;
    let existing = account_store::by_email(&state.db.pool, &inv.email).await?;
    let proof = match &existing {
        Some(a) if a.status == AccountStatus::Active.as_str() => {
            prove_active(state, a, req.password.as_deref(), caller, ip).await?;
            Proof::SignedIn
        }
        _ => {
            let password = req.password.as_deref().ok_or_else(|| {
                DomainError::field(
                    "password_required",
                    "Choose a password (at least 12 characters) to create your account.",
                )
            })?;
            accounts::check_new_password(password, &inv.email)?;
            Proof::NewPassword(passwords::hash(state, password).await?)
        }
    };
    let new_account = match (&existing, &proof) {
        (None, Proof::NewPassword(hash)) => Some(AccountRow {
            id: store::new_id(),
            email: inv.email.clone(),
            password_hash: hash.clone(),
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            status: "active".into(),
            email_verified: 1,
            created_at: now_ms(),
            phone: None,
            mfa_enabled: 0,
        }),
        _ => None,
    };
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !invitations::mark_accepted(&mut *tx, &inv.id, now).await? {
        return Err(DomainError::conflict(
            "invitation_already_accepted",
            "This invitation has already been accepted; sign in instead.",
        ));
    }
    let account_id = match (&existing, &new_account) {
        (Some(a), _) => {
            if let Proof::NewPassword(hash) = &proof {
                // A pending account: the mailbox is proven by the invitation, the
                // password is the one chosen now; the old one and its activation die.
                accounts::set_proven_password(&mut tx, &a.id, hash, now).await?;
            }
            a.id.clone()
        }
        (None, Some(a)) => {
            account_store::insert(&mut *tx, a).await?;
            a.id.clone()
        }
        (None, None) => unreachable!("an account is either found or built above"),
    };
    invitations::link_member(&mut *tx, &inv.member_id, &account_id, first_name.as_deref(), last_name.as_deref(), now)
        .await?;
    if let Some(role) = inv.grants_role.as_deref() {
        enterprises::insert_admin(&mut *tx, &inv.enterprise_id, &account_id, role, now).await?;
    }
    let details = json!({"email": inv.email, "new_account": new_account.is_some(), "grants_role": inv.grants_role});
    audit_store::record(
        &mut *tx,
        &audit::by(None, &inv.enterprise_id, "invitation.accepted", Some(&inv.email), details),
        now,
    )
    .await?;
    let data =
        json!({"invitation_id": inv.id, "member_id": inv.member_id, "email": inv.email, "account_id": account_id});
    webhooks::queue(&mut tx, &inv.enterprise_id, WebhookEvent::InvitationAccepted, data, now).await?;
    tx.commit().await?;
    Ok(AcceptedInvitation {
        account_id,
        enterprise_id: inv.enterprise_id,
        member_state: MemberState::Unmanaged.as_str().into(),
    })
}

/// How the person accepting proved who they are.
enum Proof {
    /// Signed in as the active account, or gave its password.
    SignedIn,
    /// A password chosen on accept (hashed): no account yet, or a pending one.
    NewPassword(String),
}

async fn prove_active(
    state: &AppState,
    account: &AccountRow,
    password: Option<&str>,
    caller: Option<&Caller>,
    ip: &str,
) -> DomainResult<()> {
    if caller.is_some_and(|c| c.account.id == account.id) {
        return Ok(());
    }
    let Some(password) = password else {
        return Err(DomainError::field(
            "password_required",
            format!("{} already has a Muster account: sign in as it, or enter its password.", account.email),
        ));
    };
    // A guess at an account's password, as at log-in.
    if !state.limits.password_attempt(&account.email, ip) {
        return Err(DomainError::RateLimited);
    }
    if passwords::verify(state, password, Some(&account.password_hash)).await? {
        Ok(())
    } else {
        Err(DomainError::field("wrong_password", "That is not the password of this account."))
    }
}
