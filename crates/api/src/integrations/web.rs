//! Fetches `https://<domain>/` for the meta-tag check, guarded against SSRF:
//! the host is resolved by our own resolver, every address must be public
//! (unless `MUSTER_ALLOW_PRIVATE_FETCH`), the connection is pinned to the
//! checked address (no DNS rebinding), redirects stay on the same host (≤3),
//! 5 s timeout, and at most 1 MiB is read.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::OnceLock,
    time::Duration,
};

use regex::Regex;

use super::dns::{Answer, Dns};

pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
pub const MAX_REDIRECTS: usize = 3;

#[derive(Clone)]
pub struct PageFetcher {
    pub dns: Dns,
    pub allow_private: bool,
    /// Test knob: fetch `http://<domain>:<port>/` instead of `https://<domain>/`.
    pub plain_http_port: Option<u16>,
    pub timeout: Duration,
}

#[derive(Debug)]
pub enum Fetched {
    Page {
        url: String,
        status: u16,
        body: String,
        truncated: bool,
    },
    /// Not fetched: the reason in words.
    Refused(String),
    TimedOut,
    Failed(String),
}

impl PageFetcher {
    pub fn url_for(&self, domain: &str) -> String {
        match self.plain_http_port {
            Some(port) => format!("http://{domain}:{port}/"),
            None => format!("https://{domain}/"),
        }
    }

    pub async fn fetch_home(&self, domain: &str) -> Fetched {
        let ips = match self.dns.ips(domain).await {
            Answer::Found(ips) if !ips.is_empty() => ips,
            Answer::Found(_) | Answer::Nothing { .. } => {
                return Fetched::Failed(format!("{domain} has no A or AAAA record, so the page cannot be fetched"))
            }
            Answer::TimedOut => return Fetched::Failed(format!("DNS lookup of {domain} timed out")),
            Answer::Failed(e) => return Fetched::Failed(format!("DNS lookup of {domain} failed: {e}")),
        };
        if !self.allow_private {
            if let Some((ip, kind)) = ips.iter().find_map(|ip| non_public_kind(*ip).map(|k| (ip, k))) {
                return Fetched::Refused(format!(
                    "{domain} resolves to {ip}, a {kind} address; Muster does not fetch private, loopback or link-local addresses"
                ));
            }
        }
        let url = self.url_for(domain);
        let host = domain.to_string();
        let client = match reqwest::Client::builder()
            .resolve(domain, SocketAddr::new(ips[0], 0))
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent("Muster-domain-verification/1")
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if attempt.url().host_str() != Some(host.as_str()) {
                    let to = attempt.url().host_str().unwrap_or("?").to_string();
                    attempt.error(format!("redirect to another host ({to}) refused"))
                } else {
                    attempt.follow()
                }
            }))
            .build()
        {
            Ok(c) => c,
            Err(e) => return Fetched::Failed(format!("could not build the HTTP client: {e}")),
        };
        let read = async {
            let mut response = client.get(&url).send().await?;
            let status = response.status().as_u16();
            let final_url = response.url().to_string();
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = response.chunk().await? {
                let room = MAX_PAGE_BYTES - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok::<_, reqwest::Error>((final_url, status, String::from_utf8_lossy(&body).into_owned(), truncated))
        };
        match tokio::time::timeout(self.timeout + Duration::from_millis(250), read).await {
            Err(_) => Fetched::TimedOut,
            Ok(Ok((url, status, body, truncated))) => Fetched::Page { url, status, body, truncated },
            Ok(Err(e)) if e.is_timeout() => Fetched::TimedOut,
            Ok(Err(e)) => Fetched::Failed(describe_reqwest_error(&e)),
        }
    }
}

fn describe_reqwest_error(e: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Some(kind)` when the address must not be fetched without the opt-in.
pub fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_kind(v4);
            }
            v6_kind(v6)
        }
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || o[0] == 0 || o[0] >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if (first & 0xfe00) == 0xfc00 {
        Some("private")
    } else if (first & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("reserved")
    } else {
        None
    }
}

/// Contents of every `<meta name="{name}" content="…">` in the page.
pub fn meta_contents(html: &str, name: &str) -> Vec<String> {
    static TAG: OnceLock<Regex> = OnceLock::new();
    static ATTR: OnceLock<Regex> = OnceLock::new();
    let tag = TAG.get_or_init(|| Regex::new(r"(?is)<meta\b([^>]*)>").expect("static regex"));
    let attr = ATTR.get_or_init(|| {
        Regex::new(r#"(?is)([a-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>/]+))"#).expect("static regex")
    });
    tag.captures_iter(html)
        .filter_map(|tag_caps| {
            let mut tag_name = None;
            let mut content = None;
            for a in attr.captures_iter(&tag_caps[1]) {
                let value = a.get(2).or(a.get(3)).or(a.get(4)).map(|m| m.as_str().trim().to_string());
                match a[1].to_ascii_lowercase().as_str() {
                    "name" => tag_name = value,
                    "content" => content = value,
                    _ => {}
                }
            }
            (tag_name?.eq_ignore_ascii_case(name)).then_some(content?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_addresses() {
        assert_eq!(non_public_kind("127.0.0.1".parse().unwrap()), Some("loopback"));
        assert_eq!(non_public_kind("10.1.2.3".parse().unwrap()), Some("private"));
        assert_eq!(non_public_kind("172.20.0.1".parse().unwrap()), Some("private"));
        assert_eq!(non_public_kind("192.168.1.1".parse().unwrap()), Some("private"));
        assert_eq!(non_public_kind("169.254.169.254".parse().unwrap()), Some("link-local"));
        assert_eq!(non_public_kind("100.64.0.1".parse().unwrap()), Some("private"));
        assert_eq!(non_public_kind("0.0.0.0".parse().unwrap()), Some("reserved"));
        assert_eq!(non_public_kind("::1".parse().unwrap()), Some("loopback"));
        assert_eq!(non_public_kind("fd00::1".parse().unwrap()), Some("private"));
        assert_eq!(non_public_kind("fe80::1".parse().unwrap()), Some("link-local"));
        assert_eq!(non_public_kind("::ffff:127.0.0.1".parse().unwrap()), Some("loopback"));
        assert_eq!(non_public_kind("93.184.216.34".parse().unwrap()), None);
        assert_eq!(non_public_kind("2606:2800::1".parse().unwrap()), None);
    }

    #[test]
    fn finds_meta_tags_in_any_spelling() {
        let html = r#"<html><head><META content='abc' NAME="muster-verification" />
            <meta name=other content=x><meta name="muster-verification" content="def"></head>"#;
        assert_eq!(meta_contents(html, "muster-verification"), vec!["abc", "def"]);
        assert!(meta_contents("<p>no tags</p>", "muster-verification").is_empty());
    }
}
