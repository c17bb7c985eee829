//! The plan of a sync run, computed without I/O from the snapshot and the
//! current members and lists: creates, updates with before→after, relinks,
//! suspensions, restores, list changes and the per-entry diff rows. Admins the
//! run may not change are taken out here (DESIGN §4 Admins).

use std::collections::{HashMap, HashSet};

use muster_model::{MemberState, SyncAction, SyncChange, SyncCounts};
use serde_json::{json, Map, Value};

use super::{mapping::Person, read::Snapshot};
use crate::{
    services::error::DomainResult,
    state::AppState,
    store::{self, directory::SyncedMember, enterprises, enterprises::EnterpriseRow, jobs::ResultRow},
};

/// The run's outcome before it is written.
#[derive(Default)]
pub struct Plan {
    pub creates: Vec<(Person, NewMember)>,
    /// (member id, person, field changes, linked to a new directory id)
    pub updates: Vec<(String, Person, Map<String, Value>, bool)>,
    pub suspends: Vec<(SyncedMember, String)>,
    pub restores: Vec<(SyncedMember, Person)>,
    pub list_changes: Vec<ListChange>,
    pub results: Vec<ResultRow>,
    pub counts: SyncCounts,
    /// Admins this run would have suspended or restored but may not (its
    /// configuration was not saved by the PMA): the PMA is told.
    pub spared_admins: Vec<String>,
}

/// Who among the members is an admin, and whether this run may suspend admins.
pub struct AdminGuard {
    /// member id → role
    pub roles: HashMap<String, String>,
    /// True when the PMA saved the configuration (DESIGN §4 Admins).
    pub may_suspend_admins: bool,
}

impl AdminGuard {
    pub async fn load(state: &AppState, enterprise_id: &str, saved_by: Option<&str>) -> DomainResult<Self> {
        let admins = enterprises::admins_among(&state.db.pool, enterprise_id).await?;
        let may_suspend_admins = saved_by.is_some_and(|s| admins.iter().any(|(_, a, r)| a == s && r == "pma"));
        Ok(Self { roles: admins.into_iter().map(|(m, _, r)| (m, r)).collect(), may_suspend_admins })
    }

    /// Takes out of the plan the suspensions this run may not make, reporting each as skipped.
    pub fn spare(&self, plan: &mut Plan) {
        let mut kept = Vec::with_capacity(plan.suspends.len());
        for (m, why) in std::mem::take(&mut plan.suspends) {
            let detail = match self.roles.get(&m.id).map(String::as_str) {
                None => {
                    kept.push((m, why));
                    continue;
                }
                Some("pma") => "The Primary Master Admin is never suspended by a sync.".to_string(),
                Some(_) if self.may_suspend_admins => {
                    kept.push((m, why));
                    continue;
                }
                Some(_) => {
                    plan.spared_admins.push(m.email.clone());
                    format!(
                        "{} is an admin; only a sync whose configuration the Primary Master Admin saved may suspend \
                         admins. The PMA was told. ({why})",
                        m.email
                    )
                }
            };
            plan.counts.excluded += 1;
            plan.results.push(result(SyncAction::Skip, Some(m.email.clone()), None, Some(detail), None));
        }
        plan.suspends = kept;
        // Restoring an admin is a change of an admin's state too.
        if !self.may_suspend_admins {
            let mut kept = Vec::with_capacity(plan.restores.len());
            for (m, p) in std::mem::take(&mut plan.restores) {
                if self.roles.contains_key(&m.id) {
                    plan.spared_admins.push(m.email.clone());
                    plan.counts.excluded += 1;
                    let detail = format!(
                        "{} is an admin; only a sync whose configuration the Primary Master Admin saved may restore \
                         admins. The PMA was told.",
                        m.email
                    );
                    plan.results.push(result(SyncAction::Skip, Some(m.email.clone()), Some(&p.dn), Some(detail), None));
                } else {
                    kept.push((m, p));
                }
            }
            plan.restores = kept;
        }
    }
}

pub enum NewMember {
    Fresh(String),
    /// A removed member (revoked invitation) invited again.
    Revived(String),
}

impl NewMember {
    pub fn id(&self) -> &str {
        match self {
            Self::Fresh(id) | Self::Revived(id) => id,
        }
    }
}

pub enum ListChange {
    Create { group: usize, members: Vec<String> },
    Update { id: String, group: usize, added: Vec<String>, removed: Vec<String> },
    Remove { id: String },
}

pub fn result(
    action: SyncAction,
    email: Option<String>,
    dn: Option<&str>,
    detail: Option<String>,
    fields: Option<Map<String, Value>>,
) -> ResultRow {
    let mut changes = Map::new();
    if let Some(dn) = dn {
        changes.insert("dn".into(), dn.into());
    }
    if let Some(f) = fields.filter(|f| !f.is_empty()) {
        changes.insert("fields".into(), Value::Object(f));
    }
    ResultRow {
        seq: 0,
        line: None,
        email,
        outcome: action.as_str().into(),
        detail,
        changes: (!changes.is_empty()).then(|| Value::Object(changes).to_string()),
    }
}

/// A person this run leaves out: counted as excluded or as an error, with the reason in the diff.
pub fn skip(counts: &mut SyncCounts, results: &mut Vec<ResultRow>, action: SyncAction, p: &Person, why: String) {
    match action {
        SyncAction::Exclude => counts.excluded += 1,
        _ => counts.errors += 1,
    }
    results.push(result(action, Some(p.email.clone()), Some(&p.dn), Some(why), None));
}

/// The stored result as the API shows a change.
pub fn change_view(r: ResultRow) -> SyncChange {
    let mut parsed: Map<String, Value> =
        r.changes.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
    SyncChange {
        action: r.outcome,
        email: r.email,
        dn: parsed.remove("dn").and_then(|d| d.as_str().map(str::to_string)),
        detail: r.detail,
        changes: parsed.remove("fields"),
    }
}

pub fn diff(
    e: &EnterpriseRow,
    snap: &Snapshot,
    current: &[SyncedMember],
    lists: &[crate::store::distribution_lists::ListRow],
    list_members: &[(String, Vec<String>)],
    guard: &AdminGuard,
) -> Plan {
    let mut plan = Plan::default();
    let counts = &mut plan.counts;
    counts.entries = snap.entries;
    let by_id: HashMap<&str, &SyncedMember> =
        current.iter().filter_map(|m| m.directory_id.as_deref().map(|d| (d, m))).collect();
    let by_email: HashMap<&str, &SyncedMember> = current.iter().map(|m| (m.email.as_str(), m)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let suffix = format!("@{}", e.domain);

    for (dn, email, id, why) in &snap.excluded {
        counts.excluded += 1;
        let known = id.as_deref().and_then(|i| by_id.get(i)).or_else(|| email.as_deref().and_then(|m| by_email.get(m)));
        if let Some(m) = known {
            seen.insert(m.id.as_str());
        }
        plan.results.push(result(SyncAction::Exclude, email.clone(), Some(dn), Some(why.clone()), None));
    }
    for (dn, why) in &snap.errors {
        counts.errors += 1;
        plan.results.push(result(SyncAction::Error, None, Some(dn), Some(why.clone()), None));
    }

    // Member ids (existing or to be created) by the normalised DN of each group they are in.
    let mut in_group: HashMap<String, Vec<String>> = HashMap::new();
    let mut emails_taken: HashMap<String, String> = HashMap::new();
    let snapshot_ids: HashSet<&str> = snap.people.iter().map(|p| p.directory_id.as_str()).collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    let mut ids_taken: HashSet<String> = HashSet::new();
    for p in &snap.people {
        if !p.email.ends_with(&suffix) {
            skip(counts, &mut plan.results, SyncAction::Exclude, p, format!("The address is not in {}.", e.domain));
            continue;
        }
        if let Some(first) = emails_taken.get(&p.email) {
            skip(
                counts,
                &mut plan.results,
                SyncAction::Error,
                p,
                format!("{first} has the same email address; fix one of them in the directory."),
            );
            continue;
        }
        if !ids_taken.insert(p.directory_id.clone()) {
            skip(
                counts,
                &mut plan.results,
                SyncAction::Error,
                p,
                "Another entry has the same directory id.".to_string(),
            );
            continue;
        }
        emails_taken.insert(p.email.clone(), p.dn.clone());
        // By directory id first; by email only a member not linked to another entry of this read.
        let existing = by_id.get(p.directory_id.as_str()).copied().or_else(|| {
            by_email
                .get(p.email.as_str())
                .copied()
                .filter(|m| m.directory_id.as_deref().is_none_or(|d| !snapshot_ids.contains(d)))
        });
        if let Some(m) = existing {
            if !claimed.insert(m.id.as_str()) {
                skip(
                    counts,
                    &mut plan.results,
                    SyncAction::Error,
                    p,
                    format!("{} is already matched to another directory entry in this run.", m.email),
                );
                continue;
            }
        }
        // A disabled account is never invited, nor invited again after a revoke.
        if p.disabled && existing.is_none_or(|m| m.state == MemberState::Removed) {
            if let Some(m) = existing {
                seen.insert(m.id.as_str());
            }
            skip(counts, &mut plan.results, SyncAction::Exclude, p, "The account is disabled in the directory.".into());
            continue;
        }
        let member_id = match existing {
            None => {
                let id = store::new_id();
                plan.creates.push((p.clone(), NewMember::Fresh(id.clone())));
                id
            }
            Some(m) if m.state == MemberState::Removed => {
                seen.insert(m.id.as_str());
                plan.creates.push((p.clone(), NewMember::Revived(m.id.clone())));
                m.id.clone()
            }
            Some(m) => {
                seen.insert(m.id.as_str());
                let relink = m.directory_id.as_deref() != Some(p.directory_id.as_str());
                // The directory only sets what it has: an empty attribute clears nothing.
                let changes = m.profile().changes_to(&p.profile);
                let suspend = p.disabled && m.state != MemberState::Suspended;
                let restore = !p.disabled && m.state == MemberState::Suspended && m.sync_suspended_from.is_some();
                if suspend {
                    plan.suspends.push((m.clone(), "The account is disabled in the directory.".into()));
                }
                if restore {
                    plan.restores.push((m.clone(), p.clone()));
                }
                if relink || !changes.is_empty() {
                    plan.updates.push((m.id.clone(), p.clone(), changes, relink));
                } else if !suspend && !restore {
                    counts.unchanged += 1;
                }
                m.id.clone()
            }
        };
        for g in &p.groups {
            in_group.entry(g.clone()).or_default().push(member_id.clone());
        }
    }

    // Linked members the directory no longer shows are suspended, never deleted.
    for m in current {
        if m.directory_id.is_some()
            && !seen.contains(m.id.as_str())
            && !matches!(m.state, MemberState::Suspended | MemberState::Removed)
        {
            plan.suspends
                .push((m.clone(), "No longer in the directory (or outside the chosen organisational units).".into()));
        }
    }

    guard.spare(&mut plan);
    let counts = &mut plan.counts;
    for (p, revived) in &plan.creates {
        counts.created += 1;
        let fields = p.profile.as_created();
        let detail = matches!(revived, NewMember::Revived(_))
            .then(|| "Invited again: the directory lists this person once more.".to_string());
        plan.results.push(result(SyncAction::Create, Some(p.email.clone()), Some(&p.dn), detail, Some(fields)));
    }
    for (_, p, changes, relinked) in &plan.updates {
        if *relinked {
            counts.relinked += 1;
            plan.results.push(result(
                SyncAction::Relink,
                Some(p.email.clone()),
                Some(&p.dn),
                Some(format!("Linked by email to the directory entry with id {}.", p.directory_id)),
                Some(changes.clone()),
            ));
        } else {
            counts.updated += 1;
            plan.results.push(result(
                SyncAction::Update,
                Some(p.email.clone()),
                Some(&p.dn),
                None,
                Some(changes.clone()),
            ));
        }
    }
    for (m, why) in &plan.suspends {
        counts.suspended += 1;
        let fields =
            Map::from_iter([("state".to_string(), json!({"before": m.state, "after": MemberState::Suspended}))]);
        plan.results.push(result(SyncAction::Suspend, Some(m.email.clone()), None, Some(why.clone()), Some(fields)));
    }
    for (m, p) in &plan.restores {
        counts.restored += 1;
        let fields = Map::from_iter([(
            "state".to_string(),
            json!({"before": MemberState::Suspended, "after": m.restores_to()}),
        )]);
        plan.results.push(result(SyncAction::Restore, Some(m.email.clone()), Some(&p.dn), None, Some(fields)));
    }

    super::plan_lists::diff_lists(&mut plan, snap, current, lists, list_members, &in_group);

    plan
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
