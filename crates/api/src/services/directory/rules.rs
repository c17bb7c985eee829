//! Exclusion rules, compiled once per run: a user or group they match is
//! neither created nor updated (nor suspended: it is left alone).

use ldap3::SearchEntry;
use muster_model::{dn_is_under, ExclusionRule, RuleMatch, RuleTarget};
use regex::Regex;

use crate::integrations::ldap;

enum Test {
    Equals(String),
    Suffix(String),
    Regex(Regex),
    UnderOu(String),
}

struct Compiled {
    target: RuleTarget,
    attribute: String,
    test: Test,
    text: String,
}

pub struct Rules(Vec<Compiled>);

impl Rules {
    /// Fails with the rule's position and the regex error for a bad pattern.
    pub fn compile(rules: &[ExclusionRule]) -> Result<Self, String> {
        let mut out = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let test = match r.matches {
                RuleMatch::Equals => Test::Equals(r.value.to_lowercase()),
                RuleMatch::Suffix => Test::Suffix(r.value.to_lowercase()),
                RuleMatch::Regex => Test::Regex(
                    regex::RegexBuilder::new(&r.value)
                        .case_insensitive(true)
                        .size_limit(256 << 10)
                        .build()
                        .map_err(|e| format!("Exclusion rule {} has a pattern that does not compile: {e}", i + 1))?,
                ),
                RuleMatch::UnderOu => Test::UnderOu(r.value.clone()),
            };
            let text = match r.matches {
                RuleMatch::UnderOu => format!("under {}", r.value),
                m => format!("{} {} “{}”", r.attribute, m.as_str().replace('_', " "), r.value),
            };
            out.push(Compiled { target: r.applies_to, attribute: r.attribute.clone(), test, text });
        }
        Ok(Self(out))
    }

    /// The first rule for `target` that matches the entry, in words.
    pub fn excludes(&self, target: RuleTarget, entry: &SearchEntry) -> Option<&str> {
        self.0.iter().filter(|r| r.target == target).find(|r| r.matches(entry)).map(|r| r.text.as_str())
    }
}

impl Compiled {
    fn matches(&self, entry: &SearchEntry) -> bool {
        if let Test::UnderOu(ou) = &self.test {
            return dn_is_under(&entry.dn, ou);
        }
        let values: Vec<String> = if self.attribute.eq_ignore_ascii_case("dn") {
            vec![entry.dn.clone()]
        } else {
            ldap::texts(entry, &self.attribute).to_vec()
        };
        values.iter().any(|v| {
            let v = v.to_lowercase();
            match &self.test {
                Test::Equals(want) => v == *want,
                Test::Suffix(want) => v.ends_with(want.as_str()),
                Test::Regex(re) => re.is_match(&v),
                Test::UnderOu(_) => false,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn rule(applies_to: RuleTarget, attribute: &str, matches: RuleMatch, value: &str) -> ExclusionRule {
        ExclusionRule { applies_to, attribute: attribute.into(), matches, value: value.into() }
    }

    fn user(dn: &str, mail: &str, title: &str) -> SearchEntry {
        SearchEntry {
            dn: dn.into(),
            attrs: HashMap::from([("mail".into(), vec![mail.into()]), ("title".into(), vec![title.into()])]),
            bin_attrs: HashMap::new(),
        }
    }

    #[test]
    fn each_kind_of_rule_matches_what_it_says() {
        let rules = Rules::compile(&[
            rule(RuleTarget::User, "mail", RuleMatch::Equals, "CEO@example.test"),
            rule(RuleTarget::User, "mail", RuleMatch::Suffix, ".svc@example.test"),
            rule(RuleTarget::User, "title", RuleMatch::Regex, "^(intern|temp)"),
            rule(RuleTarget::User, "", RuleMatch::UnderOu, "ou=Contractors,dc=example,dc=test"),
            rule(RuleTarget::Group, "cn", RuleMatch::Equals, "all-staff"),
        ])
        .unwrap();
        let people = "ou=People,dc=example,dc=test";
        let u = |mail: &str, title: &str| user(&format!("uid=x,{people}"), mail, title);
        assert!(rules.excludes(RuleTarget::User, &u("ceo@example.test", "Boss")).is_some());
        assert!(rules.excludes(RuleTarget::User, &u("backup.svc@example.test", "Robot")).is_some());
        assert!(rules.excludes(RuleTarget::User, &u("ann@example.test", "Intern, summer")).is_some());
        assert!(rules.excludes(RuleTarget::User, &u("ann@example.test", "Engineer")).is_none());
        let contractor = user("uid=c,OU=contractors,DC=example,DC=test", "c@example.test", "Engineer");
        assert_eq!(rules.excludes(RuleTarget::User, &contractor), Some("under ou=Contractors,dc=example,dc=test"));
        // A user rule never applies to groups, and the other way round.
        assert!(rules.excludes(RuleTarget::Group, &u("ceo@example.test", "Boss")).is_none());
    }

    #[test]
    fn a_bad_pattern_is_reported_with_its_position() {
        let err = Rules::compile(&[rule(RuleTarget::User, "mail", RuleMatch::Regex, "(")]).err().unwrap();
        assert!(err.starts_with("Exclusion rule 1"), "{err}");
    }
}
