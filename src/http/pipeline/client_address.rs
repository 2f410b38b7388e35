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
    ///
    /// Addresses are canonical (an IPv4 client of a dual-stack listener is `a.b.c.d`, not
    /// `::ffff:a.b.c.d`) before any network check. Every `X-Forwarded-For` field line is
    /// read, as one comma-separated list (RFC 9110 §5.3): a proxy that adds its own line
    /// would otherwise leave the client's forged first line in charge. Forwarded headers
    /// reach the facts (and the network rules) only from trusted proxies.
    pub fn facts(&self, peer: IpAddr, headers: &HeaderMap) -> RequestFacts {
        let peer = peer.to_canonical();
        let peer_trusted = self.is_trusted(peer);
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|line| line.to_str().ok())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .collect();
        let real_ip = headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .map(|ip| ip.to_canonical());
        let (client_ip, spoofed, forwarded_for, real_ip) = if peer_trusted {
            let (client, spoofed) = self.through_proxies(peer, &hops, real_ip);
            let forwarded: Vec<IpAddr> = hops
                .iter()
                .filter_map(|hop| hop.parse::<IpAddr>().ok())
                .map(|ip| ip.to_canonical())
                .collect();
            (client, spoofed, forwarded, real_ip)
        } else {
            (peer, false, Vec::new(), None)
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
            peer_trusted,
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
                .any(|hop| hop.parse::<IpAddr>().is_ok_and(|ip| self.is_trusted(ip.to_canonical())));
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
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
    fn ipv4_mapped_peers_and_hops_are_plain_ipv4() {
        // A dual-stack `::` listener sees IPv4 clients as ::ffff:a.b.c.d.
        let policy = ClientAddressPolicy::new(&["127.0.0.0/8".into()]);
        let direct = policy.facts(ip("::ffff:203.0.113.9"), &headers(&[]));
        assert_eq!(direct.client_ip, ip("203.0.113.9"));
        let relayed = policy.facts(
            ip("::ffff:127.0.0.1"),
            &headers(&[("x-forwarded-for", "::ffff:10.1.2.3")]),
        );
        assert!(relayed.peer_trusted, "the mapped loopback proxy is trusted");
        assert_eq!(relayed.client_ip, ip("10.1.2.3"));
        assert_eq!(relayed.forwarded_for, vec![ip("10.1.2.3")]);
    }

    #[test]
    fn forwarded_headers_reach_the_facts_only_from_trusted_peers() {
        let policy = ClientAddressPolicy::new(&["10.0.0.0/8".into()]);
        let sent = headers(&[("x-forwarded-for", "192.0.2.1"), ("x-real-ip", "192.0.2.2")]);
        let untrusted = policy.facts(ip("203.0.113.9"), &sent);
        assert!(untrusted.forwarded_for.is_empty() && untrusted.real_ip.is_none());
        let trusted = policy.facts(ip("10.0.0.1"), &sent);
        assert_eq!(trusted.forwarded_for, vec![ip("192.0.2.1")]);
        assert_eq!(trusted.real_ip, Some(ip("192.0.2.2")));
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
        assert!(
            facts.forwarded_for.is_empty(),
            "header network rules no longer see what an untrusted peer wrote (review F9)"
        );
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
