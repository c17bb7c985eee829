//! Distinguished names, as an admin types them and as two are compared.

/// `attr=value` parts separated by commas (escaped commas allowed).
pub fn looks_like_dn(dn: &str) -> bool {
    let dn = dn.trim();
    !dn.is_empty()
        && split_dn(dn).iter().all(|rdn| {
            rdn.split_once('=').is_some_and(|(a, v)| {
                let a = a.trim();
                !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') && !v.is_empty()
            })
        })
}

/// How an admin names the account Muster binds as. Active Directory takes
/// all three in a simple bind; other directories take a DN only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindName {
    /// `cn=svc-muster,cn=Users,dc=corp,dc=example`
    Dn,
    /// `svc-muster@corp.example` (userPrincipalName)
    Upn,
    /// `CORP\svc-muster` (NetBIOS domain and sAMAccountName)
    DownLevel,
}

/// Which form `name` is, if any.
pub fn bind_name_kind(name: &str) -> Option<BindName> {
    let name = name.trim();
    if looks_like_dn(name) {
        return Some(BindName::Dn);
    }
    let bad = |c: char| c.is_whitespace() || c.is_control() || "\\/[]:;|=,+*?<>\"".contains(c);
    if let Some((user, domain)) = name.split_once('@') {
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
        if !user.is_empty() && !user.chars().any(|c| bad(c) || c == '@') && domain_ok {
            return Some(BindName::Upn);
        }
        return None;
    }
    if let Some((domain, user)) = name.split_once('\\') {
        // NetBIOS names: 1 to 15 characters, no dots or spaces.
        let domain_ok = (1..=15).contains(&domain.chars().count())
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if domain_ok && !user.is_empty() && user.chars().count() <= 104 && !user.chars().any(bad) {
            return Some(BindName::DownLevel);
        }
    }
    None
}

/// Splits a DN into its RDNs, honouring backslash escapes.
pub fn split_dn(dn: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        match c {
            _ if escaped => {
                current.push(c);
                escaped = false;
            }
            '\\' => {
                current.push(c);
                escaped = true;
            }
            ',' => parts.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(c),
        }
    }
    parts.push(current.trim().to_string());
    parts
}

/// A DN in the form two DNs are compared in: RDNs trimmed, attribute names
/// and values lower-cased (LDAP compares names and most values case-blind).
pub fn normalize_dn(dn: &str) -> String {
    split_dn(dn)
        .iter()
        .map(|rdn| match rdn.split_once('=') {
            Some((a, v)) => format!("{}={}", a.trim().to_ascii_lowercase(), v.trim().to_lowercase()),
            None => rdn.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// True when `dn` is `ancestor` or lies below it.
pub fn dn_is_under(dn: &str, ancestor: &str) -> bool {
    let (dn, ancestor) = (normalize_dn(dn), normalize_dn(ancestor));
    dn == ancestor || dn.ends_with(&format!(",{ancestor}"))
}
