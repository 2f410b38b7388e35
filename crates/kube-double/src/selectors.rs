//! Label and field selectors (equality-based, plus `in`/`notin` and existence for labels).

use serde_json::Value;

/// A parsed selector: every requirement must hold.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Splits on commas that are not inside parentheses.
fn terms(text: &str) -> Vec<String> {
    let (mut terms, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    terms.push(current);
    terms
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

impl Selector {
    /// Parses `k=v,k!=v,k in (a,b),k notin (c),k,!k`; `None` when malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let mut requirements = Vec::new();
        for term in terms(text) {
            let set = |rest: &str| -> Option<Vec<String>> {
                let inner = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some(inner.split(',').map(|v| v.trim().to_owned()).collect())
            };
            let requirement = if let Some((key, value)) = term.split_once("!=") {
                Requirement::NotEquals(key.trim().into(), value.trim().into())
            } else if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
                Requirement::Equals(key.trim().into(), value.trim().into())
            } else if let Some((key, rest)) = term.split_once(" notin ") {
                Requirement::NotIn(key.trim().into(), set(rest)?)
            } else if let Some((key, rest)) = term.split_once(" in ") {
                Requirement::In(key.trim().into(), set(rest)?)
            } else if let Some(key) = term.strip_prefix('!') {
                Requirement::NotExists(key.trim().into())
            } else {
                Requirement::Exists(term)
            };
            requirements.push(requirement);
        }
        Some(Self { requirements })
    }

    /// Whether `lookup` (key → value) satisfies every requirement.
    pub fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => lookup(k).as_deref() == Some(v.as_str()),
            Requirement::NotEquals(k, v) => lookup(k).as_deref() != Some(v.as_str()),
            Requirement::In(k, vs) => lookup(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => lookup(k).is_none_or(|x| !vs.contains(&x)),
            Requirement::Exists(k) => lookup(k).is_some(),
            Requirement::NotExists(k) => lookup(k).is_none(),
        })
    }
}

/// Label lookup on an object.
pub fn label(object: &Value, key: &str) -> Option<String> {
    object
        .pointer("/metadata/labels")?
        .get(key)?
        .as_str()
        .map(str::to_owned)
}

/// Field lookup on an object (`metadata.name`, `spec.nodeName`, `involvedObject.name`…).
pub fn field(object: &Value, path: &str) -> Option<String> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match object.pointer(&pointer)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_match_labels_and_fields() {
        let pod = json!({"metadata": {"name": "fry-1", "labels": {"type": "x11server", "access_userid": "fry"}}, "spec": {"nodeName": "n1"}});
        let matches = |s: &str| Selector::parse(s).unwrap().matches(|k| label(&pod, k));
        assert!(matches("access_userid=fry, type=x11server"));
        assert!(matches("type==x11server,access_provider!=planet"));
        assert!(matches("type in (x11server,pod_application),access_userid"));
        assert!(!matches("type notin (x11server)"));
        assert!(!matches("!access_userid"));
        assert!(
            Selector::parse("metadata.name=fry-1,spec.nodeName=n1")
                .unwrap()
                .matches(|k| field(&pod, k))
        );
    }
}
