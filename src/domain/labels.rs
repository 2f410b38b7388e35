//! Auth labels: a flat name → value map computed at login.
//!
//! Labels end up as Kubernetes pod labels, so names and values follow Kubernetes syntax.
//! pyos 4.x silently dropped label names that were not purely alphanumeric from the token
//! (auth.md §7.1.2); deskplane instead refuses invalid names when the config is loaded and
//! keeps every valid one (`ship-crew`, `my_label`) all the way to the pod.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// Label name → value.
pub type Labels = BTreeMap<String, String>;

/// Longest Kubernetes label name part and value.
const MAX_LABEL_LEN: usize = 63;

/// Tells whether `name` is a valid Kubernetes label name (without prefix): 1 to 63
/// characters, alphanumeric at both ends, `-`, `_` and `.` inside.
pub fn is_valid_label_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LABEL_LEN
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Turns any text into a valid Kubernetes label value: characters outside `[A-Za-z0-9-_.]`
/// become `_`, the result is cut to 63 characters and trimmed to start and end with an
/// alphanumeric character (an empty value is valid).
pub fn label_value(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_LABEL_LEN)
        .collect();
    replaced.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned()
}

/// The built-in `ipsource` label value for a client address. IPv6 addresses are written as
/// their eight full hexadecimal groups joined by `-`, which is a valid label value (pyos put
/// the raw address, whose `:` Kubernetes rejects).
pub fn ip_label_value(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|segment| format!("{segment:04x}"))
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_kubernetes_syntax() {
        assert!(is_valid_label_name("tennetwork"));
        assert!(is_valid_label_name("ship-crew"));
        assert!(is_valid_label_name("my_label.v2"));
        assert!(!is_valid_label_name(""));
        assert!(!is_valid_label_name("-crew"));
        assert!(!is_valid_label_name("crew-"));
        assert!(!is_valid_label_name("a b"));
        assert!(!is_valid_label_name(&"a".repeat(64)));
    }

    #[test]
    fn label_values_are_sanitised() {
        assert_eq!(label_value("true"), "true");
        assert_eq!(label_value("Philip J. Fry"), "Philip_J._Fry");
        assert_eq!(label_value("__x__"), "x");
        assert_eq!(label_value(&"v".repeat(80)).len(), 63);
    }

    #[test]
    fn ipv6_sources_become_valid_label_values() {
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let value = ip_label_value(v6);
        assert_eq!(value, "2001-0db8-0000-0000-0000-0000-0000-0001");
        assert_eq!(label_value(&value), value);
        assert_eq!(ip_label_value("10.1.2.3".parse().unwrap()), "10.1.2.3");
    }
}
