//! Directory Sync: the connection configuration (bind password sealed at
//! rest, never returned or logged), test connection, browse, runs (manual or
//! scheduled) and the distribution lists the chosen groups become.

mod apply;
mod config;
pub mod engine;
mod lists;
pub mod mapping;
mod plan;
mod plan_lists;
mod probe;
mod read;
pub mod rules;
mod runs;
mod safeguard;
pub mod schedule;

use std::time::Duration;

use crate::{
    integrations::ldap,
    services::crypto,
    services::error::{DomainError, DomainResult},
    state::AppState,
    store::{directory, directory::ConfigRow},
};

/// What is stored as JSON: the configuration without the password.
pub use muster_model::DirectorySettings as Settings;

/// Where and how a run (or a test) reaches the directory.
pub fn target(s: &Settings, password: String, config: &crate::config::Config) -> ldap::Target {
    ldap::Target {
        max_entries: config.ldap_max_entries,
        max_entry_bytes: config.ldap_max_entry_bytes,
        url: s.url.clone(),
        bind_dn: s.bind_dn.clone(),
        password,
        start_tls: s.start_tls,
        timeout: Duration::from_secs(s.timeout_seconds.max(1) as u64),
        page_size: s.preset.page_size(s.page_size),
    }
}

/// The stored configuration with its password opened (for a run or a test).
pub struct Loaded {
    pub settings: Settings,
    pub password: String,
    pub row: ConfigRow,
}

fn not_configured() -> DomainError {
    DomainError::NotFound("directory sync configuration")
}

pub async fn load(state: &AppState, enterprise_id: &str) -> DomainResult<Option<Loaded>> {
    let Some(row) = directory::config(&state.db.pool, enterprise_id).await? else { return Ok(None) };
    let settings: Settings = serde_json::from_str(&row.settings).map_err(anyhow::Error::new)?;
    let password = match &row.bind_password {
        Some(sealed) => String::from_utf8(crypto::open(&state.secrets.encryption_key, enterprise_id, sealed)?)
            .map_err(anyhow::Error::new)?,
        None => String::new(),
    };
    Ok(Some(Loaded { settings, password, row }))
}

pub use config::{get, put};
pub use lists::{list, lists};
pub use probe::{browse, test};
pub use runs::{report, run_detail, run_view, runs, start};
