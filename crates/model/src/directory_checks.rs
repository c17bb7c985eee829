//! The checks of a Directory Sync configuration that need no directory:
//! the server runs them on `PUT …/directory-sync`, the SPA as the admin types.

use std::collections::BTreeMap;

use crate::{
    directory::{DirectoryConfigRequest, ExclusionRule, RuleMatch, MAX_EXCLUSION_RULES, MAX_RULE_VALUE_CHARS},
    dn::{bind_name_kind, looks_like_dn, BindName},
    DirectoryPreset,
};

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
        let kind = bind_name_kind(&self.bind_dn);
        if self.bind_dn.trim().is_empty() {
            errors.insert("bind_dn".into(), "Enter the account Muster binds as.".into());
        } else if self.preset == DirectoryPreset::ActiveDirectory && kind.is_none() {
            errors.insert(
                "bind_dn".into(),
                r"Active Directory takes a DN (cn=svc-muster,cn=Users,dc=corp,dc=example), a UPN (svc-muster@corp.example) or a down-level name (CORP\svc-muster).".into(),
            );
        } else if self.preset != DirectoryPreset::ActiveDirectory && kind != Some(BindName::Dn) {
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
    use crate::directory::*;
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
    fn active_directory_takes_three_bind_forms_and_openldap_a_dn() {
        let mut r = request();
        r.preset = DirectoryPreset::ActiveDirectory;
        for name in ["cn=svc-muster,cn=Users,dc=corp,dc=example", "svc-muster@corp.example", r"CORP\svc-muster"] {
            r.bind_dn = name.into();
            assert!(!r.validate().contains_key("bind_dn"), "{name}");
        }
        r.bind_dn = "svc-muster".into();
        assert!(r.validate()["bind_dn"].contains("UPN"));
        let sent: DirectoryConfigRequest = serde_json::from_value(serde_json::json!({
            "url": "ldap://127.0.0.1:389", "bind_dn": r"CORP\svc-muster", "bind_password": "x",
            "base_dn": "DC=corp,DC=example", "preset": "active_directory", "schedule": null,
            "user_filter": null, "attribute_map": null, "send_invitations": false,
        }))
        .unwrap();
        assert_eq!(sent.validate(), FieldErrors::new());
        r.preset = DirectoryPreset::Openldap;
        r.bind_dn = "svc-muster@corp.example".into();
        assert!(r.validate()["bind_dn"].contains("A DN looks like"));
        assert_eq!(bind_name_kind(r"CORP\svc-muster"), Some(BindName::DownLevel));
        for bad in [
            "admin",
            "a@",
            "@corp.example",
            "a@b@c",
            r"\user",
            r"WAY-TOO-LONG-DOMAIN\u",
            r"CORP\",
            "svc muster@corp.example",
        ] {
            assert_eq!(bind_name_kind(bad), None, "{bad}");
        }
    }

    #[test]
    fn active_directory_pages_are_at_most_its_max_page_size() {
        assert_eq!(DirectoryPreset::ActiveDirectory.page_size(5000), 1000);
        assert_eq!(DirectoryPreset::ActiveDirectory.page_size(200), 200);
        assert_eq!(DirectoryPreset::Openldap.page_size(5000), 5000);
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
