//! A person's profile fields, and what a change to them looks like: one
//! vocabulary for CSV Import, Directory Sync, the job and run reports (CSV)
//! and the SPA, so all of them say "department: “Sales” → “Finance”" alike.

use serde_json::{json, Map, Value};

/// The profile fields, in the order of CSV columns and of [`Profile::values`].
pub const PROFILE_FIELDS: [&str; 5] = ["first_name", "last_name", "department", "phone", "job_title"];

/// Profile fields; `None` means "not given" (an import cell left empty, an
/// attribute the directory lacks), which never clears a stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
}

impl Profile {
    /// In [`PROFILE_FIELDS`] order.
    pub fn values(&self) -> [&Option<String>; 5] {
        [&self.first_name, &self.last_name, &self.department, &self.phone, &self.job_title]
    }

    /// The field at `index` of [`PROFILE_FIELDS`].
    pub fn field_mut(&mut self, index: usize) -> &mut Option<String> {
        match index {
            0 => &mut self.first_name,
            1 => &mut self.last_name,
            2 => &mut self.department,
            3 => &mut self.phone,
            _ => &mut self.job_title,
        }
    }

    /// `{field: {before, after}}` for each field `incoming` gives and that differs from `self`.
    pub fn changes_to(&self, incoming: &Profile) -> Map<String, Value> {
        PROFILE_FIELDS
            .iter()
            .zip(self.values())
            .zip(incoming.values())
            .filter_map(|((field, before), after)| match after {
                Some(a) if before.as_deref() != Some(a.as_str()) => {
                    Some((field.to_string(), json!({"before": before, "after": a})))
                }
                _ => None,
            })
            .collect()
    }

    /// The changes of a person created with this profile (every given field, from nothing).
    pub fn as_created(&self) -> Map<String, Value> {
        Profile::default().changes_to(self)
    }
}

/// From fields in [`PROFILE_FIELDS`] order (a stored row's columns).
impl From<[&Option<String>; 5]> for Profile {
    fn from([first_name, last_name, department, phone, job_title]: [&Option<String>; 5]) -> Self {
        Profile {
            first_name: first_name.clone(),
            last_name: last_name.clone(),
            department: department.clone(),
            phone: phone.clone(),
            job_title: job_title.clone(),
        }
    }
}

/// One field's change as the reports and the SPA show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
    /// `after` lists values (the members a list gained or lost); there is no `before`.
    pub list: bool,
}

impl FieldChange {
    /// Reads the `changes` of a job result or sync change: `{field: {before, after}}`,
    /// or `{field: [values]}` for the members a list gained or lost.
    pub fn all_of(changes: Option<&Value>) -> Vec<FieldChange> {
        let text = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(fields) = changes.and_then(Value::as_object) else { return Vec::new() };
        fields
            .iter()
            .map(|(field, v)| match v.as_array() {
                Some(values) => FieldChange {
                    field: field.clone(),
                    before: String::new(),
                    after: values.iter().map(text).collect::<Vec<_>>().join(", "),
                    list: true,
                },
                None => FieldChange {
                    field: field.clone(),
                    before: text(&v["before"]),
                    after: text(&v["after"]),
                    list: false,
                },
            })
            .collect()
    }

    /// `department: “Sales” → “Finance”`; a list of values reads `members added: a, b`.
    pub fn describe(&self) -> String {
        let name = self.field.replace('_', " ");
        if self.list {
            format!("{name}: {}", self.after)
        } else {
            format!("{name}: “{}” → “{}”", self.before, self.after)
        }
    }

    /// Every change of `changes`, described, joined with `; `.
    pub fn describe_all(changes: Option<&Value>) -> String {
        Self::all_of(changes).iter().map(Self::describe).collect::<Vec<_>>().join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(department: Option<&str>, job_title: Option<&str>) -> Profile {
        Profile {
            first_name: Some("Ada".into()),
            department: department.map(Into::into),
            job_title: job_title.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn only_given_fields_that_differ_are_changes() {
        let stored = profile(Some("Sales"), Some("Engineer"));
        let incoming = Profile { department: Some("Finance".into()), job_title: None, ..stored.clone() };
        let changes = stored.changes_to(&incoming);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes["department"], json!({"before": "Sales", "after": "Finance"}));
        assert!(stored.changes_to(&stored).is_empty());
        assert_eq!(stored.as_created()["first_name"], json!({"before": null, "after": "Ada"}));
    }

    #[test]
    fn changes_read_back_and_describe_alike() {
        let changes = json!({"department": {"before": null, "after": "Navy"}, "members_added": ["a@x.test", "b@x.test"],
                             "members": {"before": 0, "after": 2}});
        let described = FieldChange::describe_all(Some(&changes));
        assert_eq!(described, "department: “” → “Navy”; members: “0” → “2”; members added: a@x.test, b@x.test");
        assert!(FieldChange::all_of(None).is_empty());
    }
}
