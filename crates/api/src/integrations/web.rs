//! Fetches `https://<domain>/` for the meta-tag check, guarded against SSRF:
//! the host is turned into its A-label (punycode) once, resolved by our own
//! resolver, every address must be public (unless `MUSTER_ALLOW_PRIVATE_FETCH`),
//! the connection is pinned to the checked address (no DNS rebinding, no
//! proxy from the environment), redirects keep scheme, host and port (≤3),
//! 5 s timeout, and at most 1 MiB is read.

use std::{net::SocketAddr, sync::OnceLock, time::Duration};

use regex::Regex;

use super::{
    dns::{Answer, Dns},
    netguard::non_public_kind,
};

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
        // The URL's host is the A-label: resolve, pin and compare that very string.
        let parsed = match url::Url::parse(&self.url_for(domain)) {
            Ok(u) => u,
            Err(e) => return Fetched::Failed(format!("{domain} is not a host name Muster can fetch: {e}")),
        };
        let Some(host) = parsed.host_str().map(str::to_string) else {
            return Fetched::Failed(format!("{domain} is not a host name Muster can fetch"));
        };
        let (scheme, port) = (parsed.scheme().to_string(), parsed.port_or_known_default());
        let domain = host.as_str();
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
        let url = parsed.to_string();
        let client = match reqwest::Client::builder()
            .resolve(domain, SocketAddr::new(ips[0], 0))
            // An HTTPS_PROXY in the environment would resolve the name itself.
            .no_proxy()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent("Muster-domain-verification/1")
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                let to = attempt.url();
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if to.host_str() != Some(host.as_str()) {
                    let to = to.host_str().unwrap_or("?").to_string();
                    attempt.error(format!("redirect to another host ({to}) refused"))
                } else if to.scheme() != scheme || to.port_or_known_default() != port {
                    let to = to.to_string();
                    attempt.error(format!("redirect to another scheme or port ({to}) refused"))
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
    fn finds_meta_tags_in_any_spelling() {
        let html = r#"<html><head><META content='abc' NAME="muster-verification" />
            <meta name=other content=x><meta name="muster-verification" content="def"></head>"#;
        assert_eq!(meta_contents(html, "muster-verification"), vec!["abc", "def"]);
        assert!(meta_contents("<p>no tags</p>", "muster-verification").is_empty());
    }
}
