//! SCIM Groups: distribution lists owned by SCIM (Directory Sync's lists are
//! its own and not shown here). Members are member ids; an id SCIM does not
//! know is refused rather than dropped, so a client learns of it. DELETE
//! marks the list removed, as a group leaving the directory does.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{
    filter_of, page,
    patch::{group_changes, matches, operations, GroupChange},
    resource::{self, group_input, invalid},
    ListQuery, Tenant,
};
use crate::{
    services::{
        audit,
        error::{DomainError, DomainResult},
    },
    state::AppState,
    store::{
        audit as audit_store, distribution_lists, enterprises, now_ms,
        scim::{self as scim_store, ScimGroupRow},
        scim_filter::Resource,
    },
};

/// Whether the client wants members in the answer (`excludedAttributes=members`, or `attributes` without them).
fn wants_members(q: &ListQuery) -> bool {
    let listed = |s: &Option<String>| {
        s.as_deref().is_some_and(|s| {
            s.split(',').any(|a| muster_model::scim_filter::plain_attr(a.trim()).starts_with("members"))
        })
    };
    !listed(&q.excluded_attributes) && (q.attributes.is_none() || listed(&q.attributes))
}

async fn shown(state: &AppState, t: &Tenant, g: &ScimGroupRow, q: &ListQuery) -> DomainResult<Value> {
    let members = if wants_members(q) { Some(scim_store::group_members(&state.db.pool, &g.id).await?) } else { None };
    let v = resource::group(&t.base, g, members.as_deref());
    Ok(resource::project(v, q.attributes.as_deref(), q.excluded_attributes.as_deref()))
}

async fn locked(tx: &mut sqlx::Transaction<'_, sqlx::Any>, t: &Tenant, id: &str) -> DomainResult<ScimGroupRow> {
    scim_store::group(&mut **tx, &t.console.enterprise.id, id).await?.ok_or(DomainError::NotFound("group"))
}

async fn found(state: &AppState, t: &Tenant, id: &str) -> DomainResult<ScimGroupRow> {
    scim_store::group(&state.db.pool, &t.console.enterprise.id, id).await?.ok_or(DomainError::NotFound("group"))
}

pub async fn get(state: &AppState, t: &Tenant, id: &str, q: &ListQuery) -> DomainResult<Value> {
    let g = found(state, t, id).await?;
    shown(state, t, &g, q).await
}

pub async fn list(state: &AppState, t: &Tenant, q: &ListQuery) -> DomainResult<Value> {
    let cond = filter_of(q.filter.as_deref(), Resource::Group)?;
    let (start, count) = page(q.start_index, q.count);
    let mut conn = state.db.pool.acquire().await?;
    let (total, rows) =
        scim_store::groups(&mut conn, &t.console.enterprise.id, cond.as_ref(), start - 1, count).await?;
    drop(conn);
    let mut items = Vec::with_capacity(rows.len());
    for g in &rows {
        items.push(shown(state, t, g, q).await?);
    }
    Ok(resource::list_response(total, start, items))
}

/// Inside the write's transaction, after the enterprise is locked: two creates of one name cannot both pass.
async fn unique_name(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    t: &Tenant,
    name: &str,
    except: Option<&str>,
) -> DomainResult<()> {
    if let Some(other) = scim_store::group_named(&mut **tx, &t.console.enterprise.id, name, except).await? {
        return Err(DomainError::conflict(
            "uniqueness",
            format!("A group named {name:?} already exists (id {other})."),
        ));
    }
    Ok(())
}

/// The ids, each once, all of them members SCIM sees.
async fn known(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    t: &Tenant,
    ids: impl IntoIterator<Item = String>,
) -> DomainResult<Vec<String>> {
    let wanted: Vec<String> = ids.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
    let found: BTreeSet<String> =
        scim_store::known_members(tx, &t.console.enterprise.id, &wanted).await?.into_iter().collect();
    let unknown: Vec<&str> = wanted.iter().filter(|id| !found.contains(*id)).map(String::as_str).take(5).collect();
    if !unknown.is_empty() {
        return Err(invalid(
            "invalidValue",
            format!("No user has the id {}: create the user first.", unknown.join(", ")),
        ));
    }
    Ok(wanted)
}

pub async fn create(state: &AppState, t: &Tenant, body: &Value) -> DomainResult<Value> {
    let input = group_input(body)?;
    let e = &t.console.enterprise;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &e.id).await?;
    unique_name(&mut tx, t, &input.display_name, None).await?;
    let members = known(&mut tx, t, input.members).await?;
    let directory_id = format!("scim:{}", crate::store::new_id());
    let list =
        distribution_lists::NewList { directory_id: &directory_id, dn: "", name: &input.display_name, email: None };
    let id = distribution_lists::insert_list(&mut tx, state.db.backend, &e.id, &list, now).await?;
    scim_store::own_group(&mut *tx, &id, input.external_id.as_deref()).await?;
    distribution_lists::add_list_members(&mut tx, state.db.backend, &id, &members).await?;
    let details = json!({"id": id, "members": members.len()});
    audit_store::record(&mut *tx, &audit_event(t, "scim.group.created", &input.display_name, details), now).await?;
    tx.commit().await?;
    let g = found(state, t, &id).await?;
    shown(state, t, &g, &ListQuery::default()).await
}

pub async fn replace(state: &AppState, t: &Tenant, id: &str, body: &Value) -> DomainResult<Value> {
    let input = group_input(body)?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &t.console.enterprise.id).await?;
    let g = locked(&mut tx, t, id).await?;
    unique_name(&mut tx, t, &input.display_name, Some(id)).await?;
    let members = known(&mut tx, t, input.members).await?;
    scim_store::set_group(&mut *tx, &g.id, &input.display_name, input.external_id.as_deref(), now).await?;
    scim_store::clear_group(&mut *tx, &g.id).await?;
    distribution_lists::add_list_members(&mut tx, state.db.backend, &g.id, &members).await?;
    let details =
        json!({"id": g.id, "members": members.len(), "name": {"before": g.name, "after": input.display_name}});
    audit_store::record(&mut *tx, &audit_event(t, "scim.group.replaced", &input.display_name, details), now).await?;
    tx.commit().await?;
    let g = found(state, t, id).await?;
    shown(state, t, &g, &ListQuery::default()).await
}

/// Answers nothing (204, as RFC 7644 §3.5.2 allows): a group of thousands is not sent back for each change.
pub async fn patch(state: &AppState, t: &Tenant, id: &str, body: &Value) -> DomainResult<()> {
    let changes = group_changes(operations(body)?)?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::lock_for_update(&mut *tx, &t.console.enterprise.id).await?;
    let g = locked(&mut tx, t, id).await?;
    let before: BTreeSet<String> = scim_store::group_members(&mut *tx, &g.id).await?.into_iter().collect();
    let mut members = before.clone();
    let (mut name, mut external_id) = (g.name.clone(), g.external_id.clone());
    for change in changes {
        match change {
            GroupChange::Rename(n) => name = n,
            GroupChange::ExternalId(x) => external_id = x,
            GroupChange::AddMembers(ids) => members.extend(ids),
            GroupChange::RemoveMembers(ids) => ids.iter().for_each(|id| {
                members.remove(id);
            }),
            GroupChange::RemoveWhere(f) => members.retain(|id| !matches(&f, &json!({"value": id}))),
            GroupChange::RemoveAllMembers => members.clear(),
            GroupChange::SetMembers(ids) => members = ids.into_iter().collect(),
        }
    }
    if name != g.name {
        unique_name(&mut tx, t, &name, Some(id)).await?;
    }
    let added = known(&mut tx, t, members.difference(&before).cloned()).await?;
    let removed: Vec<String> = before.difference(&members).cloned().collect();
    scim_store::set_group(&mut *tx, &g.id, &name, external_id.as_deref(), now).await?;
    distribution_lists::remove_list_members(&mut tx, &g.id, &removed).await?;
    distribution_lists::add_list_members(&mut tx, state.db.backend, &g.id, &added).await?;
    let details = json!({"id": g.id, "added": added.len(), "removed": removed.len(), "name": name});
    audit_store::record(&mut *tx, &audit_event(t, "scim.group.updated", &name, details), now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(state: &AppState, t: &Tenant, id: &str) -> DomainResult<()> {
    let g = found(state, t, id).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    distribution_lists::mark_list_removed(&mut *tx, &g.id, now).await?;
    audit_store::record(&mut *tx, &audit_event(t, "scim.group.deleted", &g.name, json!({"id": g.id})), now).await?;
    tx.commit().await?;
    Ok(())
}

fn audit_event<'a>(
    t: &'a Tenant,
    action: &'a str,
    target: &'a str,
    details: Value,
) -> crate::store::audit::NewEvent<'a> {
    audit::by(Some(&t.console.actor), &t.console.enterprise.id, action, Some(target), details)
}
