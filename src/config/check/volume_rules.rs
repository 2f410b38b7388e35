//! Checks of `desktop.policies.rules.volumes`: each label's rule (or list of rules) is a
//! known type with the fields it needs and an absolute mount path.

use super::Problem;
use crate::config::Config;
use serde_json::Value;

/// The fields each building type needs.
const REQUIRED: [(&str, &[&str]); 3] = [
    ("nfs", &["name", "server", "path", "mountPath"]),
    ("pvc", &["name", "claimName", "mountPath"]),
    ("hostPath", &["name", "path", "mountPath"]),
];

/// Every problem of the volume rules.
pub fn check_volume_rules(config: &Config, problems: &mut Vec<Problem>) {
    let Some(rules) = config.desktop.policies.rules.get("volumes") else {
        return;
    };
    let Some(rules) = rules.as_object() else {
        problems.push(Problem::new(
            "desktop.policies.rules.volumes",
            "must be a table: label → rule or list of rules",
        ));
        return;
    };
    for (label, entry) in rules {
        let listed: Vec<&Value> = match entry {
            Value::Array(list) => list.iter().collect(),
            one => vec![one],
        };
        for (index, rule) in listed.into_iter().enumerate() {
            let key = format!("desktop.policies.rules.volumes.{label}[{index}]");
            check_rule(&key, rule, problems);
        }
    }
}

fn check_rule(key: &str, rule: &Value, problems: &mut Vec<Problem>) {
    let Some(rule) = rule.as_object() else {
        problems.push(Problem::new(key, "must be a table"));
        return;
    };
    let kind = rule.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        // pyos builds no volume for these either.
        "webdav" | "csi" => return,
        "cifs" => {
            problems.push(Problem::new(
                key,
                "cifs volumes need the user's CIFS credential secret, which deskplane does not build yet",
            ));
            return;
        }
        _ => {}
    }
    let Some((_, required)) = REQUIRED.iter().find(|(name, _)| *name == kind) else {
        problems.push(Problem::new(
            format!("{key}.type"),
            format!("'{kind}' is not one of nfs, pvc, hostPath (or webdav, csi, which build nothing)"),
        ));
        return;
    };
    for field in *required {
        if rule.get(*field).and_then(Value::as_str).is_none_or(str::is_empty) {
            problems.push(Problem::new(format!("{key}.{field}"), "required"));
        }
    }
    if let Some(path) = rule.get("mountPath").and_then(Value::as_str)
        && (!path.starts_with('/') || path.split('/').any(|s| s == ".."))
    {
        problems.push(Problem::new(
            format!("{key}.mountPath"),
            "must be an absolute path without ..",
        ));
    }
}
