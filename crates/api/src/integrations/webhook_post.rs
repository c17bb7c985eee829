//! Posts one signed webhook attempt, guarded like the meta-tag fetch: the
//! host is resolved by our own resolver at every attempt, every address must
//! be public (unless `MUSTER_WEBHOOK_ALLOW_PRIVATE`), the connection is pinned
//! to the checked address, no proxy, no redirects, 10 s, and at most 1 KiB of
//! the answer is kept (for public targets only).

use std::{net::IpAddr, net::SocketAddr, time::Duration};

use super::{
    dns::{Answer, Dns},
    netguard::non_public_kind,
};

pub const TIMEOUT: Duration = Duration::from_secs(10);
const EXCERPT_BYTES: usize = 1024;

/// What one attempt saw.
#[derive(Debug)]
pub enum Posted {
    Answered {
        status: u16,
        excerpt: Option<String>,
    },
    /// Not sent: the reason in words (a private address, no such host).
    Refused(String),
    Failed(String),
}

pub struct Signed<'a> {
    pub id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: &'a str,
}

pub async fn post(dns: &Dns, allow_private: bool, url: &str, signed: &Signed<'_>) -> Posted {
    let parsed = match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return Posted::Refused(format!("{url} is not an http(s) URL")),
    };
    let (ips, host) = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => (vec![IpAddr::V4(ip)], ip.to_string()),
        Some(url::Host::Ipv6(ip)) => (vec![IpAddr::V6(ip)], format!("[{ip}]")),
        Some(url::Host::Domain(d)) => match dns.ips(d).await {
            Answer::Found(ips) if !ips.is_empty() => (ips, d.to_string()),
            Answer::Found(_) | Answer::Nothing { .. } => {
                return Posted::Refused(format!("{d} has no A or AAAA record"))
            }
            Answer::TimedOut => return Posted::Failed(format!("DNS lookup of {d} timed out")),
            Answer::Failed(e) => return Posted::Failed(format!("DNS lookup of {d} failed: {e}")),
        },
        None => return Posted::Refused(format!("{url} names no host")),
    };
    let public = ips.iter().all(|ip| non_public_kind(*ip).is_none());
    if !public && !allow_private {
        // The address itself stays unsaid: the delivery log must not map the operator's internal DNS for a tenant.
        return Posted::Refused(format!(
            "{host} resolves to a non-public address; webhooks go to public addresses only"
        ));
    }
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent("Muster-Webhooks/1")
        .redirect(reqwest::redirect::Policy::none());
    if let Some(url::Host::Domain(d)) = parsed.host() {
        builder = builder.resolve(d, SocketAddr::new(ips[0], 0));
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return Posted::Failed(format!("could not build the HTTP client: {e}")),
    };
    let sent = client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", signed.id)
        .header("webhook-timestamp", signed.timestamp.to_string())
        .header("webhook-signature", signed.signature)
        .body(signed.body.to_string())
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let mut kept = Vec::new();
            while kept.len() < EXCERPT_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => kept.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - kept.len())]),
                    _ => break,
                }
            }
            // What a private target answers stays private (it could be an internal service's page).
            let excerpt = public.then(|| String::from_utf8_lossy(&kept).into_owned());
            Posted::Answered { status, excerpt }
        }
        Err(e) if e.is_timeout() => Posted::Failed(format!("no answer within {} s", TIMEOUT.as_secs())),
        Err(e) if e.is_connect() => Posted::Failed(format!("could not connect to {host}")),
        Err(e) => Posted::Failed(format!("the request failed: {e}")),
    }
}
