//! The LDAP client: connect (ldap://, ldaps://, StartTLS) with a timeout,
//! bind, and paged subtree searches that end in an error — never a short
//! "complete" result — when the server stops early (size or time limit,
//! connection lost). Failures come back as a code and words an admin acts on.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

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
    /// A search stops with an error past this many entries (`MUSTER_LDAP_MAX_ENTRIES`).
    pub max_entries: u64,
    /// ... or at an entry larger than this (`MUSTER_LDAP_MAX_ENTRY_BYTES`): a hostile
    /// directory's one group of ten million members must not exhaust memory.
    pub max_entry_bytes: usize,
}

/// Where a directory connection may go (DESIGN §5 "Where Muster may connect").
pub struct Reach<'a> {
    pub dns: &'a super::dns::Dns,
    /// `MUSTER_LDAP_ALLOWED_NETWORKS`: when set, the whole allowlist.
    pub allowlist: Option<&'a super::netguard::Allowlist>,
}

impl Reach<'_> {
    /// Resolves the URL's host and checks every address before any packet is
    /// sent; the connection then goes to these checked addresses only.
    pub async fn check(&self, url: &str) -> Result<Vec<SocketAddr>, Failure> {
        use super::dns::Answer;
        let parsed =
            url::Url::parse(url).map_err(|_| Failure::new("invalid_url", format!("{url} is not an LDAP address.")))?;
        let port = parsed.port().unwrap_or(if parsed.scheme() == "ldaps" { 636 } else { 389 });
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(Failure::new("invalid_url", format!("{url} names no host."))),
        };
        let ips: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match self.dns.ips(&host).await {
                Answer::Found(ips) if !ips.is_empty() => ips,
                Answer::TimedOut => {
                    return Err(Failure::new("unreachable", format!("The DNS lookup of {host} timed out.")))
                }
                Answer::Failed(e) => {
                    return Err(Failure::new("unreachable", format!("The DNS lookup of {host} failed: {e}.")))
                }
                _ => return Err(Failure::new("unreachable", format!("{host} has no address in DNS."))),
            },
        };
        for ip in &ips {
            let refused = match self.allowlist {
                Some(list) => (!list.allows(&host, *ip)).then_some("outside MUSTER_LDAP_ALLOWED_NETWORKS"),
                None => super::netguard::ldap_refused_kind(*ip),
            };
            if let Some(why) = refused {
                return Err(Failure::new(
                    "address_not_allowed",
                    format!("{host} is {ip} ({why}); Muster does not connect a directory there. An operator can allow it with MUSTER_LDAP_ALLOWED_NETWORKS."),
                ));
            }
        }
        Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect())
    }
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

/// Checks where the URL leads, connects to that checked address (TLS still
/// verifies the host name of the URL) and binds.
pub async fn connect(target: &Target, reach: &Reach<'_>) -> Result<Ldap, Failure> {
    let mut failure = None;
    let mut stream = None;
    // Each checked address in turn (a dual-stack server whose IPv6 is down still answers on IPv4).
    for addr in reach.check(&target.url).await? {
        match tokio::time::timeout(target.timeout, tokio::net::TcpStream::connect(addr)).await {
            Err(_) => {
                failure = Some(Failure::new(
                    "timeout",
                    format!("The directory at {} did not answer within {} s.", target.url, target.timeout.as_secs()),
                ))
            }
            Ok(Err(e)) => failure = Some(from_error(LdapError::Io { source: e }, "while connecting", target)),
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
        }
    }
    let Some(stream) = stream else {
        return Err(failure.unwrap_or_else(|| Failure::new("unreachable", format!("{} has no address.", target.url))));
    };
    let stream = stream.into_std().map_err(|e| from_error(LdapError::Io { source: e }, "while connecting", target))?;
    let settings = LdapConnSettings::new()
        .set_conn_timeout(target.timeout)
        .set_std_stream(ldap3::StdStream::Tcp(stream))
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
                let entry = SearchEntry::construct(entry);
                let bytes = entry_bytes(&entry);
                if bytes > target.max_entry_bytes {
                    let _ = stream.finish().await;
                    return Err(Failure::new(
                        "entry_too_large",
                        format!(
                            "The directory returned an entry of {} KiB ({}), more than the {} KiB Muster reads \
                             (MUSTER_LDAP_MAX_ENTRY_BYTES).",
                            bytes / 1024,
                            entry.dn,
                            target.max_entry_bytes / 1024
                        ),
                    ));
                }
                if n > target.max_entries {
                    let _ = stream.finish().await;
                    return Err(Failure::new(
                        "too_many_entries",
                        format!("The directory returned more than {} entries under {base}; Muster stops there (MUSTER_LDAP_MAX_ENTRIES). Narrow the organisational units or the filter.", target.max_entries),
                    ));
                }
                if let Err(f) = each(entry) {
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

/// Roughly what an entry holds in memory: its DN, names and values.
fn entry_bytes(e: &SearchEntry) -> usize {
    let text: usize = e.attrs.iter().map(|(k, v)| k.len() + v.iter().map(|x| x.len() + 24).sum::<usize>()).sum();
    let bin: usize = e.bin_attrs.iter().map(|(k, v)| k.len() + v.iter().map(|x| x.len() + 24).sum::<usize>()).sum();
    e.dn.len() + text + bin
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
            max_entries: 1_000_000,
            max_entry_bytes: 16 << 20,
        }
    }

    fn dns() -> super::super::dns::Dns {
        super::super::dns::Dns::new(&[], Duration::from_secs(1)).unwrap()
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
        let dns = dns();
        let allow = super::super::netguard::Allowlist::parse("127.0.0.0/8").unwrap();
        let reach = Reach { dns: &dns, allowlist: Some(&allow) };
        let Err(err) = connect(&target(), &reach).await else { panic!("port 1 is closed") };
        assert_eq!(err.code, "unreachable", "{err:?}");
    }

    #[tokio::test]
    async fn loopback_and_metadata_are_refused_before_any_packet() {
        let dns = dns();
        let reach = Reach { dns: &dns, allowlist: None };
        for url in
            ["ldap://127.0.0.1:389", "ldap://169.254.169.254", "ldaps://[::ffff:127.0.0.1]", "ldap://[64:ff9b::7f00:1]"]
        {
            let err = reach.check(url).await.unwrap_err();
            assert_eq!(err.code, "address_not_allowed", "{url}: {err:?}");
        }
        assert!(reach.check("ldap://10.0.0.5").await.is_ok(), "a company's own network is reachable by default");
        let allow = super::super::netguard::Allowlist::parse("192.168.0.0/16").unwrap();
        let reach = Reach { dns: &dns, allowlist: Some(&allow) };
        assert_eq!(reach.check("ldap://10.0.0.5").await.unwrap_err().code, "address_not_allowed");
        assert_eq!(reach.check("ldaps://192.168.7.7").await.unwrap(), vec!["192.168.7.7:636".parse().unwrap()]);
    }
}
