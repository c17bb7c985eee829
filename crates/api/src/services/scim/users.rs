//! SCIM Users: every member of the enterprise but the removed. A create is
//! an enrollment like Import's (an `invited` member with its profile, its
//! invitation staged and mailed when the SCIM setting says so); `active`
//! suspends and restores as Directory Sync does; DELETE removes (kept,
//! restorable by creating the user again). SCIM never touches an account:
//! a userName changes only while no account is linked to the member.

use muster_model::{validate, MemberSource, MemberState, Profile, Role, WebhookEvent};
use serde_json::{json, Map, Value};

use super::{
    filter_of, page,
    patch::{apply_to_user, operations},
    resource::{self, invalid, user_input, UserInput},
    ListQuery, Tenant, SOURCE,
};
use crate::{
    services::{
        audit, automatic,
        error::{DomainError, DomainResult},
        mail,
        staged_invitations::StagedInvitations,
        webhooks,
    },
    state::AppState,
    store::{
        self, audit as audit_store, enterprises, members, now_ms, outbox,
        scim::{self as scim_store, ScimFields, ScimUserRow},
        scim_filter::Resource,
        sessions,
    },
};

/// The userName as a lower-cased address in the enterprise's domain.
fn in_domain(t: &Tenant, user_name: &str) -> DomainResult<String> {
    let email = validate::Email::parse(user_name)
        .map_err(|why| invalid("invalidValue", format!("userName must be an email address: {why}")))?;
    let domain = &t.console.enterprise.domain;
    if email.domain() != domain {
        return Err(invalid(
            "invalidValue",
            format!("userName must be an address in {domain}: members belong to the enterprise's domain."),
        ));
    }
    Ok(email.into_inner())
}

fn taken(email: &str, id: &str) -> DomainError {
    DomainError::conflict("uniqueness", format!("A user with userName {email} already exists (id {id})."))
}

pub async fn get(state: &AppState, t: &Tenant, id: &str, q: &ListQuery) -> DomainResult<Value> {
    let row =
        scim_store::user(&state.db.pool, &t.console.enterprise.id, id).await?.ok_or(DomainError::NotFound("user"))?;
    Ok(resource::project(resource::user(&t.base, &row), q.attributes.as_deref(), q.excluded_attributes.as_deref()))
}

pub async fn list(state: &AppState, t: &Tenant, q: &ListQuery) -> DomainResult<Value> {
    let cond = filter_of(q.filter.as_deref(), Resource::User)?;
    let (start, count) = page(q.start_index, q.count);
    let mut conn = state.db.pool.acquire().await?;
    let (total, rows) = scim_store::users(&mut conn, &t.console.enterprise.id, cond.as_ref(), start - 1, count).await?;
    let items = rows
        .iter()
        .map(|r| {
            resource::project(resource::user(&t.base, r), q.attributes.as_deref(), q.excluded_attributes.as_deref())
        })
        .collect();
    Ok(resource::list_response(total, start, items))
}

pub async fn create(state: &AppState, t: &Tenant, body: &Value) -> DomainResult<Value> {
    let input = user_input(body)?;
    let email = in_domain(t, &input.user_name)?;
    let e = &t.console.enterprise;
    let actor = &t.console.actor;
    let send = super::send_invitations(state, &e.id).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &e.id).await?;
    let id = match scim_store::user_by_email(&mut *tx, &e.id, &email).await? {
        Some(m) if m.state != MemberState::Removed => return Err(taken(&email, &m.id)),
        // Deleted before (or an invitation revoked): enrolled again, as Invite does; an admin's
        // return is a change of an admin's state like any other.
        Some(m) => {
            if let Some((why, mail_pma)) = protected(&mut tx, t, &m, "restored").await? {
                skipped(state, &mut tx, t, &m, &why, mail_pma, now).await?;
                tx.commit().await?;
                return Err(DomainError::denied("admin_protected", why));
            }
            let ids = std::slice::from_ref(&m.id);
            members::change_state(&mut tx, &e.id, ids, &[MemberState::Removed], MemberState::Invited, now).await?;
            m.id
        }
        None => {
            let new = members::NewMember {
                id: store::new_id(),
                email: email.clone(),
                source: MemberSource::Scim,
                profile: input.profile.clone(),
                directory_id: None,
            };
            let id = new.id.clone();
            webhooks::queue(&mut tx, &e.id, WebhookEvent::MemberCreated, webhooks::member_created(&new), now).await?;
            members::insert_invited(&mut tx, state.db.backend, &e.id, vec![new], now).await?;
            id
        }
    };
    members::set_profile(&mut *tx, &id, &input.profile, now).await?;
    let fields =
        ScimFields { external_id: input.external_id.as_deref(), employee_number: input.employee_number.as_deref() };
    scim_store::set_fields(&mut *tx, &id, &fields, now).await?;
    let mut staged = StagedInvitations::new(state, e, Some(actor), send, now);
    staged.add(&id, &email);
    staged.flush(&mut tx).await?;
    if !input.active {
        automatic::suspend(state, &mut tx, e, std::slice::from_ref(&id), SOURCE, now).await?;
    }
    let details = json!({"id": id, "send_invitations": send, "active": input.active});
    audit_store::record(&mut *tx, &audit::by(Some(actor), &e.id, "scim.user.created", Some(&email), details), now)
        .await?;
    tx.commit().await?;
    if send {
        state.wake_outbox();
    }
    let row = scim_store::user(&state.db.pool, &e.id, &id).await?.ok_or(DomainError::NotFound("user"))?;
    Ok(resource::user(&t.base, &row))
}

pub async fn replace(state: &AppState, t: &Tenant, id: &str, body: &Value) -> DomainResult<Value> {
    let input = user_input(body)?;
    write(state, t, id, |_| Ok(input)).await
}

/// The operations applied to the User as shown, then written like a PUT.
pub async fn patch(state: &AppState, t: &Tenant, id: &str, body: &Value) -> DomainResult<Value> {
    let ops = operations(body)?;
    write(state, t, id, |row| {
        let mut shown = resource::user(&t.base, row);
        apply_to_user(&mut shown, ops)?;
        user_input(&shown)
    })
    .await
}

fn profile_of(m: &ScimUserRow) -> Profile {
    Profile::from([&m.first_name, &m.last_name, &m.department, &m.phone, &m.job_title])
}

/// Why an admin's state is not SCIM's to change, if it is not.
async fn protected(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    t: &Tenant,
    m: &ScimUserRow,
    to: &str,
) -> DomainResult<Option<(String, bool)>> {
    let Some(account) = &m.account_id else { return Ok(None) };
    let Some(role) = enterprises::admin_role(&mut **tx, &t.console.enterprise.id, account).await? else {
        return Ok(None);
    };
    if role == Role::Pma.as_str() {
        return Ok(Some((format!("{} is the Primary Master Admin, who is never {to} by SCIM.", m.email), false)));
    }
    if !t.by_pma {
        let why = format!(
            "{} is an admin: only a SCIM token the Primary Master Admin created changes an admin's state.",
            m.email
        );
        return Ok(Some((why, true)));
    }
    Ok(None)
}

/// Writes what `input` makes of the user as it is once the enterprise is
/// locked (so two writes never both act on a state one of them changed).
async fn write(
    state: &AppState,
    t: &Tenant,
    id: &str,
    input: impl FnOnce(&ScimUserRow) -> DomainResult<UserInput>,
) -> DomainResult<Value> {
    let e = &t.console.enterprise;
    let actor = &t.console.actor;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &e.id).await?;
    let row = scim_store::user(&mut *tx, &e.id, id).await?.ok_or(DomainError::NotFound("user"))?;
    let input = input(&row)?;
    let mut changes = Map::new();
    let mut mailed = false;
    if input.user_name != row.email {
        if row.account_id.is_some() {
            return Err(invalid(
                "mutability",
                format!(
                    "userName cannot change: {} signs in to Muster with this address, and SCIM never changes an \
                     account's email.",
                    row.email
                ),
            ));
        }
        let email = in_domain(t, &input.user_name)?;
        if let Some(other) = scim_store::user_by_email(&mut *tx, &e.id, &email).await? {
            return Err(taken(&email, &other.id));
        }
        if !scim_store::set_email(&mut *tx, &row.id, &email, now).await? {
            return Err(invalid(
                "mutability",
                format!("userName cannot change: {} has just signed in with it.", row.email),
            ));
        }
        // The mailed link went to the old address: it stops working, and the new address gets its own.
        if scim_store::revoke_pending_invitations(&mut *tx, &row.id).await? > 0 {
            let send = super::send_invitations(state, &e.id).await?;
            let mut staged = StagedInvitations::new(state, e, Some(actor), send, now);
            staged.add(&row.id, &email);
            staged.flush(&mut tx).await?;
            mailed = send;
        }
        changes.insert("user_name".into(), json!({"before": row.email, "after": email}));
    }
    let before = profile_of(&row);
    if before != input.profile {
        members::set_profile(&mut *tx, &row.id, &input.profile, now).await?;
        for (name, (was, now)) in
            muster_model::PROFILE_FIELDS.iter().zip(before.values().into_iter().zip(input.profile.values()))
        {
            if was != now {
                changes.insert((*name).into(), json!({"before": was, "after": now}));
            }
        }
    }
    if row.external_id != input.external_id || row.employee_number != input.employee_number {
        let fields =
            ScimFields { external_id: input.external_id.as_deref(), employee_number: input.employee_number.as_deref() };
        scim_store::set_fields(&mut *tx, &row.id, &fields, now).await?;
        if row.employee_number != input.employee_number {
            changes.insert(
                "employee_number".into(),
                json!({"before": row.employee_number, "after": input.employee_number}),
            );
        }
    }
    let suspended = row.state == MemberState::Suspended;
    if input.active == suspended {
        let verb = if input.active { "restored" } else { "suspended" };
        match protected(&mut tx, t, &row, verb).await? {
            Some((why, mail_pma)) => skipped(state, &mut tx, t, &row, &why, mail_pma, now).await?,
            None if input.active && row.sync_suspended_from.is_none() => {
                let why =
                    format!("{} was suspended by an admin in Muster; an admin restores them in Users.", row.email);
                skipped(state, &mut tx, t, &row, &why, false, now).await?;
            }
            None => {
                let to = if input.active {
                    let back = row
                        .sync_suspended_from
                        .as_deref()
                        .and_then(MemberState::parse)
                        .unwrap_or(MemberState::Unmanaged);
                    let moved = automatic::restore(
                        state,
                        &mut tx,
                        e,
                        &[(row.id.clone(), row.email.clone(), back)],
                        SOURCE,
                        now,
                    )
                    .await?;
                    moved.first().map(|_| back)
                } else {
                    automatic::suspend(state, &mut tx, e, std::slice::from_ref(&row.id), SOURCE, now).await?;
                    if let Some(account) = &row.account_id {
                        // A suspended admin loses the console now, not at the next elevation.
                        sessions::drop_elevation(&mut *tx, account).await?;
                    }
                    Some(MemberState::Suspended)
                };
                if let Some(to) = to {
                    let data = json!({"id": row.id, "email": row.email, "state": to});
                    webhooks::queue(&mut tx, &e.id, WebhookEvent::MemberStateChanged, data, now).await?;
                    let details = json!({"to": to, "count": 1, "emails": [row.email], "source": "scim"});
                    audit_store::record(
                        &mut *tx,
                        &audit::by(Some(actor), &e.id, "users.state_changed", Some(&row.email), details),
                        now,
                    )
                    .await?;
                }
            }
        }
    }
    if !changes.is_empty() {
        let details = Value::Object(changes);
        let data = json!({"id": row.id, "email": row.email, "changes": details});
        webhooks::queue(&mut tx, &e.id, WebhookEvent::MemberUpdated, data, now).await?;
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "scim.user.updated", Some(&row.email), details),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if mailed {
        state.wake_outbox();
    }
    let row = scim_store::user(&state.db.pool, &e.id, &row.id).await?.ok_or(DomainError::NotFound("user"))?;
    Ok(resource::user(&t.base, &row))
}

/// A state change SCIM may not make: audited, answered with the state kept
/// (the client sees `active` unchanged), and the PMA mailed for an admin.
async fn skipped(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    t: &Tenant,
    m: &ScimUserRow,
    why: &str,
    mail_pma: bool,
    now: i64,
) -> DomainResult<()> {
    let e = &t.console.enterprise;
    let details = json!({"id": m.id, "reason": why});
    audit_store::record(
        &mut **tx,
        &audit::by(Some(&t.console.actor), &e.id, "scim.user.skipped", Some(&m.email), details),
        now,
    )
    .await?;
    if mail_pma {
        if let Some((_, pma)) = enterprises::pma(&mut **tx, &e.id).await? {
            let token = t.console.actor.token.as_ref().map(|t| t.name.as_str()).unwrap_or("SCIM");
            let mail = mail::admin_spared_by_scim(&pma, &state.config.public_url, e, &m.email, token);
            outbox::enqueue(&mut **tx, &mail, now).await?;
        }
    }
    Ok(())
}

/// DELETE: the member is removed (its seat released, its pending invitation
/// withdrawn); an admin only by a token the PMA created, the PMA never.
pub async fn delete(state: &AppState, t: &Tenant, id: &str) -> DomainResult<()> {
    let e = &t.console.enterprise;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &e.id).await?;
    let row = scim_store::user(&mut *tx, &e.id, id).await?.ok_or(DomainError::NotFound("user"))?;
    if let Some((why, mail_pma)) = protected(&mut tx, t, &row, "removed").await? {
        skipped(state, &mut tx, t, &row, &why, mail_pma, now).await?;
        tx.commit().await?;
        return Err(DomainError::denied("admin_protected", why));
    }
    if !scim_store::remove(&mut *tx, &e.id, &row.id, now).await? {
        return Err(DomainError::NotFound("user"));
    }
    if row.state == MemberState::Managed {
        automatic::seat_events(state, &mut tx, e, &[(row.id.clone(), row.email.clone())], -1, SOURCE, now).await?;
    }
    scim_store::revoke_pending_invitations(&mut *tx, &row.id).await?;
    if let Some(account) = &row.account_id {
        sessions::drop_elevation(&mut *tx, account).await?;
    }
    let data = json!({"id": row.id, "email": row.email, "state": MemberState::Removed});
    webhooks::queue(&mut tx, &e.id, WebhookEvent::MemberStateChanged, data, now).await?;
    let details = json!({"id": row.id, "was": row.state});
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&t.console.actor), &e.id, "scim.user.deleted", Some(&row.email), details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
