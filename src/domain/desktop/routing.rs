//! Which host name the browser must use for the desktop websocket (`target_ip`).

use super::model::Desktop;
use crate::domain::request::RequestFacts;

/// The host part of a URL or of a `host[:port]` text (brackets of IPv6 literals removed).
pub fn host_of(text: &str) -> Option<String> {
    let without_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let authority = without_scheme.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    // Only a syntactically plausible host name or address is echoed back as `target_ip`:
    // a header is the client's word and may hold anything.
    let plausible = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'));
    plausible.then(|| host.to_owned())
}

/// Resolves `target_ip` for a routing mode (orchestration.md §3.2 step 6).
pub fn target_host(mode: &str, desktop: &Desktop, facts: &RequestFacts, default_host_url: Option<&str>) -> String {
    let origin = || facts.header("origin").and_then(host_of);
    let host = || facts.header("host").and_then(host_of);
    let found = match mode {
        "default_host_url" => default_host_url.and_then(host_of).or_else(origin),
        "bridge" => desktop.websocketroute.clone().or_else(|| desktop.ip_addr.clone()),
        "http_origin" => origin().or_else(host),
        _ => host(),
    };
    found.unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_are_taken_from_urls_and_host_headers() {
        assert_eq!(host_of("http://localhost:30443/"), Some("localhost".into()));
        assert_eq!(
            host_of("https://user@desk.example.org/app"),
            Some("desk.example.org".into())
        );
        assert_eq!(host_of("desk.example.org:8000"), Some("desk.example.org".into()));
        assert_eq!(host_of("http://[2001:db8::1]:8000"), Some("2001:db8::1".into()));
        assert_eq!(host_of(""), None);
        assert_eq!(host_of("a\"b<c"), None, "never echoed back");
        assert_eq!(host_of(&"a".repeat(3000)), None);
    }
}
