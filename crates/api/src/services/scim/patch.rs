//! SCIM PATCH (RFC 7644 §3.5.2) as Okta and Entra send it: `op` in any case
//! (`Replace`, `Add`, `Remove`), booleans as `"False"`, path-less replaces
//! whose keys are dotted (`name.givenName`) or URN-qualified, and
//! multi-valued paths with value filters (`phoneNumbers[type eq "work"].value`,
//! `members[value eq "…"]`). A User PATCH is applied to the User as it is
//! shown and the result read back like a PUT, so both meet the same rules.

use muster_model::scim_filter::{self, AttrPath, Filter, Literal, Op};
use serde_json::{Map, Value};

use super::resource::{get, invalid, member_ids, ENTERPRISE_USER, PATCH_OP};
use crate::services::error::DomainResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Add,
    Replace,
    Remove,
}

pub struct Operation {
    pub verb: Verb,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// The operations of a PatchOp body.
pub fn operations(body: &Value) -> DomainResult<Vec<Operation>> {
    let Some(o) = body.as_object() else {
        return Err(invalid("invalidSyntax", "The body must be a PatchOp object."));
    };
    if let Some(Value::Array(schemas)) = get(o, "schemas") {
        if !schemas.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP))) {
            return Err(invalid("invalidSyntax", format!("A PATCH body's schemas must name {PATCH_OP}.")));
        }
    }
    let Some(Value::Array(ops)) = get(o, "Operations") else {
        return Err(invalid("invalidSyntax", "A PATCH body needs an \"Operations\" list."));
    };
    ops.iter()
        .map(|op| {
            let Some(op) = op.as_object() else {
                return Err(invalid("invalidSyntax", "Each operation is an object with op, path and value."));
            };
            let verb = match get(op, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("add") => Verb::Add,
                Some("replace") => Verb::Replace,
                Some("remove") => Verb::Remove,
                _ => return Err(invalid("invalidSyntax", "op must be add, replace or remove.")),
            };
            let path = match get(op, "path") {
                Some(Value::String(p)) if !p.trim().is_empty() => Some(p.clone()),
                None | Some(Value::Null) | Some(Value::String(_)) => None,
                Some(_) => return Err(invalid("invalidPath", "path must be a string.")),
            };
            if verb == Verb::Remove && path.is_none() {
                return Err(invalid("noTarget", "A remove operation needs a path."));
            }
            Ok(Operation { verb, path, value: get(op, "value").cloned() })
        })
        .collect()
}

/// Where an attribute of a User lives in its JSON.
#[derive(Clone, Copy)]
enum Place {
    Top(&'static str),
    Name(&'static str),
    Ext(&'static str),
    Multi(&'static str),
    /// Complex `name` or the enterprise extension as a whole.
    NameObject,
    ExtObject,
    /// Not kept (or read-only): ignored, as Entra and Okta send attributes Muster has no place for.
    Ignored,
}

fn place(attr: &str, sub: Option<&str>) -> Place {
    match (attr, sub) {
        ("username", None) => Place::Top("userName"),
        ("externalid", None) => Place::Top("externalId"),
        ("title", None) => Place::Top("title"),
        ("active", None) => Place::Top("active"),
        ("name", None) => Place::NameObject,
        ("name", Some("givenname")) => Place::Name("givenName"),
        ("name", Some("familyname")) => Place::Name("familyName"),
        ("department", None) => Place::Ext("department"),
        ("employeenumber", None) => Place::Ext("employeeNumber"),
        ("emails", _) => Place::Multi("emails"),
        ("phonenumbers", _) => Place::Multi("phoneNumbers"),
        (a, None) if a == ENTERPRISE_USER.to_ascii_lowercase() => Place::ExtObject,
        _ => Place::Ignored,
    }
}

fn object<'a>(user: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = user.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

/// Sets (or, with `None`, removes) a scalar at its place.
fn put(user: &mut Map<String, Value>, at: Place, value: Option<Value>) -> DomainResult<()> {
    let set = |o: &mut Map<String, Value>, key: &str, value: Option<Value>| match value {
        Some(Value::Null) | None => {
            o.remove(key);
        }
        Some(v) => {
            o.insert(key.to_string(), v);
        }
    };
    match at {
        Place::Top(k) => set(user, k, value),
        Place::Name(k) => set(object(user, "name"), k, value),
        Place::Ext(k) => set(object(user, ENTERPRISE_USER), k, value),
        Place::NameObject | Place::ExtObject => {
            let key = if matches!(at, Place::NameObject) { "name" } else { ENTERPRISE_USER };
            match value {
                None | Some(Value::Null) => {
                    user.remove(key);
                }
                Some(Value::Object(fields)) => {
                    for (k, v) in fields {
                        let sub = scim_filter::plain_attr(&k);
                        let at = if key == "name" { place("name", Some(&sub)) } else { place(&sub, None) };
                        put(user, at, Some(v))?;
                    }
                }
                Some(_) => return Err(invalid("invalidValue", format!("{key} must be an object."))),
            }
        }
        Place::Multi(_) | Place::Ignored => {}
    }
    Ok(())
}

/// Whether one value of a multi-valued attribute (`{"type": "work", "value": …}`) matches a value filter.
pub fn matches(f: &Filter, item: &Value) -> bool {
    let field = |p: &AttrPath| item.as_object().and_then(|o| get(o, &p.attr)).cloned();
    match f {
        Filter::And(a, b) => matches(a, item) && matches(b, item),
        Filter::Or(a, b) => matches(a, item) || matches(b, item),
        Filter::Not(a) => !matches(a, item),
        Filter::Present(p) => !matches!(field(p), None | Some(Value::Null)),
        Filter::Any(_) => false,
        Filter::Compare(p, op, lit) => {
            let Some(have) = field(p) else { return *op == Op::Ne };
            match (have, lit) {
                (Value::Bool(b), l) => {
                    let want = match l {
                        Literal::Bool(w) => *w,
                        Literal::Str(s) => s.eq_ignore_ascii_case("true"),
                        _ => return false,
                    };
                    (b == want) == (*op == Op::Eq)
                }
                (Value::String(s), Literal::Str(want)) => {
                    let (s, w) = (s.to_lowercase(), want.to_lowercase());
                    match op {
                        Op::Eq => s == w,
                        Op::Ne => s != w,
                        Op::Co => s.contains(&w),
                        Op::Sw => s.starts_with(&w),
                        Op::Ew => s.ends_with(&w),
                        Op::Gt => s > w,
                        Op::Ge => s >= w,
                        Op::Lt => s < w,
                        Op::Le => s <= w,
                    }
                }
                _ => false,
            }
        }
    }
}

fn multi(
    user: &mut Map<String, Value>,
    key: &str,
    verb: Verb,
    path: &AttrPath,
    value: Option<Value>,
) -> DomainResult<()> {
    // Muster keeps one value, shown without a type: it is the one any `[type eq …]` filter means.
    let items: Vec<Value> = match user.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .cloned()
            .map(|mut item| {
                if let (Some(o), Some(Filter::Compare(p, Op::Eq, Literal::Str(t)))) =
                    (item.as_object_mut(), path.filter.as_deref())
                {
                    if p.attr == "type" {
                        o.entry("type").or_insert_with(|| Value::String(t.clone()));
                    }
                }
                item
            })
            .collect(),
        _ => Vec::new(),
    };
    let new_items = |v: Option<Value>| -> DomainResult<Vec<Value>> {
        match v {
            Some(Value::Array(a)) => Ok(a),
            Some(o @ Value::Object(_)) => Ok(vec![o]),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(invalid("invalidValue", format!("{key} takes a list of objects."))),
        }
    };
    let result = match (&path.filter, &path.sub) {
        (None, None) => match verb {
            Verb::Remove => Vec::new(),
            Verb::Replace => new_items(value)?,
            // Adding to an attribute Muster keeps one value of: the value added is the one kept.
            Verb::Add => {
                let added = new_items(value)?;
                if added.is_empty() {
                    items
                } else {
                    added
                }
            }
        },
        (None, Some(sub)) => {
            // `emails.value`: Muster keeps one value, the primary.
            let mut item =
                items.into_iter().next().unwrap_or_else(|| serde_json::json!({"type": "work", "primary": true}));
            if let Some(o) = item.as_object_mut() {
                match verb {
                    Verb::Remove => {
                        o.remove(sub.as_str());
                    }
                    _ => {
                        o.insert(sub.clone(), value.unwrap_or(Value::Null));
                    }
                }
            }
            vec![item]
        }
        (Some(filter), sub) => {
            let mut out = Vec::new();
            let mut hit = false;
            for mut item in items {
                if !matches(filter, &item) {
                    out.push(item);
                    continue;
                }
                hit = true;
                match (verb, sub) {
                    (Verb::Remove, None) => {}
                    (Verb::Remove, Some(sub)) => {
                        if let Some(o) = item.as_object_mut() {
                            o.remove(sub.as_str());
                        }
                        out.push(item);
                    }
                    (_, Some(sub)) => {
                        if let Some(o) = item.as_object_mut() {
                            o.insert(sub.clone(), value.clone().unwrap_or(Value::Null));
                        }
                        out.push(item);
                    }
                    (_, None) => out.extend(new_items(value.clone())?),
                }
            }
            // Entra replaces `phoneNumbers[type eq "work"].value` on a user that has none yet: it is added.
            if !hit && verb != Verb::Remove {
                let mut item = Map::new();
                if let Filter::Compare(p, Op::Eq, Literal::Str(s)) = filter.as_ref() {
                    item.insert(p.attr.clone(), Value::String(s.clone()));
                }
                match sub {
                    Some(sub) => {
                        item.insert(sub.clone(), value.unwrap_or(Value::Null));
                        out.push(Value::Object(item));
                    }
                    None => out.extend(new_items(value)?),
                }
            }
            out
        }
    };
    if result.is_empty() {
        user.remove(key);
    } else {
        user.insert(key.to_string(), Value::Array(result));
    }
    Ok(())
}

/// Applies the operations to the User as shown (`user`), in order.
pub fn apply_to_user(user: &mut Value, ops: Vec<Operation>) -> DomainResult<()> {
    let Some(u) = user.as_object_mut() else {
        return Err(invalid("invalidSyntax", "not a user"));
    };
    for op in ops {
        match op.path {
            None => {
                let Some(Value::Object(fields)) = op.value else {
                    return Err(invalid("invalidValue", "An operation without a path needs an object as its value."));
                };
                for (key, value) in fields {
                    apply_path(u, op.verb, &path_of(&key)?, Some(value))?;
                }
            }
            Some(p) => {
                let path = path_of(&p)?;
                let value = if op.verb == Verb::Remove { None } else { op.value };
                if op.verb != Verb::Remove && value.is_none() {
                    return Err(invalid("invalidValue", format!("The operation on {p} needs a value.")));
                }
                apply_path(u, op.verb, &path, value)?;
            }
        }
    }
    Ok(())
}

/// A path, where the enterprise extension's URN alone (its dots are not separators) names the whole extension.
fn path_of(key: &str) -> DomainResult<AttrPath> {
    if key.trim().eq_ignore_ascii_case(ENTERPRISE_USER) {
        return Ok(AttrPath { attr: ENTERPRISE_USER.to_ascii_lowercase(), sub: None, filter: None });
    }
    scim_filter::parse_path(key).map_err(|e| invalid("invalidPath", e.0))
}

fn apply_path(u: &mut Map<String, Value>, verb: Verb, path: &AttrPath, value: Option<Value>) -> DomainResult<()> {
    match place(&path.attr, path.sub.as_deref()) {
        Place::Multi(key) => multi(u, key, verb, path, value),
        Place::Top("active") if verb != Verb::Remove => {
            let v = value.as_ref().map(|v| super::resource::boolean(v, "active")).transpose()?;
            put(u, Place::Top("active"), v.map(Value::Bool))
        }
        at => put(u, at, if verb == Verb::Remove { None } else { value }),
    }
}

/// One change to a Group's members or names.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupChange {
    Rename(String),
    ExternalId(Option<String>),
    AddMembers(Vec<String>),
    RemoveMembers(Vec<String>),
    /// `members[value eq "…"]`: the members the filter picks.
    RemoveWhere(Filter),
    RemoveAllMembers,
    SetMembers(Vec<String>),
}

pub fn group_changes(ops: Vec<Operation>) -> DomainResult<Vec<GroupChange>> {
    let mut out = Vec::new();
    for op in ops {
        let (attr, filter) = match &op.path {
            None => {
                let Some(Value::Object(fields)) = op.value else {
                    return Err(invalid("invalidValue", "An operation without a path needs an object as its value."));
                };
                for (key, value) in fields {
                    let nested = Operation { verb: op.verb, path: Some(key), value: Some(value) };
                    match scim_filter::plain_attr(nested.path.as_deref().unwrap_or_default()).as_str() {
                        "id" | "schemas" | "meta" => continue,
                        _ => out.extend(group_changes(vec![nested])?),
                    }
                }
                continue;
            }
            Some(p) => {
                let path = scim_filter::parse_path(p).map_err(|e| invalid("invalidPath", e.0))?;
                (path.dotted(), path.filter)
            }
        };
        let change = match (attr.as_str(), op.verb, filter) {
            ("displayname", Verb::Add | Verb::Replace, None) => match op.value {
                Some(Value::String(s)) => {
                    let name = muster_model::validate::name(Some(&s), "displayName")
                        .map_err(|w| invalid("invalidValue", w))?
                        .ok_or_else(|| invalid("invalidValue", "displayName cannot be empty."))?;
                    GroupChange::Rename(name)
                }
                _ => return Err(invalid("invalidValue", "displayName must be a string.")),
            },
            ("displayname", Verb::Remove, _) => return Err(invalid("mutability", "A group keeps its displayName.")),
            ("externalid", Verb::Remove, None) => GroupChange::ExternalId(None),
            ("externalid", _, None) => match op.value {
                Some(Value::String(x)) if x.chars().count() <= 255 => GroupChange::ExternalId(Some(x)),
                _ => return Err(invalid("invalidValue", "externalId must be a string of at most 255 characters.")),
            },
            ("members" | "members.value", Verb::Remove, Some(f)) => GroupChange::RemoveWhere(*f),
            ("members", Verb::Remove, None) => match op.value {
                None | Some(Value::Null) => GroupChange::RemoveAllMembers,
                Some(v) => GroupChange::RemoveMembers(member_ids(&v)?),
            },
            ("members", Verb::Add, None) => GroupChange::AddMembers(member_ids(&op.value.unwrap_or(Value::Null))?),
            ("members", Verb::Replace, None) => match op.value {
                None | Some(Value::Null) => GroupChange::SetMembers(Vec::new()),
                Some(v) => GroupChange::SetMembers(member_ids(&v)?),
            },
            (other, _, _) => {
                return Err(invalid(
                    "invalidPath",
                    format!("\"{other}\" is not an attribute of a Group that can be changed."),
                ))
            }
        };
        out.push(change);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(user: &mut Value, body: Value) {
        apply_to_user(user, operations(&body).unwrap()).unwrap();
    }

    fn ops(list: Value) -> Value {
        json!({"schemas": [PATCH_OP], "Operations": list})
    }

    #[test]
    fn entra_path_less_replace_with_dotted_keys_and_string_booleans() {
        let mut u = json!({"userName": "a@b.c", "active": true, "name": {"givenName": "A"}});
        patch(
            &mut u,
            ops(json!([{"op": "Replace", "value": {
                "active": "False",
                "name.familyName": "Byron",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
                "title": "Lead",
                "nickName": "ignored"
            }}])),
        );
        assert_eq!(u["active"], json!(false));
        assert_eq!(u["name"], json!({"givenName": "A", "familyName": "Byron"}));
        assert_eq!(u[ENTERPRISE_USER]["department"], json!("Sales"));
        assert_eq!(u["title"], json!("Lead"));
        assert!(u.get("nickName").is_none());
        patch(&mut u, ops(json!([{"op": "add", "value": {ENTERPRISE_USER: {"employeeNumber": "7"}}}])));
        assert_eq!(u[ENTERPRISE_USER], json!({"department": "Sales", "employeeNumber": "7"}));
    }

    #[test]
    fn okta_replace_with_a_whole_object_and_remove_with_a_path() {
        let mut u = json!({"userName": "a@b.c", "active": true, "title": "Eng"});
        patch(&mut u, ops(json!([{"op": "replace", "value": {"active": false}}, {"op": "remove", "path": "title"}])));
        assert_eq!(u, json!({"userName": "a@b.c", "active": false}));
    }

    #[test]
    fn multi_valued_paths_with_filters() {
        let mut u = json!({"userName": "a@b.c"});
        patch(&mut u, ops(json!([{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"}])));
        assert_eq!(u["phoneNumbers"], json!([{"type": "work", "value": "+1 555"}]));
        patch(
            &mut u,
            ops(json!([{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 556"}])),
        );
        assert_eq!(u["phoneNumbers"], json!([{"type": "work", "value": "+1 556"}]));
        patch(&mut u, ops(json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}])));
        assert!(u.get("phoneNumbers").is_none());
    }

    #[test]
    fn bad_operations_say_why() {
        let bad = |body: Value| operations(&body).err().map(|e| e.code()).unwrap_or("accepted");
        assert_eq!(bad(ops(json!([{"op": "move", "path": "title"}]))), "invalidSyntax");
        assert_eq!(bad(ops(json!([{"op": "remove"}]))), "noTarget");
        assert_eq!(bad(json!({"Operations": "x"})), "invalidSyntax");
        let mut u = json!({});
        let err = apply_to_user(
            &mut u,
            operations(&ops(json!([{"op": "add", "path": "emails[type eq", "value": 1}]))).unwrap(),
        );
        assert_eq!(err.unwrap_err().code(), "invalidPath");
    }

    #[test]
    fn group_member_changes_as_entra_and_okta_send_them() {
        let changes = group_changes(
            operations(&ops(json!([
                {"op": "Add", "path": "members", "value": [{"value": "m1"}, {"value": "m2"}]},
                {"op": "Remove", "path": "members[value eq \"m1\"]"},
                {"op": "Remove", "path": "members", "value": [{"value": "m2"}]},
                {"op": "Replace", "value": {"id": "g", "displayName": "Sales"}},
            ])))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(changes[0], GroupChange::AddMembers(vec!["m1".into(), "m2".into()]));
        assert!(matches!(&changes[1], GroupChange::RemoveWhere(f) if matches(f, &json!({"value": "m1"}))));
        assert_eq!(changes[2], GroupChange::RemoveMembers(vec!["m2".into()]));
        assert_eq!(changes[3], GroupChange::Rename("Sales".into()));
    }
}
