//! Directory Sync: the connection configuration (bind password sealed at
//! rest, never returned or logged), test connection, browse, runs (manual or
//! scheduled) and the distribution lists the chosen groups become.

mod apply;
pub mod engine;
pub mod mapping;
mod plan;
mod plan_lists;
mod read;
pub mod rules;
mod safeguard;
pub mod schedule;

use std::time::{Duration, Instant};

use muster_model::{
    dn_is_under, normalize_dn, AttributeMap, ConnectionTest, DirectoryConfig, DirectoryConfigRequest, DirectoryEntry,
    DirectoryNode, DirectoryPreset, DirectoryTree, DistributionList, DistributionListDetail, DistributionListPage,
    ExclusionRule, JobKind, JobProgress, SyncCounts, SyncRun, SyncRunPage, SyncStatus, SyncTrigger,
    DEFAULT_MAX_SUSPEND_PERCENT, DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT_SECONDS,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    auth::Console,
    error::{ApiError, ApiResult},
    integrations::ldap,
    services::{audit, crypto},
    state::AppState,
    store::{
        accounts::AccountRow, audit as audit_store, directory, directory::ConfigRow, jobs, jobs::JobRow, now_ms,
        rfc3339,
    },
};

/// What is stored as JSON: the configuration without the password.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    pub url: String,
    pub bind_dn: String,
    pub base_dn: String,
    pub preset: DirectoryPreset,
    pub user_filter: Option<String>,
    pub start_tls: bool,
    pub page_size: u32,
    pub timeout_seconds: u32,
    pub attribute_map: AttributeMap,
    pub organizational_units: Vec<String>,
    pub groups: Vec<String>,
    pub exclusion_rules: Vec<ExclusionRule>,
    pub schedule: Option<String>,
    pub send_invitations: bool,
    pub max_suspend_percent: u32,
}

impl Settings {
    pub(super) fn from_request(r: DirectoryConfigRequest) -> Self {
        let trimmed = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Self {
            url: r.url.trim().to_string(),
            bind_dn: r.bind_dn.trim().to_string(),
            base_dn: r.base_dn.trim().to_string(),
            preset: r.preset,
            user_filter: trimmed(r.user_filter),
            start_tls: r.start_tls,
            page_size: r.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
            timeout_seconds: r.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
            attribute_map: r.attribute_map.unwrap_or_else(|| r.preset.attribute_map()),
            organizational_units: r.organizational_units.iter().map(|d| d.trim().to_string()).collect(),
            groups: r.groups.iter().map(|d| d.trim().to_string()).collect(),
            exclusion_rules: r.exclusion_rules,
            schedule: trimmed(r.schedule),
            send_invitations: r.send_invitations.unwrap_or(true),
            max_suspend_percent: r.max_suspend_percent.unwrap_or(DEFAULT_MAX_SUSPEND_PERCENT),
        }
    }

    pub fn user_filter(&self) -> String {
        self.user_filter.clone().unwrap_or_else(|| self.preset.default_user_filter().to_string())
    }

    pub fn target(&self, password: String, config: &crate::config::Config) -> ldap::Target {
        ldap::Target {
            max_entries: config.ldap_max_entries,
            max_entry_bytes: config.ldap_max_entry_bytes,
            url: self.url.clone(),
            bind_dn: self.bind_dn.clone(),
            password,
            start_tls: self.start_tls,
            timeout: Duration::from_secs(self.timeout_seconds.max(1) as u64),
            page_size: self.page_size,
        }
    }
}

/// The stored configuration with its password opened (for a run or a test).
pub struct Loaded {
    pub settings: Settings,
    pub password: String,
    pub row: ConfigRow,
}

fn not_configured() -> ApiError {
    ApiError::NotFound("directory sync configuration")
}

pub async fn load(state: &AppState, enterprise_id: &str) -> ApiResult<Option<Loaded>> {
    let Some(row) = directory::config(&state.db.pool, enterprise_id).await? else { return Ok(None) };
    let settings: Settings = serde_json::from_str(&row.settings).map_err(anyhow::Error::new)?;
    let password = match &row.bind_password {
        Some(sealed) => String::from_utf8(crypto::open(&state.secrets.encryption_key, enterprise_id, sealed)?)
            .map_err(anyhow::Error::new)?,
        None => String::new(),
    };
    Ok(Some(Loaded { settings, password, row }))
}

/// The stored password may only go back to the server it was saved for: a new
/// address, bind DN or TLS setting needs the password typed again (else an
/// admin could point the saved credentials at a server of their own).
fn same_server(stored: &Settings, req: &DirectoryConfigRequest) -> bool {
    stored.url == req.url.trim() && stored.bind_dn == req.bind_dn.trim() && stored.start_tls == req.start_tls
}

fn password_again() -> ApiError {
    ApiError::field(
        "bind_password_required",
        "The address, bind DN or TLS setting changed: enter the bind password again.",
    )
}

fn view(s: &Settings, row: &ConfigRow) -> DirectoryConfig {
    DirectoryConfig {
        url: s.url.clone(),
        bind_dn: s.bind_dn.clone(),
        bind_password: None,
        bind_password_set: row.bind_password.is_some(),
        base_dn: s.base_dn.clone(),
        preset: s.preset,
        user_filter: s.user_filter.clone(),
        start_tls: s.start_tls,
        page_size: s.page_size,
        timeout_seconds: s.timeout_seconds,
        attribute_map: s.attribute_map.clone(),
        organizational_units: s.organizational_units.clone(),
        groups: s.groups.clone(),
        exclusion_rules: s.exclusion_rules.clone(),
        schedule: s.schedule.clone(),
        send_invitations: s.send_invitations,
        max_suspend_percent: s.max_suspend_percent,
        updated_at: Some(rfc3339(row.updated_at)),
    }
}

pub async fn get(state: &AppState, c: &Console) -> ApiResult<DirectoryConfig> {
    let loaded = load(state, &c.enterprise.id).await?.ok_or_else(not_configured)?;
    Ok(view(&loaded.settings, &loaded.row))
}

/// Checks a request (shared rules, then the schedule and rules that need the
/// server's parsers) and fails with every field's problem in one sentence.
fn check(req: &DirectoryConfigRequest) -> ApiResult<()> {
    let mut errors = req.validate();
    if let Some(expr) = req.schedule.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if !errors.contains_key("schedule") {
            if let Err(why) = schedule::parse(expr) {
                errors.insert("schedule".into(), why);
            }
        }
    }
    if let Err(why) = rules::Rules::compile(&req.exclusion_rules) {
        errors.entry("exclusion_rules".into()).or_insert(why);
    }
    if errors.is_empty() {
        return Ok(());
    }
    let detail = errors.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join(" ");
    Err(ApiError::field("invalid_configuration", detail))
}

pub async fn put(
    state: &AppState,
    c: &Console,
    actor: &AccountRow,
    mut req: DirectoryConfigRequest,
) -> ApiResult<DirectoryConfig> {
    check(&req)?;
    refuse_address(state, &req.url).await?;
    let e = &c.enterprise;
    let existing = directory::config(&state.db.pool, &e.id).await?;
    let stored: Option<Settings> =
        existing.as_ref().map(|r| serde_json::from_str(&r.settings)).transpose().map_err(anyhow::Error::new)?;
    let password = req.bind_password.take().filter(|p| !p.is_empty());
    let sealed = match (&password, &existing) {
        (Some(p), _) => Some(crypto::seal(&state.secrets.encryption_key, &e.id, p.as_bytes())?),
        (None, Some(_)) if !stored.as_ref().is_some_and(|s| same_server(s, &req)) => return Err(password_again()),
        (None, Some(row)) => row.bind_password.clone(),
        (None, None) => {
            return Err(ApiError::field("bind_password_required", "Enter the bind password the first time you save."))
        }
    };
    let settings = Settings::from_request(req);
    let now = now_ms();
    let row = ConfigRow {
        enterprise_id: e.id.clone(),
        settings: serde_json::to_string(&settings).map_err(anyhow::Error::new)?,
        bind_password: sealed,
        schedule: settings.schedule.clone(),
        last_good_entries: existing.as_ref().and_then(|r| r.last_good_entries),
        created_at: existing.as_ref().map(|r| r.created_at).unwrap_or(now),
        updated_at: now,
        saved_by: Some(actor.id.clone()),
    };
    let mut tx = state.db.pool.begin().await?;
    directory::save_config(&mut *tx, &row).await?;
    let details = json!({
        "url": settings.url, "bind_dn": settings.bind_dn, "base_dn": settings.base_dn,
        "organizational_units": settings.organizational_units, "groups": settings.groups,
        "exclusion_rules": settings.exclusion_rules.len(), "schedule": settings.schedule,
        "password_changed": password.is_some(),
    });
    audit_store::record(&mut *tx, &audit::by(Some(actor), &e.id, "directory_sync.configured", None, details), now)
        .await?;
    tx.commit().await?;
    state.directory_schedules_changed();
    Ok(view(&settings, &row))
}

/// Test connection and browse reach into the network: a tenant may not turn
/// them into a scanner, so each enterprise gets a few a minute.
fn probe_allowed(state: &AppState, enterprise_id: &str) -> ApiResult<()> {
    match state.limits.directory_probe.check_key(&enterprise_id.to_string()) {
        Ok(()) => Ok(()),
        Err(_) => Err(ApiError::TooMany {
            code: "rate_limited",
            detail: "Too many connection tests and directory reads in a minute; wait a moment and try again.".into(),
        }),
    }
}

/// A directory address Muster may not connect to is refused before any
/// packet goes there (a DNS failure is left for the connection to report).
async fn refuse_address(state: &AppState, url: &str) -> ApiResult<()> {
    match state.ldap_reach().check(url).await {
        Err(f) if f.code == "address_not_allowed" => Err(ApiError::field("address_not_allowed", f.message)),
        _ => Ok(()),
    }
}

/// Binds and searches with the given (unsaved) settings, or the stored ones.
pub async fn test(state: &AppState, c: &Console, req: Option<DirectoryConfigRequest>) -> ApiResult<ConnectionTest> {
    probe_allowed(state, &c.enterprise.id)?;
    let stored = load(state, &c.enterprise.id).await?;
    let (settings, password) = match req {
        Some(mut r) => {
            check(&r)?;
            let password = r.bind_password.take().filter(|p| !p.is_empty());
            let password = match (password, &stored) {
                (Some(p), _) => p,
                (None, Some(s)) if same_server(&s.settings, &r) => s.password.clone(),
                (None, Some(_)) => return Err(password_again()),
                (None, None) => return Err(ApiError::field("bind_password_required", "Enter the bind password.")),
            };
            (Settings::from_request(r), password)
        }
        None => {
            let s = stored.ok_or_else(not_configured)?;
            (s.settings, s.password)
        }
    };
    refuse_address(state, &settings.url).await?;
    let started = Instant::now();
    let target = settings.target(password, &state.config);
    let outcome = async {
        let mut conn = ldap::connect(&target, &state.ldap_reach()).await?;
        let attrs = mapping::attributes(&settings.attribute_map);
        let mut entries = Vec::new();
        let mut count = 0;
        let bases = if settings.organizational_units.is_empty() {
            vec![settings.base_dn.clone()]
        } else {
            settings.organizational_units.clone()
        };
        for base in &bases {
            count += ldap::search(&mut conn, &target, base, &settings.user_filter(), &attrs, |entry| {
                if entries.len() < 5 {
                    let name = [&settings.attribute_map.first_name, &settings.attribute_map.last_name]
                        .iter()
                        .filter_map(|a| ldap::text(&entry, a))
                        .collect::<Vec<_>>()
                        .join(" ");
                    entries.push(DirectoryEntry {
                        email: ldap::text(&entry, &settings.attribute_map.email)
                            .or_else(|| ldap::text(&entry, "mail"))
                            .map(str::to_string),
                        name: (!name.is_empty()).then_some(name),
                        dn: entry.dn,
                    });
                }
                Ok(())
            })
            .await?;
        }
        let _ = conn.unbind().await;
        Ok::<_, ldap::Failure>((count, entries))
    }
    .await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(match outcome {
        Ok((count, entries)) => ConnectionTest {
            ok: true,
            code: None,
            message: format!("Connected and bound as {}; the user search finds {count} entries.", settings.bind_dn),
            count,
            entries,
            elapsed_ms,
        },
        Err(f) => ConnectionTest {
            ok: false,
            code: Some(f.code.into()),
            message: f.message,
            count: 0,
            entries: vec![],
            elapsed_ms,
        },
    })
}

/// OUs and groups under the base DN, for the picker.
pub async fn browse(state: &AppState, c: &Console) -> ApiResult<DirectoryTree> {
    let s = load(state, &c.enterprise.id).await?.ok_or_else(not_configured)?;
    probe_allowed(state, &c.enterprise.id)?;
    let target = s.settings.target(s.password.clone(), &state.config);
    let unavailable = |f: ldap::Failure| match f.code {
        "address_not_allowed" => ApiError::field("address_not_allowed", f.message),
        _ => ApiError::conflict("directory_unavailable", f.message),
    };
    let mut conn = ldap::connect(&target, &state.ldap_reach()).await.map_err(unavailable)?;
    let mut ous = Vec::new();
    let base = s.settings.base_dn.clone();
    let attrs = vec!["ou".to_string(), "cn".to_string(), "name".to_string()];
    ldap::search(
        &mut conn,
        &target,
        &base,
        "(|(objectClass=organizationalUnit)(objectClass=container))",
        &attrs,
        |e| {
            let name = ldap::text(&e, "ou").or_else(|| ldap::text(&e, "cn")).unwrap_or(&e.dn).to_string();
            ous.push(DirectoryNode { dn: e.dn, name, members: None });
            Ok(())
        },
    )
    .await
    .map_err(unavailable)?;
    let mut groups = Vec::new();
    let attrs = vec!["cn".to_string(), "member".to_string(), "uniqueMember".to_string()];
    ldap::search(
        &mut conn,
        &target,
        &base,
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))",
        &attrs,
        |e| {
            let members = (ldap::texts(&e, "member").len() + ldap::texts(&e, "uniqueMember").len()) as u64;
            let name = ldap::text(&e, "cn").unwrap_or(&e.dn).to_string();
            groups.push(DirectoryNode { dn: e.dn, name, members: Some(members) });
            Ok(())
        },
    )
    .await
    .map_err(unavailable)?;
    let _ = conn.unbind().await;
    // Parents before children, siblings by name: the SPA nests by DN.
    let depth = |dn: &str| muster_model::split_dn(dn).len();
    ous.retain(|o| normalize_dn(&o.dn) != normalize_dn(&base) && dn_is_under(&o.dn, &base));
    ous.sort_by(|a, b| depth(&a.dn).cmp(&depth(&b.dn)).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
    groups.sort_by_key(|g| g.name.to_lowercase());
    Ok(DirectoryTree { base_dn: base, organizational_units: ous, groups })
}

/// Queues a run. A manual run while another is queued or running is refused
/// (409); a scheduled slot already taken (by another replica) returns None.
pub async fn start(
    state: &AppState,
    enterprise_id: &str,
    actor: Option<&AccountRow>,
    dry_run: bool,
    accept_smaller: bool,
    trigger: SyncTrigger,
    scheduled_for: Option<i64>,
) -> ApiResult<Option<JobRow>> {
    if directory::config(&state.db.pool, enterprise_id).await?.is_none() {
        return Err(not_configured());
    }
    let _slot = match crate::services::jobs::reserve(state, enterprise_id).await {
        Err(e) if trigger == SyncTrigger::Schedule => {
            tracing::warn!(enterprise = enterprise_id, error = %e, "scheduled sync skipped: the job queue is full");
            return Ok(None);
        }
        other => other?,
    };
    let now = now_ms();
    let row = JobRow::queued(
        enterprise_id,
        actor.map(|a| a.id.as_str()).unwrap_or_default(),
        JobKind::DirectorySync.as_str(),
        dry_run,
        json!({"trigger": trigger, "accept_smaller_directory": accept_smaller}).to_string(),
        now,
    );
    let row = JobRow { created_by: actor.map(|a| a.id.clone()), ..row };
    let mut tx = state.db.pool.begin().await?;
    // Taking the enterprise row first serialises two starts on PostgreSQL too.
    crate::store::enterprises::lock_for_update(&mut *tx, enterprise_id).await?;
    if let Some(running) = directory::active_run(&mut *tx, enterprise_id).await? {
        return match trigger {
            SyncTrigger::Manual => Err(ApiError::conflict(
                "sync_running",
                format!("A sync is already queued or running (run {running}); wait for it to finish."),
            )),
            SyncTrigger::Schedule => {
                tracing::info!(enterprise = enterprise_id, running = %running, "scheduled sync skipped: the previous run is still going");
                Ok(None)
            }
        };
    }
    jobs::insert(&mut *tx, &row).await?;
    if !directory::insert_run(&mut *tx, &row.id, enterprise_id, trigger.as_str(), scheduled_for).await? {
        return Ok(None);
    }
    let action = if dry_run { "directory_sync.dry_run_started" } else { "directory_sync.started" };
    let event = audit::by(actor, enterprise_id, action, None, json!({"run": row.id, "trigger": trigger}));
    audit_store::record(&mut *tx, &event, now).await?;
    tx.commit().await?;
    state.wake_jobs();
    Ok(Some(row))
}

fn counts_of(row: &JobRow) -> SyncCounts {
    serde_json::from_str(&row.counts).unwrap_or_default()
}

pub async fn run_view(
    state: &AppState,
    run: directory::RunRow,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<SyncRun> {
    let after = match cursor {
        None | Some("") => 0,
        Some(c) => c.parse().map_err(|_| ApiError::field("invalid_cursor", "cursor is not one this API gave out"))?,
    };
    let mut rows = if limit > 0 { jobs::results(&state.db.pool, &run.job.id, after, limit + 1).await? } else { vec![] };
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.seq.to_string())
    });
    let job = run.job;
    let processed = match state.progress_of(&job.id) {
        Some(live) if job.status == "running" => live.max(job.processed),
        _ => job.processed,
    };
    Ok(SyncRun {
        trigger: SyncTrigger::parse(&run.trigger).unwrap_or(SyncTrigger::Manual),
        dry_run: job.dry_run != 0,
        status: SyncStatus::parse(&job.status).unwrap_or(SyncStatus::Queued),
        progress: JobProgress { processed: processed.max(0) as u64, total: job.total.map(|t| t.max(0) as u64) },
        counts: counts_of(&job),
        diff: rows.into_iter().map(plan::change_view).collect(),
        next_cursor: next_cursor.flatten(),
        error: job.error,
        scheduled_for: run.scheduled_for.map(rfc3339),
        timings: run.timings.as_deref().and_then(|t| serde_json::from_str(t).ok()),
        created_at: rfc3339(job.created_at),
        started_at: job.started_at.map(rfc3339),
        finished_at: job.finished_at.map(rfc3339),
        id: job.id,
    })
}

pub async fn runs(state: &AppState, c: &Console, cursor: Option<&str>, limit: i64) -> ApiResult<SyncRunPage> {
    let mut rows = directory::runs(&state.db.pool, &c.enterprise.id, cursor, limit + 1).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.job.id.clone())
    });
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(run_view(state, r, None, 0).await?);
    }
    Ok(SyncRunPage { items, next_cursor: next_cursor.flatten() })
}

pub async fn run(state: &AppState, c: &Console, id: &str, cursor: Option<&str>, limit: i64) -> ApiResult<SyncRun> {
    let row = directory::run(&state.db.pool, &c.enterprise.id, id).await?.ok_or(ApiError::NotFound("sync run"))?;
    run_view(state, row, cursor, limit).await
}

/// The run's whole diff as CSV, safe to open in a spreadsheet.
pub async fn report(state: &AppState, c: &Console, id: &str) -> ApiResult<Vec<u8>> {
    let row = directory::run(&state.db.pool, &c.enterprise.id, id).await?.ok_or(ApiError::NotFound("sync run"))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let safe = crate::services::csv_import::spreadsheet_safe;
    out.write_record(["action", "email", "dn", "field", "before", "after", "detail"]).map_err(anyhow::Error::new)?;
    let mut after = 0;
    loop {
        let rows = jobs::results(&state.db.pool, &row.job.id, after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in rows {
            let change = plan::change_view(r);
            let base = [
                change.action.clone(),
                change.email.clone().unwrap_or_default(),
                change.dn.clone().unwrap_or_default(),
            ];
            let fields: Vec<(String, String, String)> = change
                .changes
                .as_ref()
                .and_then(|c| c.as_object())
                .map(|m| {
                    m.iter()
                        .map(|(f, v)| {
                            let text = |x: &serde_json::Value| match x {
                                serde_json::Value::Null => String::new(),
                                serde_json::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            (f.clone(), text(&v["before"]), text(&v["after"]))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let detail = change.detail.clone().unwrap_or_default();
            if fields.is_empty() {
                let rec = [&base[0], &base[1], &base[2], "", "", "", &detail].map(safe);
                out.write_record(rec).map_err(anyhow::Error::new)?;
            }
            for (f, b, a) in fields {
                let rec = [&base[0], &base[1], &base[2], &f, &b, &a, &detail].map(|s| safe(s));
                out.write_record(rec).map_err(anyhow::Error::new)?;
            }
        }
    }
    Ok(out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
}

pub async fn lists(state: &AppState, c: &Console, cursor: Option<&str>, limit: i64) -> ApiResult<DistributionListPage> {
    let mut rows = directory::lists(&state.db.pool, &c.enterprise.id, cursor, limit + 1).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.clone())
    });
    Ok(DistributionListPage { items: rows.into_iter().map(list_view).collect(), next_cursor: next_cursor.flatten() })
}

pub async fn list(state: &AppState, c: &Console, id: &str) -> ApiResult<DistributionListDetail> {
    let row =
        directory::list(&state.db.pool, &c.enterprise.id, id).await?.ok_or(ApiError::NotFound("distribution list"))?;
    let member_emails = directory::list_member_emails(&state.db.pool, &row.id).await?;
    Ok(DistributionListDetail { list: list_view(row), member_emails })
}

fn list_view(r: directory::ListRow) -> DistributionList {
    DistributionList {
        id: r.id,
        name: r.name,
        dn: r.dn,
        email: r.email,
        members: r.members.max(0) as u64,
        removed_at: r.removed_at.map(rfc3339),
        updated_at: rfc3339(r.updated_at),
    }
}
