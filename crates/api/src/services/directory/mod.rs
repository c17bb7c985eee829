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

use muster_model::{
    AttributeMap, DirectoryConfigRequest, DirectoryPreset, ExclusionRule, DEFAULT_MAX_SUSPEND_PERCENT,
    DEFAULT_PAGE_SIZE, DEFAULT_TIMEOUT_SECONDS,
};
use serde::{Deserialize, Serialize};

use crate::{
    integrations::ldap,
    services::crypto,
    services::error::{DomainError, DomainResult},
    state::AppState,
    store::{directory, directory::ConfigRow},
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
