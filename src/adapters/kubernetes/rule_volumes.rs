//! Volumes granted by labels (`desktop.policies.rules.volumes`, orchestration.md §5.4):
//! for each of the user's labels with an entry, in label order, each rule becomes a pod
//! volume and its mount: `nfs`, `pvc` or `hostPath`. Rule strings may name the user's
//! POSIX fields (`/export/{{ uid }}`); a rendered path that could leave its folder (`..`)
//! is refused, so no user id can reach another user's share.
//!
//! `cifs` is a flexVolume of the `<namespace>/cifs` driver, mounting `unc` as the user
//! with the credential secret their login wrote for that volume; `webdav` and `csi` rules
//! build no volume, as in pyos.

use super::template::render_for;
use crate::domain::desktop::{DesktopOwner, PosixAccount};
use crate::domain::labels::Labels;
use crate::domain::naming::dns_name;
use crate::ports::OrchestratorError;
use serde_json::{Map, Value, json};

/// The rule types that build a volume (others build nothing; `config check` refuses
/// the unknown ones).
const VOLUME_RULE_TYPES: [&str; 4] = ["nfs", "pvc", "hostPath", "cifs"];

/// The rules of one label: a rule or a list of rules.
fn rules_of(entry: &Value) -> Vec<&Map<String, Value>> {
    match entry {
        Value::Object(rule) => vec![rule],
        Value::Array(rules) => rules.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// Whether a rendered path stays where it was written: absolute, no `..` segment.
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/') && !path.split('/').any(|segment| segment == "..")
}

/// The volumes and mounts `labels` grant, as `(volume, mount)` pairs.
///
/// # Errors
/// [`OrchestratorError::Rejected`] when a rendered path could leave its folder.
pub fn rule_volumes(
    rules: &Map<String, Value>,
    labels: &Labels,
    posix: &PosixAccount,
    owner: &DesktopOwner,
    namespace: &str,
) -> Result<Vec<(Value, Value)>, OrchestratorError> {
    let mut built: Vec<(Value, Value)> = Vec::new();
    for label in labels.keys() {
        let Some(entry) = rules.get(label) else { continue };
        for rule in rules_of(entry) {
            let field = |key: &str| {
                rule.get(key)
                    .and_then(Value::as_str)
                    .map(|t| render_for(t, posix, owner))
            };
            let kind = rule.get("type").and_then(Value::as_str).unwrap_or_default();
            if !VOLUME_RULE_TYPES.contains(&kind) {
                continue;
            }
            let object = if kind == "cifs" {
                field("volumename")
            } else {
                field("name")
            };
            let name = dns_name(&format!("rule-{kind}-{}", object.clone().unwrap_or_default()));
            if built.iter().any(|(volume, _)| volume["name"] == name.as_str()) {
                continue;
            }
            let mount_path = field("mountPath").unwrap_or_default();
            let read_only = rule.get("readOnly").and_then(Value::as_bool).unwrap_or(false);
            let volume = match kind {
                "nfs" => {
                    json!({"name": name, "nfs": {"server": field("server"), "path": field("path"), "readOnly": read_only}})
                }
                "pvc" => {
                    json!({"name": name, "persistentVolumeClaim": {"claimName": field("claimName"), "readOnly": read_only}})
                }
                "cifs" => {
                    let secret = crate::domain::owner_names::SecretName::new(
                        &crate::domain::desktop::cifs::cifs_secret_kind(&object.unwrap_or_default()),
                        owner,
                    );
                    let extra = field("mountOptions").filter(|o| !o.is_empty()).map(|o| format!(",{o}"));
                    let options = format!(
                        "uid={},gid={}{}",
                        posix.uid_number,
                        posix.gid_number,
                        extra.unwrap_or_default()
                    );
                    json!({"name": name, "flexVolume": {"driver": format!("{namespace}/cifs"), "fsType": "cifs",
                        "secretRef": {"name": secret.to_string()},
                        "options": {"networkPath": field("unc"), "mountOptions": options}}})
                }
                _ => {
                    let mut host = json!({"path": field("path")});
                    // `type` names the rule's type, so the hostPath type is `hostPathType`.
                    if let Some(kind) = field("hostPathType") {
                        host["type"] = Value::String(kind);
                    }
                    json!({"name": name, "hostPath": host})
                }
            };
            for path in [
                Some(mount_path.as_str()),
                volume.pointer("/nfs/path").and_then(Value::as_str),
                volume.pointer("/hostPath/path").and_then(Value::as_str),
            ]
            .into_iter()
            .flatten()
            {
                if !is_plain_path(path) {
                    return Err(OrchestratorError::Rejected(format!(
                        "the volume rule {label} renders the path {path:?}, which is not a plain absolute path"
                    )));
                }
            }
            let mut mount = json!({"name": name, "mountPath": mount_path, "readOnly": read_only});
            if let Some(propagation) = field("mountPropagation").filter(|_| kind == "hostPath") {
                mount["mountPropagation"] = Value::String(propagation);
            }
            built.push((volume, mount));
        }
    }
    Ok(built)
}
