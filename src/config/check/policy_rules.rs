//! Checks of `desktop.policies.rules`: each label's volume rule (or list of rules) is a
//! known type with the fields it needs and an absolute mount path; each network rule is a
//! table whose webhook commands split into arguments.

use super::Problem;
use crate::config::Config;
use serde_json::Value;

/// The fields each building type needs.
const REQUIRED: [(&str, &[&str]); 4] = [
    ("nfs", &["name", "server", "path", "mountPath"]),
    ("pvc", &["name", "claimName", "mountPath"]),
    ("hostPath", &["name", "path", "mountPath"]),
    ("cifs", &["volumename", "unc", "mountPath"]),
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
        // pyos's `name = "homedirectory"` took the share from the user's AD entry.
        "cifs" if rule.get("name").and_then(Value::as_str) == Some("homedirectory") => {
            problems.push(Problem::new(
                format!("{key}.name"),
                "homedirectory (the share of the user's AD entry) is not built: name the share in unc",
            ));
            return;
        }
        _ => {}
    }
    let Some((_, required)) = REQUIRED.iter().find(|(name, _)| *name == kind) else {
        problems.push(Problem::new(
            format!("{key}.type"),
            format!("'{kind}' is not one of nfs, pvc, hostPath, cifs (or webdav, csi, which build nothing)"),
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

/// Every problem of the network rules.
pub fn check_network_rules(config: &Config, problems: &mut Vec<Problem>) {
    let Some(rules) = config.desktop.policies.rules.get("network") else {
        return;
    };
    let Some(rules) = rules.as_object() else {
        problems.push(Problem::new(
            "desktop.policies.rules.network",
            "must be a table: default and label → network rule",
        ));
        return;
    };
    for (label, rule) in rules {
        let key = format!("desktop.policies.rules.network.{label}");
        // pyos: `default = false` turns the network off (no setting here uses it).
        if label == "default" && rule == &Value::Bool(false) {
            continue;
        }
        let Some(rule) = rule.as_object() else {
            problems.push(Problem::new(key, "must be a table"));
            continue;
        };
        let Some(webhook) = rule.get("webhook") else { continue };
        for step in ["create", "destroy"] {
            let commands: Vec<&Value> = match webhook.get(step) {
                None => Vec::new(),
                Some(Value::Array(list)) => list.iter().collect(),
                Some(one) => vec![one],
            };
            for (index, command) in commands.into_iter().enumerate() {
                let split = command.as_str().map(crate::domain::desktop::network::split_words);
                if !matches!(split, Some(Ok(ref words)) if !words.is_empty()) {
                    problems.push(Problem::new(
                        format!("{key}.webhook.{step}[{index}]"),
                        "must be a command line (quotes closed)",
                    ));
                }
            }
        }
    }
}
