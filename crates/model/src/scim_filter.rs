//! SCIM filter expressions (RFC 7644 §3.4.2.2) parsed into a tree the store
//! turns into SQL: `userName eq "a@b.c"`, `emails[type eq "work"].value co
//! "x"`, `meta.lastModified gt "2026-…"`, `not (…)`, `and`/`or` with the
//! usual precedence. Attribute names are case-insensitive (kept lower-cased
//! here); a schema URN prefix is dropped.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

/// A comparison value: SCIM's JSON literals.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// `name.givenName`, `emails[type eq "work"].value`: lower-cased.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    pub attr: String,
    pub sub: Option<String>,
    /// The value filter of a multi-valued attribute (`emails[type eq "work"]`).
    pub filter: Option<Box<Filter>>,
}

impl AttrPath {
    /// `attr` or `attr.sub`, as the store's column table names it.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{sub}", self.attr),
            None => self.attr.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(AttrPath, Op, Literal),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `members[value eq "…"]` with nothing after it: any value matches.
    Any(AttrPath),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The URNs whose prefix an attribute path may carry.
const SCHEMA_URNS: &[&str] = &[
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:",
    "urn:ietf:params:scim:schemas:core:2.0:user:",
    "urn:ietf:params:scim:schemas:core:2.0:group:",
];

/// Drops a known schema URN prefix and lower-cases: `urn:…:enterprise:2.0:User:department` → `department`.
pub fn plain_attr(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for urn in SCHEMA_URNS {
        if let Some(rest) = lower.strip_prefix(urn) {
            return rest.to_string();
        }
    }
    lower
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(FilterError("a quoted value is not closed".into())),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('u') => {
                                let hex: String = chars.by_ref().take(4).collect();
                                let code = u32::from_str_radix(&hex, 16)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .ok_or_else(|| FilterError(format!("\\u{hex} is not a character")))?;
                                s.push(code);
                            }
                            Some(other) => s.push(other),
                            None => return Err(FilterError("a quoted value is not closed".into())),
                        },
                        Some(other) => s.push(other),
                    }
                }
                out.push(Token::Str(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"') {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

/// Bounds on what one filter may ask for: its text, its nesting and its comparisons
/// (each a bind, and the parser, compiler and matcher recurse once per level).
pub const MAX_FILTER_LEN: usize = 4096;
const MAX_DEPTH: usize = 32;
const MAX_TERMS: usize = 100;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn deeper(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError(format!("the filter nests more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.deeper()?;
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            self.pos += 1;
            if self.next() != Some(Token::Open) {
                return Err(FilterError("\"not\" must be followed by a parenthesised filter".into()));
            }
            let inner = self.or()?;
            self.close(Token::Close, ")")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            self.close(Token::Close, ")")?;
            return Ok(inner);
        }
        self.comparison()
    }

    fn close(&mut self, want: Token, shown: &str) -> Result<(), FilterError> {
        if self.next() == Some(want) {
            Ok(())
        } else {
            Err(FilterError(format!("a \"{shown}\" is missing")))
        }
    }

    fn comparison(&mut self) -> Result<Filter, FilterError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(FilterError(format!("the filter has more than {MAX_TERMS} comparisons")));
        }
        let Some(Token::Word(name)) = self.next() else {
            return Err(FilterError("an attribute name was expected".into()));
        };
        let mut path = attr_path(&name)?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.pos += 1;
            let inner = self.or()?;
            self.close(Token::CloseBracket, "]")?;
            path.filter = Some(Box::new(inner));
            // `emails[type eq "work"].value eq …`: the sub-attribute follows the bracket.
            match self.peek() {
                Some(Token::Word(w)) if w.starts_with('.') => {
                    let sub = w[1..].to_ascii_lowercase();
                    if sub.is_empty() || path.sub.is_some() {
                        return Err(FilterError(format!("\"{name}[…]{w}\" is not an attribute path")));
                    }
                    path.sub = Some(sub);
                    self.pos += 1;
                }
                _ => return Ok(Filter::Any(path)),
            }
        }
        let Some(Token::Word(op)) = self.next() else {
            return Err(FilterError(format!(
                "an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) must follow {name}"
            )));
        };
        if op.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let op = Op::parse(&op).ok_or_else(|| FilterError(format!("\"{op}\" is not a filter operator")))?;
        let value = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => {
                    Literal::Num(w.parse().map_err(|_| FilterError(format!("\"{w}\" is not a value; quote strings")))?)
                }
            },
            _ => return Err(FilterError(format!("a value must follow \"{name} …\"")))?,
        };
        Ok(Filter::Compare(path, op, value))
    }
}

fn attr_path(name: &str) -> Result<AttrPath, FilterError> {
    let plain = plain_attr(name);
    let valid =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
    let (attr, sub) = match plain.split_once('.') {
        Some((a, s)) => (a.to_string(), Some(s.to_string())),
        None => (plain, None),
    };
    if !valid(&attr) || !sub.as_deref().map(valid).unwrap_or(true) {
        return Err(FilterError(format!("\"{name}\" is not an attribute path")));
    }
    Ok(AttrPath { attr, sub, filter: None })
}

/// Parses a whole filter; anything left over is an error.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(FilterError(format!("the filter is longer than {MAX_FILTER_LEN} bytes")));
    }
    let mut p = Parser { tokens: tokens(input)?, pos: 0, depth: 0, terms: 0 };
    if p.tokens.is_empty() {
        return Err(FilterError("the filter is empty".into()));
    }
    let f = p.or()?;
    if p.pos < p.tokens.len() {
        return Err(FilterError("the filter has more after its end; combine with \"and\" or \"or\"".into()));
    }
    Ok(f)
}

/// A PATCH path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
pub fn parse_path(input: &str) -> Result<AttrPath, FilterError> {
    let trimmed = input.trim();
    let Some(open) = trimmed.find('[') else {
        return attr_path(trimmed);
    };
    let close = trimmed.rfind(']').ok_or_else(|| FilterError(format!("\"{input}\" has no closing \"]\"")))?;
    let mut path = attr_path(&trimmed[..open])?;
    if path.sub.is_some() {
        return Err(FilterError(format!("\"{input}\" is not a path")));
    }
    path.filter = Some(Box::new(parse(&trimmed[open + 1..close])?));
    let rest = &trimmed[close + 1..];
    if let Some(sub) = rest.strip_prefix('.') {
        path.sub = Some(attr_path(sub)?.attr);
    } else if !rest.is_empty() {
        return Err(FilterError(format!("\"{input}\" is not a path")));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(attr: &str, sub: Option<&str>) -> AttrPath {
        AttrPath { attr: attr.into(), sub: sub.map(Into::into), filter: None }
    }

    #[test]
    fn what_okta_and_entra_send() {
        assert_eq!(
            parse("userName eq \"ada@example.com\"").unwrap(),
            Filter::Compare(path("username", None), Op::Eq, Literal::Str("ada@example.com".into()))
        );
        let f = parse("emails[type eq \"work\"].value eq \"a@b.c\"").unwrap();
        let Filter::Compare(p, Op::Eq, Literal::Str(v)) = f else { panic!("{f:?}") };
        assert_eq!((p.attr.as_str(), p.sub.as_deref(), v.as_str()), ("emails", Some("value"), "a@b.c"));
        assert!(p.filter.is_some());
        assert_eq!(
            parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"7\"").unwrap(),
            Filter::Compare(path("employeenumber", None), Op::Eq, Literal::Str("7".into()))
        );
        assert_eq!(
            parse("displayName EQ \"Sales\"").unwrap(),
            Filter::Compare(path("displayname", None), Op::Eq, Literal::Str("Sales".into()))
        );
    }

    #[test]
    fn precedence_not_and_grouping() {
        let f = parse("a eq 1 or b pr and not (c eq true)").unwrap();
        let Filter::Or(left, right) = f else { panic!() };
        assert_eq!(*left, Filter::Compare(path("a", None), Op::Eq, Literal::Num(1.0)));
        let Filter::And(b, not) = *right else { panic!() };
        assert_eq!(*b, Filter::Present(path("b", None)));
        assert!(matches!(*not, Filter::Not(_)));
        assert!(matches!(parse("(a eq null) and meta.lastModified gt \"2026\"").unwrap(), Filter::And(..)));
    }

    #[test]
    fn escapes_in_strings() {
        let f = parse(r#"userName eq "a\"b\u0041""#).unwrap();
        assert_eq!(f, Filter::Compare(path("username", None), Op::Eq, Literal::Str("a\"bA".into())));
    }

    #[test]
    fn bad_filters_say_why() {
        for bad in [
            "",
            "userName",
            "userName xx \"a\"",
            "userName eq",
            "userName eq bare",
            "(a eq 1",
            "a eq 1 b eq 2",
            "not a eq 1",
            "a..b eq 1",
            "userName eq \"open",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_filter_cannot_nest_or_grow_without_bound() {
        let deep = format!("{}a eq 1{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep).unwrap_err().0.contains("levels"));
        let nots = format!("{}a eq 1{}", "not (".repeat(40), ")".repeat(40));
        assert!(parse(&nots).is_err());
        let wide = vec!["a eq 1"; 101].join(" or ");
        assert!(parse(&wide).unwrap_err().0.contains("comparisons"));
        assert!(parse(&"x".repeat(5000)).unwrap_err().0.contains("longer"));
        assert!(parse(&vec!["a eq 1"; 100].join(" or ")).is_ok());
    }

    #[test]
    fn patch_paths() {
        let p = parse_path("members[value eq \"42\"]").unwrap();
        assert_eq!(p.attr, "members");
        assert_eq!(*p.filter.unwrap(), Filter::Compare(path("value", None), Op::Eq, Literal::Str("42".into())));
        let p = parse_path("phoneNumbers[type eq \"work\"].value").unwrap();
        assert_eq!((p.attr.as_str(), p.sub.as_deref()), ("phonenumbers", Some("value")));
        assert_eq!(parse_path("name.givenName").unwrap(), path("name", Some("givenname")));
        assert_eq!(
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department").unwrap(),
            path("department", None)
        );
        assert!(parse_path("members[value eq \"1\"").is_err());
    }
}
