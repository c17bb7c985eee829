//! What a request carries, read and nothing decided: the bearer token and the
//! client's address for rate limits. `routes::caller` turns the token into a
//! session, and the console's access decision is the access service's.

use std::net::IpAddr;

use crate::state::Shared;
use actix_web::{web, HttpRequest};

/// The `Authorization: Bearer …` token, if any.
pub fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string())
}

/// The client's address as rate limits key it: `X-Forwarded-For` is believed
/// only from a peer in `MUSTER_TRUSTED_PROXIES`, and IPv6 is grouped by /64
/// (one host holds a whole /64).
pub fn client_ip(req: &HttpRequest) -> String {
    client_addr(req).map(rate_key).unwrap_or_else(|| "unknown".into())
}

/// The client's own address (for the sessions list), by the same trust rule.
pub fn client_addr(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let state = req.app_data::<web::Data<Shared>>();
    let trusted = state.map(|s| s.config.trusted_proxies.as_slice()).unwrap_or_default();
    let forwarded: Vec<&str> =
        req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect();
    Some(client_address(peer, &forwarded, trusted))
}

/// Walks `X-Forwarded-For` from the right while the hop is a trusted proxy:
/// the first address a trusted proxy did not vouch for is the client.
pub fn client_address(peer: IpAddr, forwarded: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    for hop in forwarded.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// IPv4 as is (mapped IPv6 unwrapped); IPv6 as its /64.
pub fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // A client spoofing the header directly: its own address counts.
        assert_eq!(client_address(ip("203.0.113.9"), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
        // Through the load balancer: the address it saw.
        assert_eq!(client_address(ip("10.0.0.2"), &["1.2.3.4", "198.51.100.7"], &trusted), ip("198.51.100.7"));
        // A spoofed entry to the left of the real one is ignored.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["6.6.6.6", " 198.51.100.7 ", "10.0.0.3"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(client_address(ip("10.0.0.2"), &["garbage"], &trusted), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), &[], &[]), ip("10.0.0.2"));
    }

    #[test]
    fn ipv6_clients_are_grouped_by_64() {
        assert_eq!(rate_key(ip("2001:db8:1:2:aaaa::1")), rate_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(rate_key(ip("2001:db8:1:2::1")), rate_key(ip("2001:db8:1:3::1")));
        assert_eq!(rate_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
    }
}
