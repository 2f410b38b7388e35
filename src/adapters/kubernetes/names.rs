//! Object names and label values used in Kubernetes.

use crate::domain::labels::label_value;
use crate::domain::naming::dns_name;
use sha2::{Digest, Sha256};

/// `auth-<kind>-<userid>` (pyos's secret names).
pub fn secret_name(kind: &str, userid: &str) -> String {
    dns_name(&format!("auth-{}-{userid}", kind.replace('/', "-")))
}

/// The label value identifying a user or provider in selectors. It must be injective:
/// sanitising (`a b` and `a_b` both give `a_b`) or truncating would let two users select
/// each other's desktops. Values that are already valid label values are kept (pyos's
/// labels for ordinary user ids); any other becomes `h` followed by 40 hex digits of its
/// SHA-256.
pub fn selector_value(text: &str) -> String {
    if label_value(text) == text {
        return text.to_owned();
    }
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    format!("h{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_values_never_collide_for_different_users() {
        assert_eq!(selector_value("fry"), "fry");
        assert_eq!(
            selector_value("5f0c2a1e-3b4d-4c5e-8f90-123456789abc"),
            "5f0c2a1e-3b4d-4c5e-8f90-123456789abc"
        );
        let spaced = selector_value("a b");
        assert_ne!(
            spaced,
            selector_value("a_b"),
            "pyos-style sanitising would make these one user"
        );
        assert_eq!(spaced.len(), 41);
        assert_eq!(label_value(&spaced), spaced, "the result is a valid label value");
        let long = "x".repeat(70);
        assert_ne!(
            selector_value(&long),
            selector_value(&format!("{long}y")),
            "no truncation collisions"
        );
        assert_eq!(
            selector_value("fry@planetexpress.com"),
            selector_value("fry@planetexpress.com"),
            "stable"
        );
    }
}
