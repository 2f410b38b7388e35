//! Object names and label values used in Kubernetes.

use crate::domain::labels::label_value;
use crate::domain::naming::dns_name;

/// `auth-<kind>-<userid>` (pyos's secret names).
pub fn secret_name(kind: &str, userid: &str) -> String {
    dns_name(&format!("auth-{}-{userid}", kind.replace('/', "-")))
}

/// A label value usable in selectors; user ids that are already valid label values (uids,
/// UUIDs) are unchanged.
pub fn selector_value(text: &str) -> String {
    label_value(text)
}
