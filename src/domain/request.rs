//! What the domain may know about the HTTP request it serves (no framework types).

use std::net::IpAddr;

/// Facts about the current request, derived once by the HTTP layer.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// The resolved client address (peer, or the right-most untrusted forwarded hop).
    pub client_ip: IpAddr,
    /// The TCP peer address.
    pub peer_ip: IpAddr,
    /// True when the peer is a trusted proxy (its forwarded headers were believed).
    pub peer_trusted: bool,
    /// True when the forwarded chain fails the `trusted_proxy_cidr` spoof check.
    pub spoofed: bool,
    /// Request headers, names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// Every syntactically valid address of `X-Forwarded-For`, left to right; empty unless
    /// the peer is a trusted proxy (any client can write the header).
    pub forwarded_for: Vec<IpAddr>,
    /// `X-Real-IP`, when valid and sent by a trusted proxy.
    pub real_ip: Option<IpAddr>,
}

/// The id a client address is counted under (bans, rate limits): an IPv4 address, or the
/// IPv6 network of `ipv6_prefix` bits holding it (`2001:db8::/64`): one subscriber usually
/// holds a whole /64, so counting single IPv6 addresses is trivially dodged.
pub fn address_key(ip: IpAddr, ipv6_prefix: u8) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match ipnet::Ipv6Net::new(v6, ipv6_prefix.min(128)) {
            Ok(net) if ipv6_prefix < 128 => net.trunc().to_string(),
            _ => v6.to_string(),
        },
    }
}

impl RequestFacts {
    /// Facts for a request from `ip` with no headers (tests, internal callers).
    pub fn from_ip(ip: IpAddr) -> Self {
        Self {
            client_ip: ip,
            peer_ip: ip,
            peer_trusted: false,
            spoofed: false,
            headers: Vec::new(),
            forwarded_for: Vec::new(),
            real_ip: None,
        }
    }
    /// The address a spoofed forwarded chain is charged to: the client it names, never the
    /// trusted proxy that relayed it (a proxy forwarding a client's garbage unchanged
    /// would otherwise get itself, and everyone behind it, banned).
    pub fn spoof_culprit(&self) -> Option<IpAddr> {
        (!(self.peer_trusted && self.client_ip == self.peer_ip)).then_some(self.client_ip)
    }
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
    /// The `User-Agent` header.
    pub fn user_agent(&self) -> Option<&str> {
        self.header("user-agent")
    }
}
