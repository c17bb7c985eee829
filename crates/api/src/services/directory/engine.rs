//! One sync run: read the chosen OUs with paged searches, diff the people
//! against the members (create / update with before→after / unchanged /
//! suspend / restore / relink / excluded) and the chosen groups against the
//! distribution lists, check the safeguards, then — unless it is a dry run —
//! write everything in one transaction with multi-row statements.
//!
//! Nothing is written until the directory has been read to the end: a search
//! that stops early fails the run, and a run that would suspend too many
//! people, or sees far fewer entries than the last good run, is `blocked`.

use std::collections::{HashMap, HashSet};

use muster_model::{normalize_dn, Module, RuleMatch, RuleTarget, SyncChange, SyncCounts};
use serde_json::{json, Map, Value};

use super::{mapping, mapping::Person, rules::Rules, Settings};
use crate::{
    error::{ApiError, ApiResult},
    integrations::ldap,
    services::{audit, csv_import::FIELDS, enrollment, mail},
    state::{AppState, Shared},
    store::{
        self, accounts, audit as audit_store, bulk, bulk::Cell, directory, directory::SyncedMember, enterprises,
        enterprises::EnterpriseRow, jobs, jobs::JobRow, jobs::ResultRow, members, now_ms, outbox,
    },
};

/// A run whose search returns less than this share of the last good run's
/// entries is blocked (a wrong base DN or a bind account that sees less).
const SHRINK_BLOCK_RATIO: f64 = 0.5;
/// Below this many entries in the last good run, shrinkage is not judged.
const SHRINK_MIN_ENTRIES: i64 = 20;
/// Creates written per multi-row statement group.
const WRITE_SLICE: usize = 2000;

/// A group chosen for a distribution list, as read from the directory.
struct Group {
    directory_id: String,
    dn: String,
    name: String,
    email: Option<String>,
}

/// What the directory holds for this run.
#[derive(Default)]
struct Snapshot {
    people: Vec<Person>,
    /// (dn, email, directory id, reason): excluded entries, left alone.
    excluded: Vec<(String, Option<String>, Option<String>, String)>,
    /// (dn, reason): entries that cannot be taken (no id).
    errors: Vec<(String, String)>,
    groups: Vec<Group>,
    /// Chosen groups that are excluded or gone, by normalised DN.
    groups_excluded: Vec<(String, String)>,
    entries: u64,
}

/// The run's outcome before it is written.
#[derive(Default)]
struct Plan {
    creates: Vec<(Person, NewMember)>,
    /// (member id, person, field changes, linked to a new directory id)
    updates: Vec<(String, Person, Map<String, Value>, bool)>,
    suspends: Vec<(SyncedMember, String)>,
    restores: Vec<(SyncedMember, Person)>,
    list_changes: Vec<ListChange>,
    results: Vec<ResultRow>,
    counts: SyncCounts,
    /// Admins this run would have suspended or restored but may not (its
    /// configuration was not saved by the PMA): the PMA is told.
    spared_admins: Vec<String>,
}

/// Who among the members is an admin, and whether this run may suspend admins.
struct AdminGuard {
    /// member id → role
    roles: HashMap<String, String>,
    /// True when the PMA saved the configuration (DESIGN §4 Admins).
    may_suspend_admins: bool,
}

impl AdminGuard {
    async fn load(state: &AppState, enterprise_id: &str, saved_by: Option<&str>) -> ApiResult<Self> {
        let admins = enterprises::admins_among(&state.db.pool, enterprise_id).await?;
        let may_suspend_admins = saved_by.is_some_and(|s| admins.iter().any(|(_, a, r)| a == s && r == "pma"));
        Ok(Self { roles: admins.into_iter().map(|(m, _, r)| (m, r)).collect(), may_suspend_admins })
    }

    /// Takes out of the plan the suspensions this run may not make, reporting each as skipped.
    fn spare(&self, plan: &mut Plan) {
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
            plan.results.push(result("skip", Some(m.email.clone()), None, Some(detail), None));
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
                    plan.results.push(result("skip", Some(m.email.clone()), Some(&p.dn), Some(detail), None));
                } else {
                    kept.push((m, p));
                }
            }
            plan.restores = kept;
        }
    }
}

enum NewMember {
    Fresh(String),
    /// A removed member (revoked invitation) invited again.
    Revived(String),
}

impl NewMember {
    fn id(&self) -> &str {
        match self {
            Self::Fresh(id) | Self::Revived(id) => id,
        }
    }
}

enum ListChange {
    Create { group: usize, members: Vec<String> },
    Update { id: String, group: usize, added: Vec<String>, removed: Vec<String> },
    Remove { id: String },
}

/// Renews the job's lease while a run reads and writes (another replica would
/// otherwise claim it again after the lease); stops when dropped.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(state: &Shared, job_id: &str) -> Self {
        let (state, job_id) = (state.clone(), job_id.to_string());
        let every = std::time::Duration::from_millis((state.lease_ms() / 3).max(200) as u64);
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let lease = now_ms() + state.lease_ms();
                let processed = state.progress_of(&job_id).unwrap_or(0);
                if let Err(e) = jobs::progress(&state.db.pool, &job_id, processed, None, lease).await {
                    tracing::warn!(job = %job_id, error = %e, "could not renew the sync's lease");
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn run(shared: &Shared, job: &JobRow) -> ApiResult<SyncCounts> {
    let _heartbeat = Heartbeat::start(shared, &job.id);
    let state: &AppState = shared;
    let e = enterprises::by_id(&state.db.pool, &job.enterprise_id).await?.ok_or(ApiError::NotFound("enterprise"))?;
    // A scheduled run meets the same gate as a request: verified domain, plan with the module.
    let plan_of = muster_model::Plan::parse(&e.plan).unwrap_or_default();
    let status = muster_model::DomainStatus::parse(&e.domain_status).unwrap_or(muster_model::DomainStatus::Unverified);
    if let Some(reason) = Module::DirectorySync.lock_reason(plan_of, status) {
        return Err(ApiError::Locked(reason));
    }
    let actor = match job.created_by.as_deref() {
        Some(id) => accounts::by_id(&state.db.pool, id).await?,
        None => None,
    };
    let loaded = super::load(state, &e.id)
        .await?
        .ok_or_else(|| ApiError::Validation("Directory Sync is not configured any more.".into()))?;
    let settings = loaded.settings;
    let dry_run = job.dry_run != 0;
    if let Some(total) = loaded.row.last_good_entries {
        jobs::set_total(&state.db.pool, &job.id, total).await?;
    }

    let started = std::time::Instant::now();
    // The members load while the directory is read.
    let (snapshot, current) =
        tokio::join!(read(state, job, &settings, loaded.password), directory::members(&state.db.pool, &e.id));
    let read_ms = started.elapsed().as_millis() as u64;
    let snapshot = match snapshot {
        Ok(s) => s,
        // A base DN that does not exist must never read as "everyone left".
        Err(f) if f.code == "no_such_base_dn" => {
            let tx = state.db.pool.begin().await?;
            return finish_blocked(state, tx, job, &e, actor.as_ref(), SyncCounts::default(), f.message).await;
        }
        Err(f) => return Err(ApiError::Unavailable(f.message)),
    };
    let current = current?;
    let started = std::time::Instant::now();
    let lists = directory::all_lists(&state.db.pool, &e.id).await?;
    let list_members = directory::lists_with_members(&state.db.pool, state.db.backend, &e.id).await?;
    let guard = AdminGuard::load(state, &e.id, loaded.row.saved_by.as_deref()).await?;
    let mut plan = diff(&e, &snapshot, &current, &lists, &list_members, &guard);

    let options: Value = serde_json::from_str(&job.options).unwrap_or_default();
    let last_good =
        loaded.row.last_good_entries.filter(|_| !options["accept_smaller_directory"].as_bool().unwrap_or(false));
    let blocked = safeguard(&settings, last_good, &snapshot, &current, &plan);
    let diff_ms = started.elapsed().as_millis() as u64;
    let started = std::time::Instant::now();
    let timings = |write_ms: u64| json!({"read_ms": read_ms, "diff_ms": diff_ms, "write_ms": write_ms}).to_string();
    if let Some(why) = blocked {
        let mut tx = state.db.pool.begin().await?;
        write_results(state, &mut tx, job, std::mem::take(&mut plan.results)).await?;
        directory::set_timings(&mut *tx, &job.id, &timings(started.elapsed().as_millis() as u64)).await?;
        return finish_blocked(state, tx, job, &e, actor.as_ref(), plan.counts, why).await;
    }

    let mut tx = state.db.pool.begin().await?;
    let now = now_ms();
    if !dry_run {
        enterprises::lock_for_update(&mut *tx, &e.id).await?;
        apply(state, &mut tx, &e, actor.as_ref(), &settings, &snapshot, &mut plan, now).await?;
        directory::set_last_good(&mut *tx, &e.id, snapshot.entries as i64).await?;
        if !plan.spared_admins.is_empty() {
            if let Some((_, pma)) = enterprises::pma(&mut *tx, &e.id).await? {
                let m = mail::admins_spared_by_sync(&pma, &state.config.public_url, &e, &plan.spared_admins);
                outbox::enqueue(&mut *tx, &m, now).await?;
            }
        }
    }
    let counts = plan.counts;
    write_results(state, &mut tx, job, std::mem::take(&mut plan.results)).await?;
    directory::set_timings(&mut *tx, &job.id, &timings(started.elapsed().as_millis() as u64)).await?;
    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    jobs::finish_with(&mut *tx, &job.id, "succeeded", &counts_json, None, snapshot.entries as i64, now_ms()).await?;
    let action = if dry_run { "directory_sync.dry_run" } else { "directory_sync.applied" };
    audit_store::record(
        &mut *tx,
        &audit::by(actor.as_ref(), &e.id, action, None, json!({"run": job.id, "counts": counts})),
        now,
    )
    .await?;
    tx.commit().await?;
    state.forget_progress(&job.id);
    if !dry_run && settings.send_invitations && counts.invited > 0 {
        state.wake_outbox();
    }
    Ok(counts)
}

/// Ends a run the safeguards stopped, in the transaction that holds its diff.
async fn finish_blocked(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    job: &JobRow,
    e: &EnterpriseRow,
    actor: Option<&accounts::AccountRow>,
    counts: SyncCounts,
    why: String,
) -> ApiResult<SyncCounts> {
    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    jobs::finish(&mut *tx, &job.id, "blocked", &counts_json, Some(&why), now_ms()).await?;
    let details = json!({"run": job.id, "reason": why});
    audit_store::record(&mut *tx, &audit::by(actor, &e.id, "directory_sync.blocked", None, details), now_ms()).await?;
    tx.commit().await?;
    state.forget_progress(&job.id);
    tracing::warn!(job = %job.id, enterprise = %e.id, reason = %why, "directory sync blocked by a safeguard");
    Ok(counts)
}

/// Reads the chosen OUs (the base DN when none is chosen) and groups.
async fn read(state: &AppState, job: &JobRow, s: &Settings, password: String) -> Result<Snapshot, ldap::Failure> {
    let target = s.target(password, &state.config);
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

fn field_changes(before: [&Option<String>; 5], after: &[Option<String>; 5]) -> Map<String, Value> {
    FIELDS
        .iter()
        .zip(before)
        .zip(after)
        .filter_map(|((f, b), a)| match a {
            // The directory only sets what it has: an empty attribute clears nothing.
            Some(a) if b.as_deref() != Some(a.as_str()) => Some((f.to_string(), json!({"before": b, "after": a}))),
            _ => None,
        })
        .collect()
}

fn result(
    action: &str,
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
        outcome: action.into(),
        detail,
        changes: (!changes.is_empty()).then(|| Value::Object(changes).to_string()),
    }
}

/// A person this run leaves out: counted as excluded or as an error, with the reason in the diff.
fn skip(counts: &mut SyncCounts, results: &mut Vec<ResultRow>, action: &str, p: &Person, why: String) {
    match action {
        "exclude" => counts.excluded += 1,
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

fn diff(
    e: &EnterpriseRow,
    snap: &Snapshot,
    current: &[SyncedMember],
    lists: &[directory::ListRow],
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
        plan.results.push(result("exclude", email.clone(), Some(dn), Some(why.clone()), None));
    }
    for (dn, why) in &snap.errors {
        counts.errors += 1;
        plan.results.push(result("error", None, Some(dn), Some(why.clone()), None));
    }

    // Member ids (existing or to be created) by the normalised DN of each group they are in.
    let mut in_group: HashMap<String, Vec<String>> = HashMap::new();
    let mut emails_taken: HashMap<String, String> = HashMap::new();
    let snapshot_ids: HashSet<&str> = snap.people.iter().map(|p| p.directory_id.as_str()).collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    let mut ids_taken: HashSet<String> = HashSet::new();
    for p in &snap.people {
        if !p.email.ends_with(&suffix) {
            skip(counts, &mut plan.results, "exclude", p, format!("The address is not in {}.", e.domain));
            continue;
        }
        if let Some(first) = emails_taken.get(&p.email) {
            skip(
                counts,
                &mut plan.results,
                "error",
                p,
                format!("{first} has the same email address; fix one of them in the directory."),
            );
            continue;
        }
        if !ids_taken.insert(p.directory_id.clone()) {
            skip(counts, &mut plan.results, "error", p, "Another entry has the same directory id.".to_string());
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
                    "error",
                    p,
                    format!("{} is already matched to another directory entry in this run.", m.email),
                );
                continue;
            }
        }
        let member_id = match existing {
            None if p.disabled => {
                skip(counts, &mut plan.results, "exclude", p, "The account is disabled in the directory.".to_string());
                continue;
            }
            None => {
                let id = store::new_id();
                plan.creates.push((p.clone(), NewMember::Fresh(id.clone())));
                id
            }
            Some(m) if m.state == "removed" && p.disabled => {
                seen.insert(m.id.as_str());
                skip(counts, &mut plan.results, "exclude", p, "The account is disabled in the directory.".to_string());
                continue;
            }
            Some(m) if m.state == "removed" => {
                seen.insert(m.id.as_str());
                plan.creates.push((p.clone(), NewMember::Revived(m.id.clone())));
                m.id.clone()
            }
            Some(m) => {
                seen.insert(m.id.as_str());
                let relink = m.directory_id.as_deref() != Some(p.directory_id.as_str());
                let changes =
                    field_changes([&m.first_name, &m.last_name, &m.department, &m.phone, &m.job_title], &p.fields);
                let suspend = p.disabled && m.state != "suspended";
                let restore = !p.disabled && m.state == "suspended" && m.sync_suspended_from.is_some();
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
            && !matches!(m.state.as_str(), "suspended" | "removed")
        {
            plan.suspends
                .push((m.clone(), "No longer in the directory (or outside the chosen organisational units).".into()));
        }
    }

    guard.spare(&mut plan);
    let counts = &mut plan.counts;
    for (p, revived) in &plan.creates {
        counts.created += 1;
        let fields: Map<String, Value> = FIELDS
            .iter()
            .zip(&p.fields)
            .filter_map(|(f, v)| v.as_ref().map(|v| (f.to_string(), json!({"before": null, "after": v}))))
            .collect();
        let detail = matches!(revived, NewMember::Revived(_))
            .then(|| "Invited again: the directory lists this person once more.".to_string());
        plan.results.push(result("create", Some(p.email.clone()), Some(&p.dn), detail, Some(fields)));
    }
    for (_, p, changes, relinked) in &plan.updates {
        if *relinked {
            counts.relinked += 1;
            plan.results.push(result(
                "relink",
                Some(p.email.clone()),
                Some(&p.dn),
                Some(format!("Linked by email to the directory entry with id {}.", p.directory_id)),
                Some(changes.clone()),
            ));
        } else {
            counts.updated += 1;
            plan.results.push(result("update", Some(p.email.clone()), Some(&p.dn), None, Some(changes.clone())));
        }
    }
    for (m, why) in &plan.suspends {
        counts.suspended += 1;
        let fields = Map::from_iter([("state".to_string(), json!({"before": m.state, "after": "suspended"}))]);
        plan.results.push(result("suspend", Some(m.email.clone()), None, Some(why.clone()), Some(fields)));
    }
    for (m, p) in &plan.restores {
        counts.restored += 1;
        let to = m.sync_suspended_from.clone().unwrap_or_else(|| "unmanaged".into());
        let fields = Map::from_iter([("state".to_string(), json!({"before": "suspended", "after": to}))]);
        plan.results.push(result("restore", Some(m.email.clone()), Some(&p.dn), None, Some(fields)));
    }

    // Distribution lists: one per chosen group, members as the users' memberOf says.
    let mut current_members: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (list, members) in list_members {
        current_members.entry(list.as_str()).or_default().extend(members.iter().map(String::as_str));
    }
    let email_of: HashMap<&str, &str> = current.iter().map(|m| (m.id.as_str(), m.email.as_str())).collect();
    let lists_by_id: HashMap<&str, &directory::ListRow> = lists.iter().map(|l| (l.directory_id.as_str(), l)).collect();
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
                    "group_create",
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
                    "group_update",
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
                "group_remove",
                l.email.clone(),
                Some(&l.dn),
                Some(format!("{} is no longer chosen or in the directory; the list is kept, marked removed.", l.name)),
                None,
            ));
            plan.list_changes.push(ListChange::Remove { id: l.id.clone() });
        }
    }
    for (dn, why) in &snap.groups_excluded {
        plan.results.push(result("exclude", None, Some(dn), Some(why.clone()), None));
    }
    plan
}

/// Why this run must not write, if it must not.
fn safeguard(
    s: &Settings,
    last_good: Option<i64>,
    snap: &Snapshot,
    current: &[SyncedMember],
    plan: &Plan,
) -> Option<String> {
    // Everyone the directory governs after this run: linked already, or linked now by email.
    let unlinked: HashSet<&str> = current.iter().filter(|m| m.directory_id.is_none()).map(|m| m.id.as_str()).collect();
    let first_links = plan.updates.iter().filter(|(id, ..)| unlinked.contains(id.as_str()));
    let linked = current
        .iter()
        .filter(|m| m.directory_id.is_some() && !matches!(m.state.as_str(), "suspended" | "removed"))
        .count() as u64
        + first_links.count() as u64;
    let suspend = plan.suspends.len() as u64;
    if suspend > 0 && suspend * 100 > s.max_suspend_percent as u64 * linked {
        return Some(format!(
            "This run would suspend {suspend} of the {linked} people synced from the directory ({:.0}%), more than the \
             {}% allowed. Nothing was changed. If the directory is right, raise “Most suspended in one run” and run again.",
            suspend as f64 * 100.0 / linked as f64,
            s.max_suspend_percent
        ));
    }
    if let Some(good) = last_good.filter(|g| *g >= SHRINK_MIN_ENTRIES) {
        if (snap.entries as f64) < good as f64 * SHRINK_BLOCK_RATIO {
            return Some(format!(
                "The directory returned {} entries, far fewer than the {good} of the last good run — a wrong base DN or \
                 OU, a changed filter, or a bind account that sees less? Nothing was changed. If the smaller directory is \
                 right, start the run again accepting it.",
                snap.entries
            ));
        }
    }
    None
}

async fn write_results(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &JobRow,
    results: Vec<ResultRow>,
) -> ApiResult<()> {
    jobs::clear_results(&mut **tx, &job.id).await?;
    let mut seq = 1;
    let mut rows = results.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ResultRow> = rows.by_ref().take(5000).collect();
        let n = chunk.len() as i64;
        jobs::insert_results(tx, state.db.backend, &job.id, seq, chunk).await?;
        seq += n;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    actor: Option<&accounts::AccountRow>,
    s: &Settings,
    snap: &Snapshot,
    plan: &mut Plan,
    now: i64,
) -> ApiResult<()> {
    let backend = state.db.backend;
    let mut staged = enrollment::StagedInvitations::new(state, e, actor, s.send_invitations, now);

    // New people: members, invitations and (when sending) their mail.
    let mut columns = vec!["id", "enterprise_id", "email", "state", "source"];
    columns.extend(FIELDS);
    columns.extend(["directory_id", "created_at", "updated_at"]);
    // In slices, so a 100,000-person first sync never holds all its rows as cells at once.
    for slice in plan.creates.chunks(WRITE_SLICE) {
        let mut new_members = Vec::with_capacity(slice.len());
        for (p, new) in slice {
            match new {
                NewMember::Fresh(id) => {
                    let mut cells = vec![
                        Cell::from(id.as_str()),
                        e.id.as_str().into(),
                        p.email.as_str().into(),
                        "invited".into(),
                        "directory".into(),
                    ];
                    cells.extend(p.fields.iter().cloned().map(Cell::from));
                    cells.extend([Cell::from(p.directory_id.as_str()), now.into(), now.into()]);
                    new_members.push(cells);
                }
                NewMember::Revived(id) => {
                    directory::revive(&mut **tx, id, now).await?;
                    members::merge_profile(&mut **tx, id, &p.fields, Some(&p.directory_id), now).await?;
                }
            }
            staged.add(new.id(), &p.email);
        }
        plan.counts.invited += slice.len() as u64;
        bulk::insert(tx, backend, "members", &columns, new_members).await?;
        staged.flush(tx).await?;
    }

    for (id, p, _, _) in &plan.updates {
        members::merge_profile(&mut **tx, id, &p.fields, Some(&p.directory_id), now).await?;
    }

    // Suspensions release managed seats; restores take them back within the cap.
    let ids: Vec<String> = plan.suspends.iter().map(|(m, _)| m.id.clone()).collect();
    let released = directory::suspend(tx, &ids, now).await?;
    seat_events(state, tx, e, &released, -1, now).await?;
    let mut by_state: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (m, _) in &plan.restores {
        let to = m.sync_suspended_from.clone().unwrap_or_else(|| "unmanaged".into());
        by_state.entry(to).or_default().push((m.id.clone(), m.email.clone()));
    }
    for (to, people) in by_state {
        let ids: Vec<String> = people.iter().map(|(id, _)| id.clone()).collect();
        if to == "managed" {
            let wanted = ids.len() as i64;
            if members::adjust_seats(&mut **tx, &e.id, wanted).await?.is_some() {
                let moved = directory::restore(tx, &ids, "managed", now).await?;
                // Someone an admin moved meanwhile does not take a seat.
                let unused = wanted - moved.len() as i64;
                if unused > 0 {
                    members::adjust_seats(&mut **tx, &e.id, -unused).await?;
                }
                seat_events(state, tx, e, &moved, 1, now).await?;
                continue;
            }
            // The contract cap is full: back as unmanaged, for an admin to decide.
            directory::restore(tx, &ids, "unmanaged", now).await?;
            continue;
        }
        directory::restore(tx, &ids, &to, now).await?;
    }

    // Distribution lists.
    for change in &plan.list_changes {
        match change {
            ListChange::Create { group, members } => {
                let g = &snap.groups[*group];
                let list_id = store::new_id();
                bulk::insert(
                    tx,
                    backend,
                    "distribution_lists",
                    &["id", "enterprise_id", "directory_id", "dn", "name", "email", "created_at", "updated_at"],
                    vec![vec![
                        Cell::from(list_id.clone()),
                        e.id.as_str().into(),
                        g.directory_id.as_str().into(),
                        g.dn.as_str().into(),
                        g.name.as_str().into(),
                        Cell::Text(g.email.clone()),
                        now.into(),
                        now.into(),
                    ]],
                )
                .await?;
                for slice in members.chunks(WRITE_SLICE) {
                    let rows =
                        slice.iter().map(|m| vec![Cell::from(list_id.as_str()), Cell::from(m.as_str())]).collect();
                    bulk::insert(tx, backend, "distribution_list_members", &["list_id", "member_id"], rows).await?;
                }
            }
            ListChange::Update { id, group, added, removed } => {
                let g = &snap.groups[*group];
                directory::update_list(&mut **tx, id, &g.dn, &g.name, g.email.as_deref(), None, now).await?;
                directory::remove_list_members(tx, id, removed).await?;
                let rows = added.iter().map(|m| vec![Cell::from(id.as_str()), Cell::from(m.as_str())]).collect();
                bulk::insert(tx, backend, "distribution_list_members", &["list_id", "member_id"], rows).await?;
            }
            ListChange::Remove { id } => {
                sqlx::query("UPDATE distribution_lists SET removed_at = $2, updated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn seat_events(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    people: &[(String, String)],
    delta: i64,
    now: i64,
) -> ApiResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let after = if delta < 0 {
        members::adjust_seats(&mut **tx, &e.id, delta * people.len() as i64).await?.unwrap_or_default()
    } else {
        members::managed_seats(&mut **tx, &e.id).await?
    };
    let mut running = after - delta * people.len() as i64;
    let rows = people
        .iter()
        .map(|(id, email)| {
            running += delta;
            vec![
                Cell::from(store::new_id()),
                e.id.as_str().into(),
                id.as_str().into(),
                email.as_str().into(),
                delta.into(),
                running.into(),
                Cell::Text(Some("Directory Sync".into())),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        state.db.backend,
        "seat_events",
        &["id", "enterprise_id", "member_id", "email", "delta", "seats_after", "actor_email", "created_at"],
        rows,
    )
    .await?;
    Ok(())
}
