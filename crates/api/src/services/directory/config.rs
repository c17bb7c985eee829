//! The connection configuration: validated, the bind password sealed at rest
//! (write-only, and only ever sent back to the server it was saved for).

use muster_model::{DirectoryConfig, DirectoryConfigRequest};
use serde_json::json;

use crate::{
    services::access::Actor,
    services::access::Console,
    services::error::{DomainError, DomainResult},
    services::{audit, crypto},
    state::AppState,
    store::{audit as audit_store, directory, directory::ConfigRow, now_ms, rfc3339},
};

use super::{load, not_configured, probe::refuse_address, rules, schedule, Settings};

/// The stored password may only go back to the server it was saved for: a new
/// address, bind DN or TLS setting needs the password typed again (else an
/// admin could point the saved credentials at a server of their own).
pub(super) fn same_server(stored: &Settings, req: &DirectoryConfigRequest) -> bool {
    stored.url == req.url.trim() && stored.bind_dn == req.bind_dn.trim() && stored.start_tls == req.start_tls
}

pub(super) fn password_again() -> DomainError {
    DomainError::field(
        "bind_password_required",
        "The address, bind DN or TLS setting changed: enter the bind password again.",
    )
}

pub(super) fn view(s: &Settings, row: &ConfigRow) -> DirectoryConfig {
    DirectoryConfig {
        settings: s.clone(),
        bind_password: None,
        bind_password_set: row.bind_password.is_some(),
        updated_at: Some(rfc3339(row.updated_at)),
    }
}

pub async fn get(state: &AppState, c: &Console) -> DomainResult<DirectoryConfig> {
    let loaded = load(state, &c.enterprise.id).await?.ok_or_else(not_configured)?;
    Ok(view(&loaded.settings, &loaded.row))
}

/// Checks a request (shared rules, then the schedule and rules that need the
/// server's parsers) and fails with every field's problem in one sentence.
pub(super) fn check(req: &DirectoryConfigRequest) -> DomainResult<()> {
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
    Err(DomainError::field("invalid_configuration", detail))
}

pub async fn put(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    mut req: DirectoryConfigRequest,
) -> DomainResult<DirectoryConfig> {
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
            return Err(DomainError::field(
                "bind_password_required",
                "Enter the bind password the first time you save.",
            ))
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
