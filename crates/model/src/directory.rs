//! Directory Sync (LDAP / Active Directory) as the API reports it: the
//! connection configuration (the bind password is write-only), test and
//! browse results, sync runs with their diff, and the distribution lists the
//! chosen groups become. Validation shared by the server and the SPA.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dn::looks_like_dn;

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

/// Field → message, for the form to show beside each field.
pub type FieldErrors = BTreeMap<String, String>;

impl DirectoryConfigRequest {
    /// The checks that need no directory: the SPA runs them as the admin types.
    pub fn validate(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let url = self.url.trim();
        let scheme = url.split("://").next().unwrap_or_default();
        if url.is_empty() {
            errors.insert("url".into(), "Enter the directory's address, e.g. ldaps://dc1.example.com.".into());
        } else if !url.contains("://") || !matches!(scheme, "ldap" | "ldaps") {
            errors.insert("url".into(), "The address starts with ldap:// or ldaps://.".into());
        } else if url.split("://").nth(1).is_none_or(|rest| rest.trim_matches('/').is_empty()) {
            errors.insert("url".into(), "The address names no host.".into());
        } else if scheme == "ldaps" && self.start_tls {
            errors
                .insert("start_tls".into(), "StartTLS is for ldap:// addresses; ldaps:// is already encrypted.".into());
        }
        if self.bind_dn.trim().is_empty() {
            errors.insert("bind_dn".into(), "Enter the DN of the account Muster binds as.".into());
        } else if !looks_like_dn(&self.bind_dn) {
            errors.insert("bind_dn".into(), "A DN looks like cn=muster,ou=Services,dc=example,dc=com.".into());
        }
        if self.base_dn.trim().is_empty() {
            errors.insert("base_dn".into(), "Enter the base DN to search under, e.g. dc=example,dc=com.".into());
        } else if !looks_like_dn(&self.base_dn) {
            errors.insert("base_dn".into(), "A DN looks like dc=example,dc=com.".into());
        }
        if let Some(f) = self.user_filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            if !(f.starts_with('(') && f.ends_with(')') && balanced(f)) {
                errors.insert("user_filter".into(), "An LDAP filter is wrapped in balanced parentheses.".into());
            }
        }
        if let Some(p) = self.page_size {
            if !(1..=5000).contains(&p) {
                errors.insert("page_size".into(), "Page size is between 1 and 5000.".into());
            }
        }
        if let Some(t) = self.timeout_seconds {
            if !(1..=600).contains(&t) {
                errors.insert("timeout_seconds".into(), "The timeout is between 1 and 600 seconds.".into());
            }
        }
        if let Some(p) = self.max_suspend_percent {
            if p > 100 {
                errors.insert("max_suspend_percent".into(), "A share is at most 100 percent.".into());
            }
        }
        for (i, dn) in self.organizational_units.iter().enumerate() {
            if !looks_like_dn(dn) {
                errors.insert(format!("organizational_units[{i}]"), format!("“{dn}” is not a DN."));
            }
        }
        for (i, dn) in self.groups.iter().enumerate() {
            if !looks_like_dn(dn) {
                errors.insert(format!("groups[{i}]"), format!("“{dn}” is not a DN."));
            }
        }
        if self.exclusion_rules.len() > MAX_EXCLUSION_RULES {
            errors.insert(
                "exclusion_rules".into(),
                format!("At most {MAX_EXCLUSION_RULES} exclusion rules; combine some with a regex."),
            );
        }
        for (i, rule) in self.exclusion_rules.iter().enumerate() {
            if rule.value.chars().count() > MAX_RULE_VALUE_CHARS {
                errors.insert(
                    format!("exclusion_rules[{i}]"),
                    format!("A rule's value is at most {MAX_RULE_VALUE_CHARS} characters."),
                );
            } else if let Some(why) = rule.problem() {
                errors.insert(format!("exclusion_rules[{i}]"), why);
            }
        }
        if let Some(s) = self.schedule.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(why) = cron_shape_problem(s) {
                errors.insert("schedule".into(), why);
            }
        }
        errors
    }
}

impl ExclusionRule {
    pub fn problem(&self) -> Option<String> {
        if self.value.trim().is_empty() {
            return Some("Enter the value the rule matches.".into());
        }
        match self.matches {
            RuleMatch::UnderOu if !looks_like_dn(&self.value) => {
                Some("“Under OU” takes an OU's DN, e.g. ou=Contractors,dc=example,dc=com.".into())
            }
            RuleMatch::UnderOu => None,
            _ if self.attribute.trim().is_empty() => Some("Name the attribute the rule looks at, e.g. mail.".into()),
            _ if !self.attribute.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';') => {
                Some(format!("“{}” is not an attribute name.", self.attribute))
            }
            _ => None,
        }
    }
}

fn balanced(filter: &str) -> bool {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in filter.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Six fields, seconds first; the server parses it fully.
pub fn cron_shape_problem(expr: &str) -> Option<String> {
    let n = expr.split_whitespace().count();
    (n != 6)
        .then(|| format!("A schedule has six fields, seconds first (e.g. “0 0 * * * *” is hourly); this one has {n}."))
}

/// The schedule presets the SPA offers.
pub const SCHEDULE_HOURLY: &str = "0 0 * * * *";
pub const SCHEDULE_DAILY: &str = "0 0 2 * * *";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dn::*;

    fn request() -> DirectoryConfigRequest {
        DirectoryConfigRequest {
            url: "ldap://127.0.0.1:3890".into(),
            bind_dn: "cn=admin,dc=example,dc=test".into(),
            bind_password: Some("pw".into()),
            base_dn: "dc=example,dc=test".into(),
            preset: DirectoryPreset::Openldap,
            user_filter: None,
            start_tls: false,
            page_size: None,
            timeout_seconds: None,
            attribute_map: None,
            organizational_units: vec!["ou=People,dc=example,dc=test".into()],
            groups: vec![],
            exclusion_rules: vec![],
            schedule: Some(SCHEDULE_HOURLY.into()),
            send_invitations: None,
            max_suspend_percent: None,
        }
    }

    #[test]
    fn a_sound_configuration_passes() {
        assert!(request().validate().is_empty(), "{:?}", request().validate());
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let mut r = request();
        r.url = "http://dc1".into();
        r.bind_dn = "admin".into();
        r.user_filter = Some("(objectClass=person".into());
        r.schedule = Some("0 * * * *".into());
        r.exclusion_rules.push(ExclusionRule {
            applies_to: RuleTarget::User,
            attribute: String::new(),
            matches: RuleMatch::Equals,
            value: "x".into(),
        });
        let errors = r.validate();
        for field in ["url", "bind_dn", "user_filter", "schedule", "exclusion_rules[0]"] {
            assert!(errors.contains_key(field), "{field} missing from {errors:?}");
        }
    }

    #[test]
    fn dns_compare_case_blind_and_by_ancestry() {
        assert!(dn_is_under("uid=ann,OU=People, dc=Example,dc=test", "ou=people,dc=example,dc=test"));
        assert!(!dn_is_under("uid=ann,ou=Peoplex,dc=example,dc=test", "ou=people,dc=example,dc=test"));
        assert!(dn_is_under("ou=people,dc=example,dc=test", "ou=People,dc=example,dc=test"));
        assert_eq!(split_dn(r"cn=Doe\, Jane,ou=x"), vec![r"cn=Doe\, Jane", "ou=x"]);
        assert!(looks_like_dn(r"cn=Doe\, Jane,ou=x"));
        assert!(!looks_like_dn("not a dn"));
    }
}
