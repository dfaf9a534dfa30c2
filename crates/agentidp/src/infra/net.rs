//! Small network value types parsed from the configuration: CIDR blocks of trusted proxies,
//! per-endpoint rate-limit overrides, and the client-IP rule that uses them.

use std::net::IpAddr;
use std::str::FromStr;

/// An IP network in CIDR notation (`10.0.0.0/8`, `::1/128`); a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` lies inside this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: prefix length must be 0 to {max}"))?,
        };
        Ok(Self {
            addr: canonical(addr),
            prefix,
        })
    }
}

/// The address a request really came from: the TCP peer, or, when the peer is a trusted
/// proxy, the right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Entries
/// left of that are client-supplied and never believed.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return canonical(peer);
    }
    let mut client = canonical(peer);
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = canonical(ip);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// A per-endpoint rate limit: `ROUTE=MAX`, e.g. `/oauth2/token=300`. Requests to that route
/// are counted in their own window, separately from the client's other requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateOverride {
    /// The route as registered, e.g. `/v1/agents/{agentId}`.
    pub route: String,
    /// Requests per window; 0 disables the limit for that route.
    pub max_requests: u32,
}

impl FromStr for RateOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (route, max) = s
            .trim()
            .split_once('=')
            .ok_or_else(|| format!("{s:?}: expected ROUTE=MAX, e.g. /oauth2/token=300"))?;
        if !route.starts_with('/') {
            return Err(format!("{route:?}: a route starts with '/'"));
        }
        let max_requests = max
            .trim()
            .parse()
            .map_err(|_| format!("{max:?} is not a whole number of requests"))?;
        Ok(Self {
            route: route.trim().to_owned(),
            max_requests,
        })
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_blocks_match_their_members_only() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("192.0.2.1")));
        let one: IpNet = "::1".parse().unwrap();
        assert!(one.contains(ip("::1")) && !one.contains(ip("::2")));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("proxy.internal".parse::<IpNet>().is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let xff = Some("6.6.6.6, 203.0.113.7, 10.0.0.2");
        assert_eq!(client_ip(ip("10.0.0.1"), xff, &trusted), ip("203.0.113.7"));
        assert_eq!(
            client_ip(ip("198.51.100.1"), xff, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(ip("10.0.0.1"), None, &trusted), ip("10.0.0.1"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("garbage"), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn overrides_parse_route_and_limit() {
        let o: RateOverride = "/oauth2/token=300".parse().unwrap();
        assert_eq!((o.route.as_str(), o.max_requests), ("/oauth2/token", 300));
        assert!("oauth2/token=3".parse::<RateOverride>().is_err());
        assert!("/x=many".parse::<RateOverride>().is_err());
    }
}
