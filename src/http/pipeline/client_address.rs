//! The client address (api.md §4, auth.md §9.1), fixed: the TCP peer is the client unless
//! the peer is a trusted proxy; only then are forwarded headers believed, walking
//! `X-Forwarded-For` from the right past the trusted hops. pyos took the first
//! `X-Forwarded-For` entry, which any client can write.

use crate::domain::request::RequestFacts;
use crate::domain::rules::parse_network;
use ipnet::IpNet;
use std::net::IpAddr;
use warp::http::HeaderMap;

/// Headers never copied into request facts (they carry credentials).
const PRIVATE_HEADERS: [&str; 5] = [
    "abcauthorization",
    "authorization",
    "x-api-key",
    "cookie",
    "proxy-authorization",
];

/// Resolves client addresses with the `trusted_proxy_cidr` list.
#[derive(Debug, Clone, Default)]
pub struct ClientAddressPolicy {
    trusted: Vec<IpNet>,
}

impl ClientAddressPolicy {
    /// Builds the policy; invalid entries were refused by config validation.
    pub fn new(trusted: &[String]) -> Self {
        Self {
            trusted: trusted.iter().filter_map(|t| parse_network(t)).collect(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The facts of one request from `peer`.
    pub fn facts(&self, peer: IpAddr, headers: &HeaderMap) -> RequestFacts {
        let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let hops: Vec<&str> = header_text("x-forwarded-for")
            .map(|v| v.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let forwarded_for: Vec<IpAddr> = hops.iter().filter_map(|hop| hop.parse().ok()).collect();
        let real_ip = header_text("x-real-ip").and_then(|v| v.trim().parse().ok());
        let (client_ip, spoofed) = if self.is_trusted(peer) {
            self.through_proxies(peer, &hops, real_ip)
        } else {
            (peer, false)
        };
        let copied = headers
            .iter()
            .filter(|(name, _)| !PRIVATE_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        RequestFacts {
            client_ip,
            peer_ip: peer,
            spoofed,
            headers: copied,
            forwarded_for,
            real_ip,
        }
    }

    /// Client address and spoof verdict for a request relayed by a trusted proxy.
    fn through_proxies(&self, peer: IpAddr, hops: &[&str], real_ip: Option<IpAddr>) -> (IpAddr, bool) {
        if hops.is_empty() {
            return (real_ip.unwrap_or(peer), false);
        }
        // pyos 4.x spoof rule: when proxies appended hops after the claimed client, at least
        // one of them must be a trusted proxy; an unparsable hop fails closed.
        let spoofed = hops.len() > 1
            && !hops[1..]
                .iter()
                .any(|hop| hop.parse::<IpAddr>().is_ok_and(|ip| self.is_trusted(ip)));
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.is_trusted(ip) {
                        return (ip, spoofed);
                    }
                }
                Err(_) => return (client, true),
            }
        }
        (client, spoofed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_cannot_choose_their_address() {
        let policy = ClientAddressPolicy::new(&["10.0.0.0/8".into()]);
        let facts = policy.facts(
            ip("203.0.113.9"),
            &headers(&[("x-forwarded-for", "127.0.0.1"), ("x-real-ip", "127.0.0.1")]),
        );
        assert_eq!(facts.client_ip, ip("203.0.113.9"), "pyos would have believed 127.0.0.1");
        assert!(!facts.spoofed);
        assert_eq!(facts.forwarded_for, [ip("127.0.0.1")], "rules still see the header");
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let facts =
            ClientAddressPolicy::default().facts(ip("192.0.2.1"), &headers(&[("x-forwarded-for", "198.51.100.1")]));
        assert_eq!(facts.client_ip, ip("192.0.2.1"));
    }

    #[test]
    fn trusted_proxies_hand_over_the_rightmost_untrusted_hop() {
        let policy = ClientAddressPolicy::new(&["10.0.0.0/8".into()]);
        let facts = policy.facts(
            ip("10.0.0.2"),
            &headers(&[("x-forwarded-for", "198.51.100.7, 10.0.0.1")]),
        );
        assert_eq!(facts.client_ip, ip("198.51.100.7"));
        assert!(!facts.spoofed);
        let direct = policy.facts(ip("10.0.0.2"), &headers(&[("x-forwarded-for", "198.51.100.7")]));
        assert_eq!(direct.client_ip, ip("198.51.100.7"));
        let real = policy.facts(ip("10.0.0.2"), &headers(&[("x-real-ip", "198.51.100.8")]));
        assert_eq!(real.client_ip, ip("198.51.100.8"));
    }

    #[test]
    fn a_forged_first_entry_is_detected_and_ignored() {
        let policy = ClientAddressPolicy::new(&["10.0.0.0/8".into()]);
        // The client wrote "127.0.0.1"; the trusted proxy appended the real peer.
        let facts = policy.facts(
            ip("10.0.0.2"),
            &headers(&[("x-forwarded-for", "127.0.0.1, 198.51.100.7")]),
        );
        assert!(facts.spoofed);
        assert_eq!(
            facts.client_ip,
            ip("198.51.100.7"),
            "a failure is counted against the real client, not the forged one"
        );
        let garbage = policy.facts(
            ip("10.0.0.2"),
            &headers(&[("x-forwarded-for", "198.51.100.7, not-an-ip")]),
        );
        assert!(garbage.spoofed, "unparsable hops fail closed");
    }

    #[test]
    fn credentials_never_reach_the_facts() {
        let facts = ClientAddressPolicy::default().facts(
            ip("192.0.2.1"),
            &headers(&[
                ("abcauthorization", "Bearer x"),
                ("x-api-key", "k"),
                ("x-site", "paris"),
            ]),
        );
        assert_eq!(facts.headers, [("x-site".to_owned(), "paris".to_owned())]);
    }
}
