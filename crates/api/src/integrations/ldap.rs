//! The LDAP client: connect (ldap://, ldaps://, StartTLS) with a timeout,
//! bind, and paged subtree searches that end in an error — never a short
//! "complete" result — when the server stops early (size or time limit,
//! connection lost). Failures come back as a code and words an admin acts on.

use std::time::Duration;

use ldap3::{
    adapters::{Adapter, EntriesOnly, PagedResults},
    Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry,
};

/// What to connect with; the password is only ever in memory.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub bind_dn: String,
    pub password: String,
    pub start_tls: bool,
    pub timeout: Duration,
    pub page_size: u32,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("url", &self.url).field("bind_dn", &self.bind_dn).finish_non_exhaustive()
    }
}

/// A failure with a stable code (the API's `code`) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// LDAP result codes that mean something to an admin.
fn from_rc(rc: u32, text: &str, during: &str, target: &Target) -> Failure {
    let server = if text.trim().is_empty() { String::new() } else { format!(" (the server said: {})", text.trim()) };
    match rc {
        3 => Failure::new(
            "time_limit",
            format!("The directory stopped {during} at its time limit{server}; raise the limit for the bind account or narrow the search."),
        ),
        4 => Failure::new(
            "size_limit",
            format!("The directory stopped {during} at its size limit{server}: it returns only part of the entries to {}. Raise the limit for that account (OpenLDAP: limits … size.prtotal=unlimited; AD: MaxPageSize) — Muster does not sync a partial directory.", target.bind_dn),
        ),
        32 => Failure::new("no_such_base_dn", format!("The base DN does not exist in the directory{server}.")),
        49 => Failure::new(
            "invalid_credentials",
            format!("The directory refused the bind DN or password for {}{server}.", target.bind_dn),
        ),
        50 => Failure::new("insufficient_access", format!("{} may not read these entries{server}.", target.bind_dn)),
        51..=53 => Failure::new("unavailable", format!("The directory is busy or unavailable (code {rc}){server}.")),
        87 => Failure::new("invalid_filter", format!("The directory rejected the search filter{server}.")),
        _ => Failure::new("ldap_error", format!("The directory answered {during} with error code {rc}{server}.")),
    }
}

fn from_error(e: LdapError, during: &str, target: &Target) -> Failure {
    match e {
        LdapError::LdapResult { result } => from_rc(result.rc, &result.text, during, target),
        LdapError::Timeout { .. } => Failure::new(
            "timeout",
            format!("The directory at {} did not answer {during} within {} s.", target.url, target.timeout.as_secs()),
        ),
        LdapError::Io { source } => {
            // tokio-rustls reports handshake failures as InvalidData.
            let tls = source.kind() == std::io::ErrorKind::InvalidData;
            if tls {
                Failure::new(
                    "tls",
                    format!("The TLS handshake with {} failed: {source}. Check the certificate (its name and issuer) or the StartTLS setting.", target.url),
                )
            } else {
                let why = match source.kind() {
                    std::io::ErrorKind::ConnectionRefused => "nothing is listening there".to_string(),
                    _ => source.to_string(),
                };
                Failure::new("unreachable", format!("Cannot reach the directory at {}: {why}.", target.url))
            }
        }
        LdapError::DNSName { .. } | LdapError::Rustls { .. } => {
            Failure::new("tls", format!("TLS could not be set up for {}: {e}.", target.url))
        }
        LdapError::UrlParsing { .. } | LdapError::UnknownScheme(_) => {
            Failure::new("invalid_url", format!("{} is not an LDAP address.", target.url))
        }
        LdapError::FilterParsing => {
            Failure::new("invalid_filter", "The search filter is not valid LDAP filter syntax.")
        }
        LdapError::EndOfStream | LdapError::ResultRecv { .. } | LdapError::OpSend { .. } => Failure::new(
            "connection_lost",
            format!("The connection to {} was lost {during}; nothing was changed.", target.url),
        ),
        other => Failure::new("ldap_error", format!("The directory failed {during}: {other}.")),
    }
}

/// Connects and binds.
pub async fn connect(target: &Target) -> Result<Ldap, Failure> {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(target.timeout)
        .set_starttls(target.start_tls && target.url.starts_with("ldap://"));
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &target.url)
        .await
        .map_err(|e| from_error(e, "while connecting", target))?;
    ldap3::drive!(conn);
    ldap.with_timeout(target.timeout)
        .simple_bind(&target.bind_dn, &target.password)
        .await
        .and_then(|r| r.success())
        .map_err(|e| from_error(e, "to the bind", target))?;
    Ok(ldap)
}

/// A paged subtree search; every entry goes to `each` as it arrives. Returns
/// how many there were, or the failure (including a server that ends early).
pub async fn search(
    ldap: &mut Ldap,
    target: &Target,
    base: &str,
    filter: &str,
    attrs: &[String],
    mut each: impl FnMut(SearchEntry) -> Result<(), Failure>,
) -> Result<u64, Failure> {
    let attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
    let adapters: Vec<Box<dyn Adapter<'_, &str, Vec<&str>>>> =
        vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(target.page_size.max(1) as i32))];
    let during = "during the search";
    let mut stream = ldap
        .with_timeout(target.timeout)
        .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs)
        .await
        .map_err(|e| from_error(e, during, target))?;
    let mut n = 0u64;
    loop {
        match stream.next().await {
            Ok(Some(entry)) => {
                n += 1;
                if let Err(f) = each(SearchEntry::construct(entry)) {
                    let _ = stream.finish().await;
                    return Err(f);
                }
            }
            Ok(None) => break,
            Err(e) => {
                let _ = stream.finish().await;
                return Err(from_error(e, during, target));
            }
        }
    }
    let done = stream.finish().await;
    match done.rc {
        0 => Ok(n),
        rc => Err(from_rc(rc, &done.text, during, target)),
    }
}

/// The first value of an attribute as text (binary values hex-free: see `binary`).
pub fn text<'a>(entry: &'a SearchEntry, attr: &str) -> Option<&'a str> {
    if attr.is_empty() {
        return None;
    }
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// All values of an attribute as text.
pub fn texts<'a>(entry: &'a SearchEntry, attr: &str) -> &'a [String] {
    entry.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(attr)).map(|(_, v)| v.as_slice()).unwrap_or_default()
}

/// The first value as bytes: binary attributes such as objectGUID land in
/// `bin_attrs` only when they are not valid UTF-8, so look in both.
pub fn binary(entry: &SearchEntry, attr: &str) -> Option<Vec<u8>> {
    entry
        .bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| text(entry, attr).map(|s| s.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            url: "ldap://127.0.0.1:1".into(),
            bind_dn: "cn=muster,dc=example,dc=test".into(),
            password: "secret".into(),
            start_tls: false,
            timeout: Duration::from_secs(2),
            page_size: 100,
        }
    }

    #[test]
    fn result_codes_read_as_sentences() {
        let t = target();
        assert_eq!(from_rc(49, "", "to the bind", &t).code, "invalid_credentials");
        assert_eq!(from_rc(32, "", "during the search", &t).code, "no_such_base_dn");
        let size = from_rc(4, "", "during the search", &t);
        assert_eq!(size.code, "size_limit");
        assert!(size.message.contains("cn=muster,dc=example,dc=test"));
        assert!(!format!("{t:?}").contains("secret"), "password in Debug output");
    }

    #[tokio::test]
    async fn nothing_listening_is_unreachable() {
        let Err(err) = connect(&target()).await else { panic!("port 1 is closed") };
        assert_eq!(err.code, "unreachable", "{err:?}");
    }
}
