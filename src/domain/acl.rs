//! Access control lists over label names (`{permit: [...], deny: [...]}`).

use crate::domain::labels::Labels;
use serde_json::Value;

/// An ACL. Entries are label names or the keyword `all`. Deny wins over permit, and
/// nothing is allowed without an explicit permit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Acl {
    permit: Vec<String>,
    deny: Vec<String>,
}

impl Acl {
    /// The ACL that permits everyone (`{permit: [all]}`).
    pub fn permit_all() -> Self {
        Self {
            permit: vec!["all".into()],
            deny: Vec::new(),
        }
    }

    /// The ACL that permits nobody.
    pub fn deny_all() -> Self {
        Self::default()
    }

    /// Reads an ACL from its JSON form. `None` when the value is not an object whose
    /// `permit` and `deny` (each optional) are lists of strings; callers then deny, as pyos does.
    pub fn from_json(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let list = |key: &str| -> Option<Vec<String>> {
            match object.get(key) {
                None | Some(Value::Null) => Some(Vec::new()),
                Some(Value::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
                Some(_) => None,
            }
        };
        Some(Self {
            permit: list("permit")?,
            deny: list("deny")?,
        })
    }

    /// Tells whether a user carrying `labels` is allowed.
    pub fn allows(&self, labels: &Labels) -> bool {
        let matches = |entries: &[String]| entries.iter().any(|e| e == "all" || labels.contains_key(e));
        !matches(&self.deny) && matches(&self.permit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(names: &[&str]) -> Labels {
        names.iter().map(|n| ((*n).to_owned(), "true".to_owned())).collect()
    }

    #[test]
    fn deny_wins_and_permission_is_explicit() {
        let acl = Acl::from_json(&json!({"permit": ["crew"], "deny": ["banned"]})).unwrap();
        assert!(acl.allows(&labels(&["crew"])));
        assert!(!acl.allows(&labels(&["crew", "banned"])));
        assert!(!acl.allows(&labels(&["other"])));
        assert!(Acl::permit_all().allows(&labels(&[])));
        assert!(!Acl::deny_all().allows(&labels(&["crew"])));
        let deny_all = Acl::from_json(&json!({"permit": ["all"], "deny": ["all"]})).unwrap();
        assert!(!deny_all.allows(&labels(&["crew"])));
    }

    #[test]
    fn malformed_acls_are_rejected() {
        assert!(Acl::from_json(&json!("all")).is_none());
        assert!(Acl::from_json(&json!({"permit": "all"})).is_none());
        assert!(Acl::from_json(&json!({"permit": [1]})).is_none());
    }
}
