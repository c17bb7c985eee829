//! The distribution-list half of a sync's plan: one list per chosen group,
//! its members as the users' memberOf says; lists of groups gone are removed.

use std::collections::{HashMap, HashSet};

use muster_model::{normalize_dn, SyncAction};
use serde_json::{json, Map};

use super::{
    plan::{result, ListChange, Plan},
    read::Snapshot,
};
use crate::store::directory::SyncedMember;

/// Adds the list creates, updates (members added and removed, renames) and
/// removals to `plan`. `in_group`: member ids by the normalised DN of each group.
pub fn diff_lists(
    plan: &mut Plan,
    snap: &Snapshot,
    current: &[SyncedMember],
    lists: &[crate::store::distribution_lists::ListRow],
    list_members: &[(String, Vec<String>)],
    in_group: &HashMap<String, Vec<String>>,
) {
    let counts = &mut plan.counts;
    // Distribution lists: one per chosen group, members as the users' memberOf says.
    let mut current_members: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (list, members) in list_members {
        current_members.entry(list.as_str()).or_default().extend(members.iter().map(String::as_str));
    }
    let email_of: HashMap<&str, &str> = current.iter().map(|m| (m.id.as_str(), m.email.as_str())).collect();
    let lists_by_id: HashMap<&str, &crate::store::distribution_lists::ListRow> =
        lists.iter().map(|l| (l.directory_id.as_str(), l)).collect();
    let mut kept: HashSet<&str> = HashSet::new();
    for (i, g) in snap.groups.iter().enumerate() {
        let mut wanted: Vec<String> = in_group.get(&normalize_dn(&g.dn)).cloned().unwrap_or_default();
        wanted.sort();
        wanted.dedup();
        match lists_by_id.get(g.directory_id.as_str()) {
            None => {
                counts.groups_created += 1;
                let fields = Map::from_iter([("members".to_string(), json!({"before": 0, "after": wanted.len()}))]);
                plan.results.push(result(
                    SyncAction::GroupCreate,
                    g.email.clone(),
                    Some(&g.dn),
                    Some(g.name.clone()),
                    Some(fields),
                ));
                plan.list_changes.push(ListChange::Create { group: i, members: wanted });
            }
            Some(l) => {
                kept.insert(l.id.as_str());
                let have = current_members.get(l.id.as_str()).cloned().unwrap_or_default();
                let want: HashSet<&str> = wanted.iter().map(String::as_str).collect();
                let mut added: Vec<String> = want.difference(&have).map(|s| s.to_string()).collect();
                let mut removed: Vec<String> = have.difference(&want).map(|s| s.to_string()).collect();
                added.sort();
                removed.sort();
                let renamed = l.name != g.name || l.dn != g.dn || l.email != g.email || l.removed_at.is_some();
                if added.is_empty() && removed.is_empty() && !renamed {
                    continue;
                }
                counts.groups_updated += 1;
                let mut fields = Map::new();
                if l.name != g.name {
                    fields.insert("name".into(), json!({"before": l.name, "after": g.name}));
                }
                if l.dn != g.dn {
                    fields.insert("dn".into(), json!({"before": l.dn, "after": g.dn}));
                }
                let label = |ids: &[String]| -> Vec<String> {
                    let mut out: Vec<String> = ids
                        .iter()
                        .map(|id| email_of.get(id.as_str()).map(|e| e.to_string()).unwrap_or_else(|| id.clone()))
                        .collect();
                    out.sort();
                    out
                };
                if !added.is_empty() {
                    fields.insert("members_added".into(), json!(label(&added)));
                }
                if !removed.is_empty() {
                    fields.insert("members_removed".into(), json!(label(&removed)));
                }
                plan.results.push(result(
                    SyncAction::GroupUpdate,
                    g.email.clone(),
                    Some(&g.dn),
                    Some(g.name.clone()),
                    Some(fields),
                ));
                plan.list_changes.push(ListChange::Update { id: l.id.clone(), group: i, added, removed });
            }
        }
    }
    let excluded_groups: HashSet<&str> = snap.groups_excluded.iter().map(|(dn, _)| dn.as_str()).collect();
    for l in lists {
        if !kept.contains(l.id.as_str())
            && !excluded_groups.contains(normalize_dn(&l.dn).as_str())
            && l.removed_at.is_none()
            && !snap.groups.iter().any(|g| g.directory_id == l.directory_id)
        {
            counts.groups_removed += 1;
            plan.results.push(result(
                SyncAction::GroupRemove,
                l.email.clone(),
                Some(&l.dn),
                Some(format!("{} is no longer chosen or in the directory; the list is kept, marked removed.", l.name)),
                None,
            ));
            plan.list_changes.push(ListChange::Remove { id: l.id.clone() });
        }
    }
    for (dn, why) in &snap.groups_excluded {
        plan.results.push(result(SyncAction::Exclude, None, Some(dn), Some(why.clone()), None));
    }
}
