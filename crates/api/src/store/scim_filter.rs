//! A SCIM filter (parsed by `muster_model::scim_filter`) as a SQL condition
//! with numbered binds, for Users (`members`) and Groups
//! (`distribution_lists l`). Only the attributes Muster stores can be
//! filtered on; any other is an error the caller answers `invalidFilter`.
//! Case-insensitive attributes compare lower-cased on both sides (emails
//! are stored lower-cased, so `userName eq` stays on the email index).

use muster_model::scim_filter::{AttrPath, Filter, Literal, Op};

/// A value bound to one `$n`.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// A compiled condition: SQL text whose binds are numbered from the `first` given.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

#[derive(Clone, Copy)]
enum Column {
    /// Stored lower-cased (the email): compared to the lower-cased value as is.
    Lower(&'static str),
    /// Case-insensitive text.
    Text(&'static str),
    /// Case-exact text (ids, externalId).
    Exact(&'static str),
    /// Milliseconds since the epoch, compared to an RFC 3339 time.
    Time(&'static str),
    /// SCIM `active`: the member is not suspended.
    Active,
    /// A sub-attribute Muster answers with one fixed value (`emails.type` is "work").
    Fixed(&'static str),
    FixedBool(bool),
    /// Multi-valued: `members` of a group, matched through the link table.
    GroupMembers,
}

/// Which resource a filter is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User,
    Group,
}

fn column(resource: Resource, path: &AttrPath) -> Result<Column, String> {
    let dotted = path.dotted();
    let found = match resource {
        Resource::User => match dotted.as_str() {
            "id" => Some(Column::Exact("id")),
            "username" | "emails" | "emails.value" => Some(Column::Lower("email")),
            "externalid" => Some(Column::Exact("external_id")),
            "name.givenname" => Some(Column::Text("first_name")),
            "name.familyname" => Some(Column::Text("last_name")),
            "title" => Some(Column::Text("job_title")),
            "department" => Some(Column::Text("department")),
            "employeenumber" => Some(Column::Text("employee_number")),
            "phonenumbers" | "phonenumbers.value" => Some(Column::Text("phone")),
            "active" => Some(Column::Active),
            "meta.lastmodified" => Some(Column::Time("updated_at")),
            "meta.created" => Some(Column::Time("created_at")),
            _ => None,
        },
        Resource::Group => match dotted.as_str() {
            "id" => Some(Column::Exact("l.id")),
            "displayname" => Some(Column::Text("l.name")),
            "externalid" => Some(Column::Exact("l.external_id")),
            "members" | "members.value" => Some(Column::GroupMembers),
            "meta.lastmodified" => Some(Column::Time("l.updated_at")),
            "meta.created" => Some(Column::Time("l.created_at")),
            _ => None,
        },
    };
    found.ok_or_else(|| format!("filtering on \"{dotted}\" is not supported"))
}

/// Inside `emails[…]`, `phoneNumbers[…]` or `members[…]`: what each sub-attribute is.
fn value_column(resource: Resource, multi: &str, sub: &str) -> Result<Column, String> {
    match (resource, multi, sub) {
        (Resource::User, "emails", "value") => Ok(Column::Lower("email")),
        (Resource::User, "phonenumbers", "value") => Ok(Column::Text("phone")),
        (Resource::User, "emails" | "phonenumbers", "type") => Ok(Column::Fixed("work")),
        (Resource::User, "emails" | "phonenumbers", "primary") => Ok(Column::FixedBool(true)),
        (Resource::Group, "members", "value") => Ok(Column::Exact("d.member_id")),
        _ => Err(format!("filtering on \"{multi}[{sub} …]\" is not supported")),
    }
}

struct Compiler {
    resource: Resource,
    next: usize,
    binds: Vec<Bind>,
}

impl Compiler {
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        let n = self.next;
        self.next += 1;
        format!("${n}")
    }

    fn filter(&mut self, f: &Filter, inside: Option<&str>) -> Result<String, String> {
        Ok(match f {
            Filter::And(a, b) => format!("({} AND {})", self.filter(a, inside)?, self.filter(b, inside)?),
            Filter::Or(a, b) => format!("({} OR {})", self.filter(a, inside)?, self.filter(b, inside)?),
            Filter::Not(a) => format!("(NOT {})", self.filter(a, inside)?),
            Filter::Present(p) => {
                let col = self.column_of(p, inside)?;
                self.present(col)
            }
            Filter::Compare(p, op, v) => {
                if let (Some(inner), None) = (&p.filter, inside) {
                    // `emails[type eq "work"].value eq "x"`: both must hold of the one value.
                    let multi = p.attr.clone();
                    let cond = self.filter(inner, Some(&multi))?;
                    let sub = p.sub.clone().unwrap_or_else(|| "value".into());
                    let col = value_column(self.resource, &multi, &sub)?;
                    let cmp = self.compare(col, *op, v)?;
                    return self.within(&multi, format!("({cond} AND {cmp})"));
                }
                let col = self.column_of(p, inside)?;
                self.compare(col, *op, v)?
            }
            Filter::Any(p) => {
                if inside.is_some() {
                    return Err("value filters cannot nest".into());
                }
                let inner = p.filter.as_deref().ok_or("an empty value filter")?;
                let multi = p.attr.clone();
                let cond = self.filter(inner, Some(&multi))?;
                self.within(&multi, cond)?
            }
        })
    }

    /// A condition on one value of a multi-valued attribute, as a condition on the row.
    fn within(&mut self, multi: &str, cond: String) -> Result<String, String> {
        match (self.resource, multi) {
            (Resource::Group, "members") => {
                Ok(format!("EXISTS (SELECT 1 FROM distribution_list_members d WHERE d.list_id = l.id AND {cond})"))
            }
            (Resource::User, "emails" | "phonenumbers") => Ok(cond),
            _ => Err(format!("\"{multi}\" has no values to filter")),
        }
    }

    fn column_of(&mut self, p: &AttrPath, inside: Option<&str>) -> Result<Column, String> {
        match inside {
            Some(multi) => {
                if p.sub.is_some() || p.filter.is_some() {
                    return Err(format!("\"{}\" inside \"{multi}[…]\" is not a sub-attribute", p.dotted()));
                }
                value_column(self.resource, multi, &p.attr)
            }
            // `members.value eq "id"` is any member with that id (see `compare`).
            None => column(self.resource, p),
        }
    }

    fn present(&mut self, col: Column) -> String {
        match col {
            Column::Lower(c) | Column::Text(c) | Column::Exact(c) => format!("({c} IS NOT NULL AND {c} <> '')"),
            Column::Time(c) => format!("({c} IS NOT NULL)"),
            Column::Active | Column::Fixed(_) | Column::FixedBool(_) => "(1 = 1)".into(),
            Column::GroupMembers => "EXISTS (SELECT 1 FROM distribution_list_members d WHERE d.list_id = l.id)".into(),
        }
    }

    fn compare(&mut self, col: Column, op: Op, v: &Literal) -> Result<String, String> {
        if let Column::GroupMembers = col {
            let inner = self.compare(Column::Exact("d.member_id"), op, v)?;
            return self.within("members", inner);
        }
        if *v == Literal::Null {
            let expr = match col {
                Column::Lower(c) | Column::Text(c) | Column::Exact(c) | Column::Time(c) => c,
                _ => return Ok(if op == Op::Ne { "(1 = 1)" } else { "(1 = 0)" }.into()),
            };
            return match op {
                Op::Eq => Ok(format!("({expr} IS NULL)")),
                Op::Ne => Ok(format!("({expr} IS NOT NULL)")),
                _ => Err("only eq and ne compare with null".into()),
            };
        }
        match col {
            Column::Active | Column::FixedBool(_) => {
                let want = boolean(v).ok_or("a boolean attribute compares with true or false")?;
                let truth = match op {
                    Op::Eq => want,
                    Op::Ne => !want,
                    _ => return Err("a boolean attribute compares only with eq or ne".into()),
                };
                Ok(match col {
                    Column::Active if truth => "(state <> 'suspended')".into(),
                    Column::Active => "(state = 'suspended')".into(),
                    Column::FixedBool(b) => if b == truth { "(1 = 1)" } else { "(1 = 0)" }.into(),
                    _ => unreachable!(),
                })
            }
            Column::Fixed(fixed) => {
                let text = string(v)?.to_lowercase();
                let holds = match op {
                    Op::Eq => fixed == text,
                    Op::Ne => fixed != text,
                    Op::Co => fixed.contains(&text),
                    Op::Sw => fixed.starts_with(&text),
                    Op::Ew => fixed.ends_with(&text),
                    Op::Gt => fixed > text.as_str(),
                    Op::Ge => fixed >= text.as_str(),
                    Op::Lt => fixed < text.as_str(),
                    Op::Le => fixed <= text.as_str(),
                };
                Ok(if holds { "(1 = 1)" } else { "(1 = 0)" }.into())
            }
            Column::Time(c) => {
                let text = string(v)?;
                let ms = chrono::DateTime::parse_from_rfc3339(&text)
                    .map_err(|_| format!("\"{text}\" is not an RFC 3339 date-time"))?
                    .timestamp_millis();
                let mark = self.bind(Bind::Int(ms));
                let sql = match op {
                    Op::Eq => format!("{c} = {mark}"),
                    Op::Ne => format!("{c} <> {mark}"),
                    Op::Gt => format!("{c} > {mark}"),
                    Op::Ge => format!("{c} >= {mark}"),
                    Op::Lt => format!("{c} < {mark}"),
                    Op::Le => format!("{c} <= {mark}"),
                    _ => return Err("a date-time compares with eq, ne, gt, ge, lt or le".into()),
                };
                Ok(format!("({sql})"))
            }
            Column::Lower(c) | Column::Text(c) | Column::Exact(c) => {
                let exact = matches!(col, Column::Exact(_));
                let raw = string(v)?;
                let value = if exact { raw } else { raw.to_lowercase() };
                let expr = match col {
                    Column::Text(c) => format!("LOWER({c})"),
                    _ => c.to_string(),
                };
                let like = |s: &str| s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                let sql = match op {
                    Op::Eq => format!("{expr} = {}", self.bind(Bind::Text(value))),
                    Op::Ne => format!("({c} IS NULL OR {expr} <> {})", self.bind(Bind::Text(value))),
                    Op::Co => {
                        format!("{expr} LIKE {} ESCAPE '\\'", self.bind(Bind::Text(format!("%{}%", like(&value)))))
                    }
                    Op::Sw => {
                        format!("{expr} LIKE {} ESCAPE '\\'", self.bind(Bind::Text(format!("{}%", like(&value)))))
                    }
                    Op::Ew => {
                        format!("{expr} LIKE {} ESCAPE '\\'", self.bind(Bind::Text(format!("%{}", like(&value)))))
                    }
                    Op::Gt => format!("{expr} > {}", self.bind(Bind::Text(value))),
                    Op::Ge => format!("{expr} >= {}", self.bind(Bind::Text(value))),
                    Op::Lt => format!("{expr} < {}", self.bind(Bind::Text(value))),
                    Op::Le => format!("{expr} <= {}", self.bind(Bind::Text(value))),
                };
                Ok(format!("({sql})"))
            }
            Column::GroupMembers => unreachable!(),
        }
    }
}

/// `true`, `false`, or the strings Entra sends for them ("True", "False").
fn boolean(v: &Literal) -> Option<bool> {
    match v {
        Literal::Bool(b) => Some(*b),
        Literal::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Literal::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn string(v: &Literal) -> Result<String, String> {
    match v {
        Literal::Str(s) => Ok(s.clone()),
        Literal::Num(n) => Ok(n.to_string()),
        Literal::Bool(b) => Ok(b.to_string()),
        Literal::Null => Err("null is not text".into()),
    }
}

/// The condition for `filter` on `resource`, its binds numbered from `first`.
pub fn condition(resource: Resource, filter: &Filter, first: usize) -> Result<Condition, String> {
    let mut c = Compiler { resource, next: first, binds: Vec::new() };
    let sql = c.filter(filter, None)?;
    Ok(Condition { sql, binds: c.binds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_model::scim_filter::parse;

    fn users(f: &str) -> Condition {
        condition(Resource::User, &parse(f).unwrap(), 2).unwrap()
    }

    #[test]
    fn user_name_stays_on_the_email_index() {
        let c = users("userName eq \"Ada@Example.COM\"");
        assert_eq!(c.sql, "(email = $2)");
        assert_eq!(c.binds, vec![Bind::Text("ada@example.com".into())]);
    }

    #[test]
    fn value_filters_and_fixed_sub_attributes() {
        let c = users("emails[type eq \"work\"].value eq \"a@b.c\"");
        assert_eq!(c.sql, "((1 = 1) AND (email = $2))");
        let c = users("emails[type eq \"home\"].value eq \"a@b.c\"");
        assert!(c.sql.starts_with("((1 = 0)"));
        let c = condition(Resource::Group, &parse("members[value eq \"m1\"]").unwrap(), 2).unwrap();
        assert_eq!(
            c.sql,
            "EXISTS (SELECT 1 FROM distribution_list_members d WHERE d.list_id = l.id AND (d.member_id = $2))"
        );
    }

    #[test]
    fn operators_escape_like_patterns_and_number_binds() {
        let c = users("name.familyName co \"50%_\" and externalId sw \"X\" or not (active eq \"False\")");
        assert_eq!(
            c.sql,
            "(((LOWER(last_name) LIKE $2 ESCAPE '\\') AND (external_id LIKE $3 ESCAPE '\\')) OR (NOT (state = 'suspended')))"
        );
        assert_eq!(c.binds, vec![Bind::Text("%50\\%\\_%".into()), Bind::Text("X%".into())]);
        let c = users("meta.lastModified gt \"2026-12-01T00:00:00Z\"");
        assert_eq!(c.sql, "(updated_at > $2)");
        assert_eq!(c.binds, vec![Bind::Int(1_796_083_200_000)]);
    }

    #[test]
    fn unsupported_attributes_are_refused() {
        for bad in ["password eq \"x\"", "meta.lastModified co \"x\"", "active gt true", "emails[display eq \"x\"]"] {
            assert!(condition(Resource::User, &parse(bad).unwrap(), 1).is_err(), "{bad}");
        }
        assert!(condition(Resource::Group, &parse("userName eq \"x\"").unwrap(), 1).is_err());
    }
}
