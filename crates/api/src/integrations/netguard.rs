//! Where Muster may connect (DESIGN §5, §2 meta tag, §9 webhooks): address
//! classes an outbound connection must not reach, and the operator's
//! allowlist. Every embedding of an IPv4 address in IPv6 (mapped, NAT64,
//! 6to4, compatible) is judged by the IPv4 address it carries, so a refused
//! range cannot be reached through another spelling.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// The IPv4 address an IPv6 one carries, for the forms that route to it.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local NAT64).
    if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0, 0, 0, 0] || s[2] == 1) {
        return Some(tail);
    }
    // ::/96, the deprecated IPv4-compatible form (not :: and ::1 themselves).
    if s[..6] == [0; 6] && u32::from(tail) > 1 {
        return Some(tail);
    }
    // 2002::/16, 6to4: the IPv4 address follows the prefix.
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8));
    }
    None
}

/// `Some(kind)` for addresses a fetch of a public web page must not reach:
/// everything but globally routable unicast.
pub fn non_public_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => v4_kind(v4).or(Some("IPv4-embedding")),
            None => v6_kind(v6),
        },
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
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        // 192.0.0.0/24 (IETF protocol assignments), 198.18.0.0/15 (benchmarking),
        // and the three documentation ranges.
        || (o[0] == 192 && o[1] == 0 && (o[2] == 0 || o[2] == 2))
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
    {
        Some("reserved")
    } else {
        None
    }
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfec0 {
        Some("private")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if ip.is_unspecified()
        || ip.is_multicast()
        // 100::/64 discard, 2001::/23 IETF protocols (Teredo among them), 2001:db8::/32 documentation.
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0])
        || (s[0] == 0x2001 && s[1] < 0x200)
        || (s[0] == 0x2001 && s[1] == 0xdb8)
    {
        Some("reserved")
    } else {
        None
    }
}

/// `Some(kind)` for addresses a directory connection must not reach unless
/// allowlisted: loopback, link-local (cloud metadata), unspecified and
/// multicast. Private ranges are a company's own network and stay reachable.
pub fn ldap_refused_kind(ip: IpAddr) -> Option<&'static str> {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => embedded_v4(v6),
    };
    match (ip, v4) {
        (_, Some(v4)) if v4.is_loopback() => Some("loopback"),
        (_, Some(v4)) if v4.is_link_local() => Some("link-local"),
        (_, Some(v4)) if v4.is_unspecified() || v4.is_broadcast() || v4.octets()[0] == 0 => Some("unspecified"),
        (_, Some(v4)) if v4.is_multicast() => Some("multicast"),
        (IpAddr::V6(v6), None) if v6.is_loopback() => Some("loopback"),
        (IpAddr::V6(v6), None) if (v6.segments()[0] & 0xffc0) == 0xfe80 => Some("link-local"),
        (IpAddr::V6(v6), None) if v6.is_unspecified() => Some("unspecified"),
        (IpAddr::V6(v6), None) if v6.is_multicast() => Some("multicast"),
        _ => None,
    }
}

/// `MUSTER_LDAP_ALLOWED_NETWORKS`: CIDRs and host names; when set, the whole allowlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    nets: Vec<IpNet>,
    hosts: Vec<String>,
}

impl Allowlist {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut list = Self::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Ok(net) = item.parse::<IpNet>() {
                list.nets.push(net.trunc());
            } else if let Ok(ip) = item.parse::<IpAddr>() {
                list.nets.push(IpNet::from(ip));
            } else if item.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') && item.contains('.') {
                list.hosts.push(item.trim_end_matches('.').to_ascii_lowercase());
            } else {
                return Err(format!("{item:?} is neither a CIDR (10.0.0.0/8), an address nor a host name"));
            }
        }
        Ok(list)
    }

    /// The host name as typed (allowed by name) or one of its addresses.
    pub fn allows(&self, host: &str, ip: IpAddr) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let v4 = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.hosts.contains(&host) || self.nets.iter().any(|n| n.contains(&ip) || v4.is_some_and(|v4| n.contains(&v4)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classifies_addresses_in_every_spelling() {
        for (addr, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.20.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "private"),
            ("0.0.0.0", "reserved"),
            ("192.0.0.8", "reserved"),
            ("198.18.0.1", "reserved"),
            ("198.19.255.1", "reserved"),
            ("::1", "loopback"),
            ("fd00::1", "private"),
            ("fec0::1", "private"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("64:ff9b::5db8:d822", "IPv4-embedding"),
            ("2002:7f00:1::", "loopback"),
            ("2002:c0a8:101::1", "private"),
            ("::7f00:1", "loopback"),
            ("::a00:1", "private"),
            ("2001:db8::1", "reserved"),
            ("2001:0:4136:e378::1", "reserved"),
        ] {
            assert_eq!(non_public_kind(ip(addr)), Some(kind), "{addr}");
        }
        assert_eq!(non_public_kind(ip("93.184.216.34")), None);
        assert_eq!(non_public_kind(ip("2606:2800::1")), None);
    }

    #[test]
    fn ldap_refuses_loopback_metadata_and_their_disguises_but_not_private() {
        for addr in ["127.0.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "::", "ff02::1"] {
            assert!(ldap_refused_kind(ip(addr)).is_some(), "{addr}");
        }
        for addr in ["::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "::7f00:1"] {
            assert!(ldap_refused_kind(ip(addr)).is_some(), "{addr}");
        }
        for addr in ["10.0.0.5", "192.168.1.10", "fd00::5", "93.184.216.34"] {
            assert_eq!(ldap_refused_kind(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn the_allowlist_takes_cidrs_addresses_and_host_names() {
        let list = Allowlist::parse("127.0.0.0/8, 10.1.2.3, dc1.corp.example").unwrap();
        assert!(list.allows("x", ip("127.0.0.9")));
        assert!(list.allows("x", ip("::ffff:127.0.0.9")));
        assert!(list.allows("x", ip("10.1.2.3")));
        assert!(!list.allows("x", ip("10.1.2.4")));
        assert!(list.allows("DC1.corp.example.", ip("192.0.2.1")));
        assert!(!list.allows("dc2.corp.example", ip("169.254.169.254")));
        assert!(Allowlist::parse("not a net/99").is_err());
        assert_eq!(Allowlist::parse("").unwrap(), Allowlist::default());
    }
}
