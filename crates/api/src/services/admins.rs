//! Admins: the PMA makes an enrolled member an admin and takes it back.
//! Admins do everything in the console except change the plan or manage admins.

use muster_model::{AdminEntry, Role, TransferOwnershipRequest};
use serde_json::json;

use crate::{
    services::access::Actor,
    services::access::Console,
    services::error::{DomainError, DomainResult},
    services::{audit, mail, passwords},
    state::AppState,
    store::{audit as audit_store, enterprises, now_ms, outbox, sessions},
};

fn pma_only(c: &Console) -> DomainResult<()> {
    if c.role == Role::Pma {
        Ok(())
    } else {
        Err(DomainError::Forbidden("Only the Primary Master Admin manages admins.".into()))
    }
}

pub async fn list(state: &AppState, c: &Console) -> DomainResult<Vec<AdminEntry>> {
    Ok(enterprises::admins(&state.db.pool, &c.enterprise.id)
        .await?
        .into_iter()
        .map(|(account_id, email, role)| AdminEntry {
            account_id,
            email,
            role: Role::parse(&role).unwrap_or(Role::Admin),
        })
        .collect())
}

pub async fn grant(state: &AppState, c: &Console, actor: &Actor, account_id: &str) -> DomainResult<AdminEntry> {
    pma_only(c)?;
    let e = &c.enterprise;
    let email = enterprises::enrolled_member_email(&state.db.pool, &e.id, account_id)
        .await?
        .ok_or(DomainError::NotFound("member"))?;
    if let Some(role) = enterprises::admin_role(&state.db.pool, &e.id, account_id).await? {
        return Ok(AdminEntry {
            account_id: account_id.into(),
            email,
            role: Role::parse(&role).unwrap_or(Role::Admin),
        });
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::insert_admin(&mut *tx, &e.id, account_id, Role::Admin.as_str(), now).await?;
    audit_store::record(&mut *tx, &audit::by(Some(actor), &e.id, "admin.granted", Some(&email), json!({})), now)
        .await?;
    tx.commit().await?;
    Ok(AdminEntry { account_id: account_id.into(), email, role: Role::Admin })
}

pub async fn revoke(state: &AppState, c: &Console, actor: &Actor, account_id: &str) -> DomainResult<()> {
    pma_only(c)?;
    let e = &c.enterprise;
    match enterprises::admin_role(&state.db.pool, &e.id, account_id).await?.as_deref() {
        None => return Err(DomainError::NotFound("admin")),
        Some("pma") => {
            return Err(DomainError::conflict("cannot_remove_pma", "The Primary Master Admin cannot be removed."));
        }
        Some(_) => {}
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if enterprises::remove_admin(&mut *tx, &e.id, account_id).await? {
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "admin.revoked", Some(account_id), json!({})),
            now,
        )
        .await?;
    }
    // A demoted admin's open sessions lose the console at once.
    sessions::drop_elevation(&mut *tx, account_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The PMA hands the role to another active admin (DESIGN §3): the password
/// again, audited, both mailed; the former PMA stays an admin.
pub async fn transfer_ownership(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    req: TransferOwnershipRequest,
) -> DomainResult<Vec<AdminEntry>> {
    if c.role != Role::Pma {
        return Err(DomainError::Forbidden("Only the Primary Master Admin can hand over ownership.".into()));
    }
    let e = &c.enterprise;
    if req.account_id == actor.id {
        return Err(DomainError::field("invalid_target", "You are the Primary Master Admin already."));
    }
    if state.limits.login_per_account.check_key(&actor.email).is_err() {
        return Err(DomainError::RateLimited);
    }
    if !passwords::verify(state, &req.password, Some(&actor.password_hash)).await? {
        return Err(DomainError::field("wrong_password", "That password is not right."));
    }
    let target = enterprises::with_admin_role(&state.db.pool, &e.id, &req.account_id).await?;
    let Some((_, role, member_state)) = target else {
        return Err(DomainError::field(
            "not_an_admin",
            "Make the person an admin first; ownership goes to one of the enterprise's admins.",
        ));
    };
    let target_account =
        crate::store::accounts::by_id(&state.db.pool, &req.account_id).await?.ok_or(DomainError::NotFound("admin"))?;
    if role != Role::Admin.as_str()
        || target_account.status != "active"
        || crate::services::enterprises::is_offboarded(member_state.as_deref())
    {
        return Err(DomainError::field(
            "not_an_active_admin",
            format!("{} is not an active admin of {}.", target_account.email, e.domain),
        ));
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !enterprises::transfer_pma(&mut tx, &e.id, &actor.id, &target_account.id).await? {
        return Err(DomainError::conflict("ownership_changed", "Ownership changed meanwhile; reload and try again."));
    }
    let details = json!({"from": actor.email, "to": target_account.email});
    audit_store::record(
        &mut *tx,
        &audit::by(Some(actor), &e.id, "enterprise.ownership_transferred", Some(&target_account.email), details),
        now,
    )
    .await?;
    for to in [&actor.email, &target_account.email] {
        let m = mail::ownership_transferred(to, &e.domain, &actor.email, &target_account.email);
        outbox::enqueue(&mut *tx, &m, now).await?;
    }
    tx.commit().await?;
    state.wake_outbox();
    list(state, c).await
}
