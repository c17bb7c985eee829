//! Directory Sync (LDAP / Active Directory) as the API reports it: the
//! connection configuration (the bind password is write-only), test and
//! browse results, sync runs with their diff, and the distribution lists the
//! chosen groups become. The checks shared by the server and the SPA are in
//! `directory_checks`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DirectoryPreset {
    ActiveDirectory,
    #[default]
    Openldap,
}
wire_enum!(DirectoryPreset { ActiveDirectory => "active_directory", Openldap => "openldap" });

/// Which directory attribute fills which profile field. `id` is the stable
/// directory id (`objectGUID`, `entryUUID`); `disabled` is read as Active
/// Directory's `userAccountControl` (bit 2 → suspended).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AttributeMap {
    pub id: String,
    pub email: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub department: String,
    pub phone: String,
    pub job_title: String,
    pub groups: String,
    pub disabled: Option<String>,
}

impl DirectoryPreset {
    pub fn attribute_map(self) -> AttributeMap {
        let common = |id: &str, email: &str, username: &str, disabled: Option<&str>| AttributeMap {
            id: id.into(),
            email: email.into(),
            username: username.into(),
            first_name: "givenName".into(),
            last_name: "sn".into(),
            department: "departmentNumber".into(),
            phone: "telephoneNumber".into(),
            job_title: "title".into(),
            groups: "memberOf".into(),
            disabled: disabled.map(str::to_string),
        };
        match self {
            Self::ActiveDirectory => AttributeMap {
                department: "department".into(),
                ..common("objectGUID", "userPrincipalName", "sAMAccountName", Some("userAccountControl"))
            },
            Self::Openldap => common("entryUUID", "mail", "uid", None),
        }
    }

    /// The page size a search asks for: Active Directory serves at most its
    /// `MaxPageSize` (1,000 by default) a page, whatever is configured.
    pub fn page_size(self, configured: u32) -> u32 {
        match self {
            Self::ActiveDirectory => configured.clamp(1, 1000),
            Self::Openldap => configured.max(1),
        }
    }

    /// The user filter used when the configuration leaves it empty.
    pub fn default_user_filter(self) -> &'static str {
        match self {
            Self::ActiveDirectory => "(&(objectCategory=person)(objectClass=user))",
            Self::Openldap => "(objectClass=inetOrgPerson)",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleTarget {
    User,
    Group,
}
wire_enum!(RuleTarget { User => "user", Group => "group" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleMatch {
    Equals,
    Suffix,
    Regex,
    UnderOu,
}
wire_enum!(RuleMatch { Equals => "equals", Suffix => "suffix", Regex => "regex", UnderOu => "under_ou" });

/// A user or group this rule matches is never created or updated (nor
/// suspended: an excluded person is left as they are).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExclusionRule {
    pub applies_to: RuleTarget,
    /// Attribute name (ignored by `under_ou`, which matches the entry's DN).
    #[serde(default)]
    pub attribute: String,
    #[serde(rename = "match")]
    pub matches: RuleMatch,
    pub value: String,
}

/// The connection and selection settings: what is stored (as JSON, the
/// password apart) and what `GET …/directory-sync` shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectorySettings {
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

impl DirectorySettings {
    /// A request's settings, trimmed, with the defaults filled in.
    pub fn from_request(r: DirectoryConfigRequest) -> Self {
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

    /// The LDAP filter that finds people: the admin's, else the preset's.
    pub fn user_filter(&self) -> String {
        self.user_filter.clone().unwrap_or_else(|| self.preset.default_user_filter().to_string())
    }
}

/// The configuration as `GET …/directory-sync` returns it (DESIGN §6 shape):
/// the settings and, flattened beside them, what is known of the password.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectoryConfig {
    #[serde(flatten)]
    pub settings: DirectorySettings,
    /// Always null: the password is write-only. See `bind_password_set`.
    pub bind_password: Option<String>,
    pub bind_password_set: bool,
    pub updated_at: Option<String>,
}

/// Bounds on exclusion rules (DESIGN §10): each regex compiles and runs on every entry.
pub const MAX_EXCLUSION_RULES: usize = 100;
pub const MAX_RULE_VALUE_CHARS: usize = 1024;

/// `PUT …/directory-sync`. Leave `bind_password` out (or null) to keep the stored one.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectoryConfigRequest {
    pub url: String,
    pub bind_dn: String,
    pub bind_password: Option<String>,
    pub base_dn: String,
    #[serde(default)]
    pub preset: DirectoryPreset,
    pub user_filter: Option<String>,
    #[serde(default)]
    pub start_tls: bool,
    #[serde(default, deserialize_with = "crate::validate::whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 5000))]
    pub page_size: Option<u32>,
    #[serde(default, deserialize_with = "crate::validate::whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 600))]
    pub timeout_seconds: Option<u32>,
    pub attribute_map: Option<AttributeMap>,
    #[serde(default)]
    pub organizational_units: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub exclusion_rules: Vec<ExclusionRule>,
    pub schedule: Option<String>,
    pub send_invitations: Option<bool>,
    #[serde(default, deserialize_with = "crate::validate::whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    pub max_suspend_percent: Option<u32>,
}

impl std::fmt::Debug for DirectoryConfigRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryConfigRequest")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &self.bind_password.as_ref().map(|_| "<redacted>"))
            .field("base_dn", &self.base_dn)
            .field("organizational_units", &self.organizational_units)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_PAGE_SIZE: u32 = 500;
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 30;
pub const DEFAULT_MAX_SUSPEND_PERCENT: u32 = 10;
