//! Reading a sync's snapshot: the chosen OUs with paged searches (each entry
//! mapped to a person, or excluded with the reason), then the chosen groups.

use std::collections::HashSet;

use muster_model::{normalize_dn, RuleMatch, RuleTarget};

use super::{mapping, mapping::Person, rules::Rules, Settings};
use crate::{integrations::ldap, state::AppState, store::jobs::JobRow};

/// A group chosen for a distribution list, as read from the directory.
pub struct Group {
    pub directory_id: String,
    pub dn: String,
    pub name: String,
    pub email: Option<String>,
}

/// What the directory holds for this run.
#[derive(Default)]
pub struct Snapshot {
    pub people: Vec<Person>,
    /// (dn, email, directory id, reason): excluded entries, left alone.
    pub excluded: Vec<(String, Option<String>, Option<String>, String)>,
    /// (dn, reason): entries that cannot be taken (no id).
    pub errors: Vec<(String, String)>,
    pub groups: Vec<Group>,
    /// Chosen groups that are excluded or gone, by normalised DN.
    pub groups_excluded: Vec<(String, String)>,
    pub entries: u64,
}

/// Reads the chosen OUs (the base DN when none is chosen) and groups.
pub async fn read(state: &AppState, job: &JobRow, s: &Settings, password: String) -> Result<Snapshot, ldap::Failure> {
    let target = super::target(s, password, &state.config);
    let rules =
        Rules::compile(&s.exclusion_rules).map_err(|why| ldap::Failure { code: "invalid_rule", message: why })?;
    let mut conn = ldap::connect(&target, &state.ldap_reach()).await?;
    let map = &s.attribute_map;
    // Rules may look at attributes the map does not name: ask for those too.
    let rule_attrs = |target: RuleTarget| {
        s.exclusion_rules
            .iter()
            .filter(move |r| {
                r.applies_to == target && r.matches != RuleMatch::UnderOu && !r.attribute.eq_ignore_ascii_case("dn")
            })
            .map(|r| r.attribute.clone())
    };
    let mut attrs = mapping::attributes(map);
    attrs.extend(rule_attrs(RuleTarget::User));
    let mut snap = Snapshot::default();
    let mut seen_dns = HashSet::new();
    let bases =
        if s.organizational_units.is_empty() { vec![s.base_dn.clone()] } else { s.organizational_units.clone() };
    let filter = s.user_filter();
    for base in &bases {
        ldap::search(&mut conn, &target, base, &filter, &attrs, |entry| {
            // Nested OUs can both be chosen: an entry counts once.
            if !seen_dns.insert(normalize_dn(&entry.dn)) {
                return Ok(());
            }
            snap.entries += 1;
            // The bound holds for the whole read, not each OU's search.
            if snap.entries > target.max_entries {
                return Err(ldap::Failure {
                    code: "too_many_entries",
                    message: format!(
                        "The chosen organisational units hold more than {} entries; Muster stops there \
                         (MUSTER_LDAP_MAX_ENTRIES). Narrow the organisational units or the filter.",
                        target.max_entries
                    ),
                });
            }
            if snap.entries % 500 == 0 {
                state.note_progress(&job.id, snap.entries as i64);
            }
            let person = mapping::person(&entry, map);
            if let Some(rule) = rules.excludes(RuleTarget::User, &entry) {
                // Keep its id and email, so the member it may already be is left alone, not suspended.
                let (email, id) = match &person {
                    Ok(p) => (Some(p.email.clone()), Some(p.directory_id.clone())),
                    Err(_) => {
                        (ldap::text(&entry, &map.email).map(str::to_lowercase), mapping::directory_id(&entry, &map.id))
                    }
                };
                snap.excluded.push((entry.dn, email, id, format!("Excluded by the rule {rule}.")));
                return Ok(());
            }
            match person {
                Ok(p) => snap.people.push(p),
                Err(mapping::Unusable::NoEmail) => {
                    let id = mapping::directory_id(&entry, &map.id);
                    snap.excluded.push((entry.dn, None, id, format!("No email address ({}).", map.email)))
                }
                Err(mapping::Unusable::NoId) => {
                    snap.errors.push((entry.dn, format!("The entry has no {} to keep it linked by.", map.id)))
                }
            }
            Ok(())
        })
        .await?;
    }
    let mut group_attrs = vec![map.id.clone(), "cn".to_string(), "mail".to_string()];
    group_attrs.extend(rule_attrs(RuleTarget::Group));
    let mut seen_groups = HashSet::new();
    for dn in &s.groups {
        // The same group chosen twice (spelled differently) is one list.
        if !seen_groups.insert(normalize_dn(dn)) {
            continue;
        }
        let mut found = None;
        let searched = ldap::search(&mut conn, &target, dn, "(objectClass=*)", &group_attrs, |entry| {
            if found.is_none() && normalize_dn(&entry.dn) == normalize_dn(dn) {
                if let Some(rule) = rules.excludes(RuleTarget::Group, &entry) {
                    snap.groups_excluded.push((normalize_dn(dn), format!("Excluded by the rule {rule}.")));
                    found = Some(None);
                } else {
                    let id = mapping::directory_id(&entry, &map.id).unwrap_or_else(|| normalize_dn(&entry.dn));
                    let name = ldap::text(&entry, "cn").unwrap_or(&entry.dn).to_string();
                    let email = ldap::text(&entry, "mail").map(str::to_lowercase);
                    found = Some(Some(Group { directory_id: id, dn: entry.dn, name, email }));
                }
            }
            Ok(())
        })
        .await;
        match searched {
            Ok(_) => {}
            Err(f) if f.code == "no_such_base_dn" => {}
            Err(f) => return Err(f),
        }
        match found {
            Some(Some(g)) if snap.groups.iter().any(|x| x.directory_id == g.directory_id) => {}
            Some(Some(g)) => snap.groups.push(g),
            Some(None) => {}
            None => snap.groups_excluded.push((normalize_dn(dn), "The group is not in the directory.".into())),
        }
    }
    let _ = conn.unbind().await;
    state.note_progress(&job.id, snap.entries as i64);
    Ok(snap)
}
