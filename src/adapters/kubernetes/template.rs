//! The desktop pod templates (`desktop.pod` in pyos's shape), read once at boot.

use crate::domain::acl::Acl;
use crate::domain::auth::PosixDefaults;
use crate::domain::desktop::{DesktopOwner, PosixAccount};
use crate::domain::labels::Labels;
use serde_json::{Map, Value};

/// Container types of the desktop pod, in manifest order, with their name prefix.
pub const CONTAINER_TYPES: [(&str, &str); 5] = [
    ("graphical", "x"),
    ("printer", "c"),
    ("sound", "s"),
    ("ssh", "h"),
    ("filer", "f"),
];

/// The types of orchestration.md's prefix table (§1.4): each enabled one is announced to
/// the containers as `ABCDESKTOP_SERVICE_<type>=enabled`.
pub const PREFIX_TABLE_TYPES: [&str; 12] = [
    "graphical",
    "spawner",
    "webshell",
    "printer",
    "sound",
    "filer",
    "init",
    "storage",
    "ssh",
    "rdp",
    "x11overlay",
    "snapshot",
];

/// `desktop.pod` keys that hold settings of the whole pod, not a container or service type.
const NOT_TYPES: [&str; 3] = ["spec", "default_volumes", "default_volumes_mount"];

/// Settings of the Kubernetes orchestrator beyond the templates.
#[derive(Debug, Clone)]
pub struct PodSettings {
    /// `desktop.pod`, as configured.
    pub pod: Value,
    /// `executeclasses`.
    pub execute_classes: Map<String, Value>,
    /// `desktop.nodeselector`, used when the execute class has none.
    pub node_selector: Map<String, Value>,
    /// `desktop.homedirectorytype`: `hostPath` or anything else for an emptyDir.
    pub home_directory_type: Option<String>,
    /// `desktop.hostPathRoot`.
    pub host_path_root: String,
    /// Where the local-account secret is mounted.
    pub local_account_path: String,
    /// Root of secret mounts (`/var/secrets/`).
    pub secrets_root: String,
    /// `desktop.pulseaudiosocketpath`.
    pub pulseaudio_socket: String,
    /// `desktop.persistentvolumeclaim`: a claim name, or a `{metadata, spec}` template of a
    /// per-user claim (used when `home_directory_type` is `persistentVolumeClaim`).
    pub home_claim: Option<Value>,
    /// `desktop.removepersistentvolumeclaim`: delete the per-user claim with the desktop.
    pub remove_home_claim: bool,
    /// `desktop.persistentvolume`: a `{metadata, spec}` template of the volume each
    /// per-user claim binds to (none: the cluster's provisioner makes it).
    pub home_volume: Option<Value>,
    /// `desktop.removepersistentvolume`: delete that volume with the claim.
    pub remove_home_volume: bool,
    /// `desktop.dnspolicy` (default `ClusterFirst`).
    pub dns_policy: Option<String>,
    /// `desktop.dnsconfig`.
    pub dns_config: Option<Value>,
    /// The balloon account, for users without a POSIX secret.
    pub posix_defaults: PosixDefaults,
    /// Home layout: subPath, mount suffix, memory folders.
    pub home: super::home::HomeLayout,
    /// `desktop.policies.rules.volumes`: label → volume rule or list of rules.
    pub rule_volumes: Map<String, Value>,
    /// `desktop.overwrite_environment_variable_for_application`, split into arguments.
    pub app_env_command: Option<Vec<String>>,
    /// `desktop.policies.rules.network`: annotations and DNS by label.
    pub network: crate::domain::desktop::network::NetworkRules,
}

impl PodSettings {
    /// The template entry of a container type.
    pub fn entry(&self, kind: &str) -> Option<&Map<String, Value>> {
        self.pod.get(kind).and_then(Value::as_object)
    }

    /// Whether a type is enabled for a user: a table with `enable = true` whose ACL permits them.
    /// Every `desktop.pod` entry that is a container or service type, in config order.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.pod
            .as_object()
            .into_iter()
            .flat_map(|entries| entries.iter())
            .filter(|(name, entry)| entry.is_object() && !NOT_TYPES.contains(&name.as_str()))
            .map(|(name, _)| name.as_str())
    }

    pub fn enabled(&self, kind: &str, labels: &Labels) -> bool {
        self.entry(kind).is_some_and(|entry| {
            entry.get("enable") == Some(&Value::Bool(true))
                && entry
                    .get("acl")
                    .and_then(Acl::from_json)
                    .unwrap_or_else(Acl::permit_all)
                    .allows(labels)
        })
    }

    /// The image of a type: a string, or a table `{default, <label name> = image}` where the
    /// first label the user carries picks its image (pyos used the label's value as the
    /// image name, a bug).
    pub fn image(&self, kind: &str, labels: &Labels) -> Option<String> {
        match self.entry(kind)?.get("image")? {
            Value::String(image) => Some(image.clone()),
            Value::Object(images) => labels
                .keys()
                .find_map(|label| images.get(label).and_then(Value::as_str))
                .or_else(|| images.get("default").and_then(Value::as_str))
                .map(str::to_owned),
            _ => None,
        }
    }

    /// The volume names listed by a type.
    pub fn volume_names(&self, kind: &str) -> Vec<String> {
        self.entry(kind)
            .and_then(|e| e.get("volumes"))
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// The per-user claim template, when homes are per-user claims.
    pub fn home_claim_template(&self) -> Option<&Map<String, Value>> {
        (self.home_directory_type.as_deref() == Some("persistentVolumeClaim")).then_some(())?;
        self.home_claim.as_ref()?.as_object()
    }

    /// The per-user volume template, when homes are per-user claims with one.
    pub fn home_volume_template(&self) -> Option<&Map<String, Value>> {
        self.home_claim_template()?;
        self.home_volume.as_ref()?.as_object()
    }

    /// The claim holding a user's home, when homes are claims: the shared claim, or the
    /// user's own claim. A per-user claim is always named by the owner
    /// ([`crate::domain::owner_names::home_claim_name`]), whatever the template's
    /// `metadata.name` says: a name rendered from the POSIX account would give every
    /// anonymous user (uid `balloon`/`anonymous`) one shared home.
    pub fn home_claim_name(&self, owner: &DesktopOwner, _posix: &PosixAccount) -> Option<String> {
        if self.home_directory_type.as_deref() != Some("persistentVolumeClaim") {
            return None;
        }
        match self.home_claim.as_ref()? {
            Value::String(shared) => Some(shared.clone()),
            Value::Object(_) => Some(crate::domain::owner_names::home_claim_name(owner)),
            _ => None,
        }
    }

    /// The execute class (falling back to `default`) with `desktop.nodeselector` filled in.
    pub fn execute_class(&self, name: &str) -> Map<String, Value> {
        let mut class = self
            .execute_classes
            .get(name)
            .or_else(|| self.execute_classes.get("default"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if class.get("nodeSelector").is_none_or(Value::is_null) && !self.node_selector.is_empty() {
            class.insert("nodeSelector".into(), Value::Object(self.node_selector.clone()));
        }
        class
    }
}

/// Renders `{{ name }}` placeholders with the POSIX account and the owner (`provider`
/// lowercased, `providertype`, `userid`, `name`).
pub fn render_for(text: &str, posix: &PosixAccount, owner: &DesktopOwner) -> String {
    render_keys(text, posix, Some(owner))
}

/// Renders every string of a JSON template with [`render_for`].
pub fn render_json(value: &Value, posix: &PosixAccount, owner: &DesktopOwner) -> Value {
    match value {
        Value::String(text) => Value::String(render_for(text, posix, owner)),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_json(v, posix, owner)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), render_json(v, posix, owner)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Renders `{{ name }}` placeholders with the POSIX account (unknown names render empty,
/// as mustache does).
pub fn render(text: &str, posix: &PosixAccount) -> String {
    render_keys(text, posix, None)
}

fn render_keys(text: &str, posix: &PosixAccount, owner: Option<&DesktopOwner>) -> String {
    crate::domain::placeholders::fill(text, |key| match key {
        "uidNumber" => posix.uid_number.to_string(),
        "gidNumber" => posix.gid_number.to_string(),
        "userid" => owner.map_or_else(|| posix.uid.clone(), |o| o.userid.to_string()),
        "uid" => posix.uid.clone(),
        "gid" => posix.gid.clone(),
        "homeDirectory" => posix.home_directory.clone(),
        "loginShell" => posix.login_shell.clone(),
        "supplementalGroups" => posix.gid_number.to_string(),
        "provider" => owner.map(|o| o.provider.to_lowercase()).unwrap_or_default(),
        "providertype" => owner.map(|o| o.providertype.clone()).unwrap_or_default(),
        "name" => owner.map(|o| o.name.clone()).unwrap_or_default(),
        _ => String::new(),
    })
}

/// Renders a configured security context (orchestration.md §4.8): `runAsUser`/`runAsGroup`
/// strings become numbers, the `{{ supplementalGroups }}` entry becomes the user's groups.
pub fn security_context(configured: Option<&Value>, posix: &PosixAccount) -> Option<Value> {
    let mut context = configured?.as_object()?.clone();
    for key in ["runAsUser", "runAsGroup", "fsGroup"] {
        if let Some(Value::String(text)) = context.get(key) {
            let rendered = render(text, posix);
            match rendered.trim().parse::<i64>() {
                Ok(number) => context.insert(key.into(), Value::from(number)),
                Err(_) => context.remove(key),
            };
        }
    }
    match context.get("supplementalGroups") {
        Some(Value::Array(groups)) => {
            // The `{{ supplementalGroups }}` entry: the primary group, then the directory's
            // other POSIX groups, so shared volumes keep their group access.
            let groups: Vec<Value> = groups
                .iter()
                .flat_map(|g| match g {
                    Value::String(text) if text.contains("supplementalGroups") => std::iter::once(posix.gid_number)
                        .chain(posix.groups.iter().map(|group| group.gid_number))
                        .map(Value::from)
                        .collect(),
                    Value::String(text) => render(text, posix)
                        .parse::<i64>()
                        .ok()
                        .map(Value::from)
                        .into_iter()
                        .collect(),
                    other => vec![other.clone()],
                })
                .collect();
            context.insert("supplementalGroups".into(), Value::Array(groups));
        }
        Some(_) => {
            context.remove("supplementalGroups");
        }
        None => {}
    }
    Some(Value::Object(context))
}
