//! SCIM's JSON (RFC 7643): a member as a User, a SCIM list as a Group, list
//! responses, and a User body read back into what Muster stores. Attribute
//! names are matched case-insensitively, as RFC 7643 §2.1 asks; attributes
//! Muster does not keep are ignored, and a `password` is discarded unread.

use muster_model::{validate, MemberState, Profile};
use serde_json::{json, Map, Value};

use crate::{
    services::error::{DomainError, DomainResult},
    store::{
        rfc3339,
        scim::{ScimGroupRow, ScimUserRow},
    },
};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// An error a SCIM client can act on: 400 with `scimType` (`invalidValue`, `invalidSyntax`, …).
pub fn invalid(scim_type: &'static str, detail: impl Into<String>) -> DomainError {
    DomainError::field(scim_type, detail)
}

/// A SCIM version of `updated_at`: a weak ETag-like stamp clients may show.
fn meta(kind: &str, location: String, created: i64, modified: i64) -> Value {
    json!({
        "resourceType": kind,
        "created": rfc3339(created),
        "lastModified": rfc3339(modified),
        "location": location,
        "version": format!("W/\"{modified}\""),
    })
}

pub fn user(base: &str, m: &ScimUserRow) -> Value {
    let mut name = Map::new();
    if let Some(g) = &m.first_name {
        name.insert("givenName".into(), json!(g));
    }
    if let Some(f) = &m.last_name {
        name.insert("familyName".into(), json!(f));
    }
    let display = [m.first_name.as_deref(), m.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let mut u = Map::new();
    u.insert("schemas".into(), json!([USER_SCHEMA, ENTERPRISE_USER]));
    u.insert("id".into(), json!(m.id));
    if let Some(x) = &m.external_id {
        u.insert("externalId".into(), json!(x));
    }
    u.insert("userName".into(), json!(m.email));
    if !name.is_empty() {
        u.insert("name".into(), Value::Object(name));
    }
    if !display.is_empty() {
        u.insert("displayName".into(), json!(display));
    }
    u.insert("emails".into(), json!([{"value": m.email, "type": "work", "primary": true}]));
    if let Some(p) = &m.phone {
        // One number, of no particular type: a client's `phoneNumbers[type eq "work"]` finds it (see `patch`).
        u.insert("phoneNumbers".into(), json!([{"value": p}]));
    }
    if let Some(t) = &m.job_title {
        u.insert("title".into(), json!(t));
    }
    u.insert("active".into(), json!(m.state != MemberState::Suspended));
    let mut ext = Map::new();
    if let Some(d) = &m.department {
        ext.insert("department".into(), json!(d));
    }
    if let Some(n) = &m.employee_number {
        ext.insert("employeeNumber".into(), json!(n));
    }
    if !ext.is_empty() {
        u.insert(ENTERPRISE_USER.into(), Value::Object(ext));
    }
    u.insert("meta".into(), meta("User", format!("{base}/Users/{}", m.id), m.created_at, m.updated_at));
    Value::Object(u)
}

/// `members`: `None` when the client asked for them to be left out.
pub fn group(base: &str, g: &ScimGroupRow, members: Option<&[String]>) -> Value {
    let mut o = Map::new();
    o.insert("schemas".into(), json!([GROUP_SCHEMA]));
    o.insert("id".into(), json!(g.id));
    if let Some(x) = &g.external_id {
        o.insert("externalId".into(), json!(x));
    }
    o.insert("displayName".into(), json!(g.name));
    if let Some(members) = members {
        let list: Vec<Value> =
            members.iter().map(|id| json!({"value": id, "$ref": format!("{base}/Users/{id}")})).collect();
        o.insert("members".into(), Value::Array(list));
    }
    o.insert("meta".into(), meta("Group", format!("{base}/Groups/{}", g.id), g.created_at, g.updated_at));
    Value::Object(o)
}

pub fn list_response(total: i64, start: i64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.9) on the top-level
/// attributes; `id`, `schemas` and `meta` always stay.
pub fn project(mut v: Value, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let names = |s: &str| -> Vec<String> {
        s.split(',').map(|a| muster_model::scim_filter::plain_attr(a.trim())).filter(|a| !a.is_empty()).collect()
    };
    let always = ["id", "schemas", "meta"];
    if let Value::Object(o) = &mut v {
        if let Some(keep) = attributes.map(names) {
            let keep_top: Vec<String> =
                keep.iter().map(|a| a.split('.').next().unwrap_or_default().to_string()).collect();
            o.retain(|k, _| {
                let k = k.to_ascii_lowercase();
                always.contains(&k.as_str())
                    || keep_top.contains(&k)
                    || (k == ENTERPRISE_USER.to_ascii_lowercase()
                        && keep.iter().any(|a| a == "department" || a == "employeenumber"))
            });
        }
        if let Some(drop) = excluded.map(names) {
            o.retain(|k, _| {
                let k = k.to_ascii_lowercase();
                always.contains(&k.as_str()) || !drop.contains(&k)
            });
        }
    }
    v
}

/// The value at `key` of a JSON object, the key matched case-insensitively.
pub fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn text(o: &Map<String, Value>, key: &str, label: &str) -> DomainResult<Option<String>> {
    match get(o, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => validate::name(Some(s), label).map_err(|why| invalid("invalidValue", why)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid("invalidValue", format!("{key} must be a string."))),
    }
}

/// SCIM booleans, and the strings Entra sends for them ("True", "False").
pub fn boolean(v: &Value, key: &str) -> DomainResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid("invalidValue", format!("{key} must be true or false."))),
    }
}

/// What a User body says Muster should store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInput {
    /// Lower-cased.
    pub user_name: String,
    pub external_id: Option<String>,
    pub profile: Profile,
    pub employee_number: Option<String>,
    pub active: bool,
}

/// Reads a User (POST, PUT, or the result of a PATCH).
pub fn user_input(v: &Value) -> DomainResult<UserInput> {
    let Value::Object(o) = v else {
        return Err(invalid("invalidSyntax", "The body must be a SCIM User object."));
    };
    let user_name = match get(o, "userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_lowercase(),
        _ => return Err(invalid("invalidValue", "userName is required: the person's email address.")),
    };
    let empty = Map::new();
    let name = match get(o, "name") {
        Some(Value::Object(n)) => n,
        _ => &empty,
    };
    let ext = match get(o, ENTERPRISE_USER) {
        Some(Value::Object(e)) => e,
        _ => &empty,
    };
    let phone = match get(o, "phoneNumbers") {
        Some(Value::Array(list)) => {
            let objects: Vec<&Map<String, Value>> = list.iter().filter_map(Value::as_object).collect();
            let primary = objects
                .iter()
                .find(|p| get(p, "primary").map(|v| boolean(v, "primary").unwrap_or(false)) == Some(true));
            match primary.or(objects.first()) {
                Some(p) => text(p, "value", "Phone")?,
                None => None,
            }
        }
        None | Some(Value::Null) => None,
        Some(_) => return Err(invalid("invalidValue", "phoneNumbers must be a list.")),
    };
    let active = match get(o, "active") {
        None | Some(Value::Null) => true,
        Some(v) => boolean(v, "active")?,
    };
    let external_id = match get(o, "externalId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 255 && !s.chars().any(char::is_control) => Some(s.clone()),
        Some(_) => return Err(invalid("invalidValue", "externalId must be a string of at most 255 characters.")),
    };
    Ok(UserInput {
        user_name,
        external_id,
        profile: Profile {
            first_name: text(name, "givenName", "name.givenName")?,
            last_name: text(name, "familyName", "name.familyName")?,
            department: text(ext, "department", "department")?,
            phone,
            job_title: text(o, "title", "title")?,
        },
        employee_number: text(ext, "employeeNumber", "employeeNumber")?,
        active,
    })
}

/// What a Group body says: its name, external id and member ids.
pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<String>,
}

pub fn group_input(v: &Value) -> DomainResult<GroupInput> {
    let Value::Object(o) = v else {
        return Err(invalid("invalidSyntax", "The body must be a SCIM Group object."));
    };
    let display_name = match get(o, "displayName") {
        Some(Value::String(s)) => {
            validate::name(Some(s), "displayName").map_err(|why| invalid("invalidValue", why))?.unwrap_or_default()
        }
        _ => String::new(),
    };
    if display_name.is_empty() {
        return Err(invalid("invalidValue", "displayName is required."));
    }
    let external_id = match get(o, "externalId") {
        Some(Value::String(s)) if s.chars().count() <= 255 => Some(s.clone()),
        Some(Value::String(_)) => return Err(invalid("invalidValue", "externalId must be at most 255 characters.")),
        _ => None,
    };
    let members = match get(o, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => member_ids(v)?,
    };
    Ok(GroupInput { display_name, external_id, members })
}

/// `[{"value": "<id>"}, …]` (or one such object) as ids.
pub fn member_ids(v: &Value) -> DomainResult<Vec<String>> {
    let one = |m: &Value| match m.as_object().and_then(|o| get(o, "value")) {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(invalid("invalidValue", "Each member is an object with the member's id as \"value\".")),
    };
    match v {
        Value::Array(list) => list.iter().map(one).collect(),
        Value::Object(_) => Ok(vec![one(v)?]),
        _ => Err(invalid("invalidValue", "members must be a list of {\"value\": id}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_okta_sends_on_create() {
        let body = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER],
            "userName": "Ada@Example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"primary": true, "value": "ada@example.com", "type": "work"}],
            "phoneNumbers": [{"value": "+1 555", "type": "mobile"}, {"value": "+1 556", "type": "work", "primary": true}],
            "title": "Engineer",
            "password": "discarded",
            "Active": "True",
            ENTERPRISE_USER: {"department": "R&D", "employeeNumber": 42},
        });
        let u = user_input(&body).unwrap();
        assert_eq!(u.user_name, "ada@example.com");
        assert_eq!(u.profile.first_name.as_deref(), Some("Ada"));
        assert_eq!(u.profile.phone.as_deref(), Some("+1 556"));
        assert_eq!(u.profile.department.as_deref(), Some("R&D"));
        assert_eq!(u.employee_number.as_deref(), Some("42"));
        assert!(u.active);
    }

    #[test]
    fn refuses_a_user_without_user_name_or_with_a_bad_active() {
        assert_eq!(user_input(&json!({"name": {}})).unwrap_err().code(), "invalidValue");
        assert_eq!(user_input(&json!({"userName": "a@b.c", "active": "maybe"})).unwrap_err().code(), "invalidValue");
        assert_eq!(user_input(&json!([])).unwrap_err().code(), "invalidSyntax");
    }

    #[test]
    fn projection_keeps_the_identity() {
        let v =
            json!({"schemas": [], "id": "1", "meta": {}, "userName": "a", "name": {"givenName": "A"}, "members": []});
        let kept = project(v.clone(), Some("userName"), None);
        assert_eq!(kept, json!({"schemas": [], "id": "1", "meta": {}, "userName": "a"}));
        let dropped = project(v, None, Some("members"));
        assert!(dropped.get("members").is_none() && dropped.get("name").is_some());
    }
}
