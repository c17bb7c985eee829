//! Users: members of an enterprise, searched and paged on the server; their
//! profile; and moves between states, where `managed` costs a seat. The seat
//! counter is changed by one conditional UPDATE in the same transaction as the
//! members, so a contract's cap holds however many requests race.

use crate::services::webhooks;
use muster_model::WebhookEvent;
use muster_model::{BulkStateResult, Member, MemberPage, MemberState, Role, UpdateMemberRequest};
use serde_json::json;

use crate::store::Page;
use crate::{
    services::access::Actor,
    services::access::Console,
    services::audit,
    services::error::{DomainError, DomainResult, During},
    state::AppState,
    store::{audit as audit_store, enterprises, members, members::MemberRow, now_ms, rfc3339, sessions},
};

pub const MAX_BULK: usize = 10_000;

pub fn view(m: MemberRow) -> Member {
    Member {
        id: m.id,
        email: m.email,
        account_id: m.account_id,
        first_name: m.first_name,
        last_name: m.last_name,
        department: m.department,
        phone: m.phone,
        job_title: m.job_title,
        state: m.state,
        source: m.source,
        created_at: rfc3339(m.created_at),
        managed_since: m.managed_since.map(rfc3339),
    }
}

pub async fn list(
    state: &AppState,
    c: &Console,
    filter_state: Option<MemberState>,
    search: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<MemberPage> {
    let filter = members::Filter {
        state: filter_state.map(|s| s.as_str().to_string()),
        search: search.map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase),
        after_email: cursor.map(str::to_string),
        limit: limit + 1,
    };
    let rows = members::list(&state.db.pool, &c.enterprise.id, &filter)
        .await
        .during(|| format!("reading the members of {}", c.enterprise.domain))?;
    let page = Page::of(rows, limit, |r| r.email.clone());
    Ok(MemberPage { items: page.items.into_iter().map(view).collect(), next_cursor: page.next_cursor })
}

/// Which states a member may come from to reach `to`, and what that does to seats.
fn sources(to: MemberState) -> DomainResult<&'static [(MemberState, i64)]> {
    use MemberState::{Managed, Suspended, Unmanaged};
    Ok(match to {
        Managed => &[(Unmanaged, 1)],
        Unmanaged => &[(Managed, -1), (Suspended, 0)],
        Suspended => &[(Managed, -1), (Unmanaged, 0)],
        MemberState::Invited | MemberState::Removed => {
            return Err(DomainError::field(
                "invalid_state",
                "A member can be made managed, unmanaged or suspended; revoke an invitation to remove it.",
            ))
        }
    })
}

/// Moves members to `to` (those already there, or still invited, are skipped).
pub async fn move_to(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    ids: &[String],
    to: MemberState,
) -> DomainResult<BulkStateResult> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(DomainError::field("invalid_ids", format!("Pass between 1 and {MAX_BULK} member ids.")));
    }
    let requested = ids;
    let from = sources(to)?;
    let now = now_ms();
    let e = &c.enterprise;
    let admins = enterprises::admins_among(&state.db.pool, &e.id).await?;
    let protected: std::collections::HashSet<&str> =
        admins.iter().filter(|(_, _, role)| !may_change_admin(c.role, role, to)).map(|(m, _, _)| m.as_str()).collect();
    let allowed: Vec<String> = ids.iter().filter(|id| !protected.contains(id.as_str())).cloned().collect();
    let ids = allowed.as_slice();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &e.id).await?;
    let mut moved = Vec::new();
    let mut delta = 0;
    for (source, seats) in from {
        let changed = members::change_state(&mut tx, &e.id, ids, &[*source], to, now).await?;
        delta += seats * changed.len() as i64;
        moved.extend(changed.into_iter().map(|(id, email)| (id, email, *seats)));
    }
    let Some(seats_now) = members::adjust_seats(&mut *tx, &e.id, delta).await? else {
        let cap = e.seat_cap.unwrap_or_default();
        let used = members::managed_seats(&mut *tx, &e.id).await?;
        return Err(DomainError::conflict(
            "seat_cap_reached",
            format!(
                "{} has {cap} managed seats by contract and {used} are in use; {delta} more would pass the cap.",
                e.domain
            ),
        ));
    };
    let seat_moves: Vec<members::SeatMove> =
        moved.iter().map(|(id, email, seats)| members::SeatMove { member_id: id, email, delta: *seats }).collect();
    members::record_seat_events(&mut tx, state.db.backend, &e.id, &seat_moves, seats_now, &actor.email, now).await?;
    if !moved.is_empty() {
        let emails: Vec<&str> = moved.iter().take(100).map(|(_, e, _)| e.as_str()).collect();
        let details =
            json!({"to": to, "count": moved.len(), "seat_delta": delta, "managed_seats": seats_now, "emails": emails});
        let target = (moved.len() == 1).then(|| moved[0].1.clone());
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "users.state_changed", target.as_deref(), details),
            now,
        )
        .await?;
        let changes = moved.iter().map(|(id, email, _)| json!({"id": id, "email": email, "state": to}));
        webhooks::queue_all(&mut tx, &e.id, WebhookEvent::MemberStateChanged, changes, now).await?;
    }
    if to == MemberState::Suspended {
        // A suspended admin's open sessions lose the console now, not at their next elevation.
        for (member, account, _) in &admins {
            if moved.iter().any(|(id, _, _)| id == member) {
                sessions::drop_elevation(&mut *tx, account).await?;
            }
        }
    }
    tx.commit().await?;
    let moved_ids: std::collections::HashSet<&str> = moved.iter().map(|(id, _, _)| id.as_str()).collect();
    let skipped = requested.iter().filter(|id| !moved_ids.contains(id.as_str())).cloned().collect();
    Ok(BulkStateResult { changed: moved.len() as u64, skipped, managed_seats: seats_now })
}

/// DESIGN §4 Admins: only the PMA changes an admin's state, and nothing suspends the PMA.
fn may_change_admin(actor: Role, target_role: &str, to: MemberState) -> bool {
    if target_role == Role::Pma.as_str() {
        return actor == Role::Pma && to != MemberState::Suspended;
    }
    actor == Role::Pma
}

fn field<'a>(new: &'a Option<String>, old: &'a Option<String>, name: &str) -> DomainResult<Option<String>> {
    match new {
        None => Ok(old.clone()),
        Some(v) => muster_model::validate::name(Some(v), name).map_err(DomainError::Validation),
    }
}

/// Edits the profile and/or moves the member to another state.
pub async fn update(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    id: &str,
    req: UpdateMemberRequest,
) -> DomainResult<Member> {
    let m = members::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("member"))?;
    // Authorised before anything is written: a refused state change saves no profile edit either.
    if let Some(to) = req.state {
        let admin_role = match &m.account_id {
            Some(account) => enterprises::admin_role(&state.db.pool, &c.enterprise.id, account).await?,
            None => None,
        };
        if let Some(role) = admin_role.as_deref() {
            if role == Role::Pma.as_str() && to == MemberState::Suspended {
                return Err(DomainError::denied(
                    "cannot_suspend_pma",
                    "The Primary Master Admin cannot be suspended. Transfer ownership to another admin first.",
                ));
            }
            if !may_change_admin(c.role, role, to) {
                return Err(DomainError::denied(
                    "admin_protected",
                    format!("{} is an admin: only the Primary Master Admin changes an admin's state.", m.email),
                ));
            }
        }
    }
    let profile = [&req.first_name, &req.last_name, &req.department, &req.phone, &req.job_title];
    if profile.iter().any(|f| f.is_some()) {
        let first = field(&req.first_name, &m.first_name, "First name")?;
        let last = field(&req.last_name, &m.last_name, "Last name")?;
        let department = field(&req.department, &m.department, "Department")?;
        let phone = field(&req.phone, &m.phone, "Phone")?;
        let job_title = field(&req.job_title, &m.job_title, "Job title")?;
        let now = now_ms();
        let mut tx = state.db.pool.begin().await?;
        let p = muster_model::Profile {
            first_name: first.clone(),
            last_name: last.clone(),
            department: department.clone(),
            phone: phone.clone(),
            job_title: job_title.clone(),
        };
        members::set_profile(&mut *tx, &m.id, &p, now).await?;
        let details = json!({
            "first_name": {"before": m.first_name, "after": first},
            "last_name": {"before": m.last_name, "after": last},
            "department": {"before": m.department, "after": department},
            "phone": {"before": m.phone, "after": phone},
            "job_title": {"before": m.job_title, "after": job_title},
        });
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &c.enterprise.id, "user.updated", Some(&m.email), details.clone()),
            now,
        )
        .await?;
        let data = json!({"id": m.id, "email": m.email, "changes": details});
        webhooks::queue(&mut tx, &c.enterprise.id, WebhookEvent::MemberUpdated, data, now).await?;
        tx.commit().await?;
    }
    if let Some(to) = req.state {
        if m.state == MemberState::Invited {
            return Err(DomainError::conflict(
                "not_enrolled",
                format!("{} has not accepted the invitation yet.", m.email),
            ));
        }
        if m.state != to {
            let result = move_to(state, c, actor, std::slice::from_ref(&m.id), to).await?;
            if result.changed == 0 {
                return Err(DomainError::conflict(
                    "invalid_transition",
                    format!("{} is {} and cannot become {to}.", m.email, m.state),
                ));
            }
        }
    }
    let m = members::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("member"))?;
    Ok(view(m))
}
