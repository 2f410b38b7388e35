//! Building the desktop pod manifest (orchestration.md §4) from the templates and a spec.

use super::names::{owner_annotation_map, selector_value};
use super::template::{CONTAINER_TYPES, PREFIX_TABLE_TYPES, PodSettings, render, security_context};
use crate::domain::desktop::{DesktopOwner, DesktopSpec};
use crate::domain::labels::label_value;
use crate::domain::owner_names::SecretName;
use crate::domain::time::iso8601;
use crate::ports::OrchestratorError;
use serde_json::{Map, Value, json};

/// Name of the graphical container (pyos 4.x `<prefix>-<type>`).
pub const GRAPHICAL: &str = "x-graphical";

/// Annotations carrying the exact owner (labels may only hold a hash of it, see
/// [`super::names::selector_value`]) and, for desktops, the last login.
pub fn owner_annotations(owner: &DesktopOwner, lastlogin: Option<String>) -> Value {
    let mut annotations = owner_annotation_map(owner);
    if let Some(lastlogin) = lastlogin {
        annotations["lastlogin_datetime"] = Value::String(lastlogin);
    }
    annotations
}

/// `lastlogin_datetime` annotation format (pyos: `YYYY-MM-DDTHH:MM:SS`, no zone; UTC here).
pub fn lastlogin(seconds: i64) -> String {
    iso8601(seconds).trim_end_matches('Z').to_owned()
}

fn env_list(settings: &PodSettings, spec: &DesktopSpec) -> Vec<Value> {
    let posix = &spec.posix;
    let mut env: Vec<(String, String)> = spec.env.clone();
    let mut set = |name: &str, value: String| match env.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value,
        None => env.push((name.to_owned(), value)),
    };
    set("XAUTH_KEY", spec.cookies.xauth_key.expose().to_owned());
    set("PULSEAUDIO_COOKIE", spec.cookies.pulseaudio_cookie.expose().to_owned());
    set("BROADCAST_COOKIE", spec.cookies.broadcast_cookie.expose().to_owned());
    set("HOME", posix.home_directory.clone());
    set("USER", posix.uid.clone());
    set("LOGNAME", posix.uid.clone());
    set("USERNAME", posix.uid.clone());
    set("PULSE_SERVER", settings.pulseaudio_socket.clone());
    for kind in PREFIX_TABLE_TYPES {
        if settings.enabled(kind, &spec.labels) {
            set(&format!("ABCDESKTOP_SERVICE_{kind}"), "enabled".into());
        }
    }
    set("ABCDESKTOP_EXECUTE_CLASSNAME", spec.execute_class.clone());
    // The class's definition (resources, nodeSelector…), as 4.x images read it.
    let class = Value::Object(settings.execute_class(&spec.execute_class));
    set("ABCDESKTOP_EXECUTE_CLASS", class.to_string());
    let mut list: Vec<Value> = env
        .iter()
        .map(|(name, value)| json!({"name": name, "value": render(value, posix)}))
        .collect();
    for (name, path) in [
        ("NODE_NAME", "spec.nodeName"),
        ("POD_NAME", "metadata.name"),
        ("POD_NAMESPACE", "metadata.namespace"),
        ("POD_IP", "status.podIP"),
    ] {
        list.push(json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}));
    }
    list
}

/// The pod volumes and the mounts each volume name offers.
struct Volumes {
    volumes: Vec<Value>,
    mounts: Map<String, Value>,
    /// The volumes the user's labels grant, mounted in the graphical container.
    granted: Vec<String>,
}

/// The local-account secret volume and its mount.
pub fn local_account_volume(settings: &PodSettings, owner: &DesktopOwner) -> (Value, Value) {
    let secret = SecretName::new("localaccount", owner).to_string();
    (
        json!({"name": "extrausers", "secret": {"secretName": secret, "defaultMode": 420}}),
        json!({"name": "extrausers", "mountPath": settings.local_account_path, "readOnly": true}),
    )
}

/// The volumes a template type lists, from `desktop.pod.default_volumes`, with their mounts.
pub fn default_volumes(settings: &PodSettings, kind: &str) -> Vec<(Value, Value)> {
    let table = |key: &str| {
        settings
            .pod
            .get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let (volumes, mounts) = (table("default_volumes"), table("default_volumes_mount"));
    settings
        .volume_names(kind)
        .iter()
        .filter_map(|name| Some((volumes.get(name)?.clone(), mounts.get(name)?.clone())))
        .collect()
}

fn volumes(settings: &PodSettings, spec: &DesktopSpec, namespace: &str) -> Result<Volumes, OrchestratorError> {
    let mut volumes = Vec::new();
    let mut mounts = Map::new();
    for (volume, mount) in default_volumes(settings, "graphical") {
        mounts.insert(volume["name"].as_str().unwrap_or_default().to_owned(), mount);
        volumes.push(volume);
    }
    volumes.extend(super::home::home_volumes(settings, &spec.owner, &spec.posix));
    for (name, mount) in super::home::home_mounts(settings, &spec.owner, &spec.posix) {
        mounts.insert(name, mount);
    }
    let (account, account_mount) = local_account_volume(settings, &spec.owner);
    volumes.push(account);
    mounts.insert("extrausers".into(), account_mount);
    let vnc = SecretName::new("vnc", &spec.owner).to_string();
    volumes.push(json!({"name": "vnc", "secret": {"secretName": vnc, "defaultMode": 420}}));
    mounts.insert(
        "vnc".into(),
        json!({"name": "vnc", "mountPath": format!("{}abcdesktop/vnc", settings.secrets_root), "readOnly": true}),
    );
    let mut granted = Vec::new();
    // The credential secrets the graphical container asks for (`secrets_requirement`,
    // e.g. `abcdesktop/kerberos`): optional, since a login builds them only when its
    // provider's `auth_protocol` asks, and a build may fail.
    let required: Vec<String> = settings
        .entry("graphical")
        .and_then(|entry| entry.get("secrets_requirement"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    for secret_type in required {
        let Some((_, kind)) = secret_type.split_once('/') else {
            continue;
        };
        if kind == "vnc" || !crate::domain::naming::is_object_name(kind) {
            continue;
        }
        let name = format!("auth-{kind}");
        let secret = SecretName::new(kind, &spec.owner).to_string();
        volumes.push(json!({"name": name, "secret": {"secretName": secret, "defaultMode": 420, "optional": true}}));
        mounts.insert(
            name.clone(),
            json!({"name": name, "mountPath": format!("{}{secret_type}", settings.secrets_root), "readOnly": true}),
        );
        granted.push(name);
    }
    for (volume, mount) in super::rule_volumes::rule_volumes(
        &settings.rule_volumes,
        &spec.labels,
        &spec.posix,
        &spec.owner,
        namespace,
    )? {
        let name = volume["name"].as_str().unwrap_or_default().to_owned();
        mounts.insert(name.clone(), mount);
        granted.push(name);
        volumes.push(volume);
    }
    Ok(Volumes {
        volumes,
        mounts,
        granted,
    })
}

fn container(
    settings: &PodSettings,
    spec: &DesktopSpec,
    kind: &str,
    name: &str,
    env: &[Value],
    built: &Volumes,
    class: &Map<String, Value>,
) -> Option<Value> {
    let entry = settings.entry(kind)?;
    let image = settings.image(kind, &spec.labels)?;
    let mut names = settings.volume_names(kind);
    if matches!(kind, "graphical" | "init") {
        names.extend(["home".to_owned(), "extrausers".to_owned()]);
    }
    // The home's memory folders go wherever the home goes.
    if names.iter().any(|n| n == "home") {
        names.extend(
            settings
                .home
                .memory_dirs
                .iter()
                .map(|f| super::home::memory_volume_name(f)),
        );
    }
    if kind == "graphical" {
        names.push("vnc".into());
        names.extend(built.granted.iter().cloned());
    }
    let mut seen = Vec::new();
    let mounts: Vec<Value> = names
        .iter()
        .filter(|n| {
            !seen.contains(*n) && {
                seen.push((*n).clone());
                true
            }
        })
        .filter_map(|n| built.mounts.get(n).cloned())
        .collect();
    let mut container = json!({
        "name": name,
        "image": image,
        "imagePullPolicy": entry.get("imagePullPolicy").and_then(Value::as_str).unwrap_or("IfNotPresent"),
        "env": env,
        "volumeMounts": mounts,
    });
    if let Some(context) = security_context(entry.get("securityContext"), &spec.posix) {
        container["securityContext"] = context;
    }
    let resources = if kind == "graphical" {
        class
            .get("resources")
            .filter(|r| !r.is_null())
            .or(entry.get("resources"))
    } else {
        entry.get("resources")
    };
    if let Some(resources) = resources.filter(|r| !r.is_null()) {
        container["resources"] = resources.clone();
    }
    if let Some(lifecycle) = entry.get("lifecycle") {
        container["lifecycle"] = lifecycle.clone();
    }
    if kind == "graphical" {
        container["workingDir"] = Value::String(spec.posix.home_directory.clone());
    }
    if kind == "init" {
        let command = entry.get("command").and_then(Value::as_array)?;
        container["command"] = Value::Array(
            command
                .iter()
                .filter_map(Value::as_str)
                .map(|c| Value::String(render(c, &spec.posix)))
                .collect(),
        );
    }
    Some(container)
}

/// The network rule of the user's labels: its annotations (Multus networks) join the
/// pod's, never replacing deskplane's owner annotations; its `internal_dns` becomes the
/// pod's DNS (`dnsPolicy: None`), else `desktop.dnsconfig` applies.
fn apply_network_rule(settings: &PodSettings, spec: &DesktopSpec, manifest: &mut Value) {
    let network = settings.network.select(&spec.labels);
    if let (Some(Value::Object(extra)), Some(annotations)) = (
        network.get("annotations"),
        manifest["metadata"]["annotations"].as_object_mut(),
    ) {
        for (key, value) in extra {
            if let Some(text) = value.as_str()
                && !key.starts_with("deskplane.io/")
            {
                annotations.insert(key.clone(), Value::String(text.to_owned()));
            }
        }
    }
    let pod = &mut manifest["spec"];
    match network.get("internal_dns") {
        Some(dns @ Value::Object(_)) => {
            pod["dnsPolicy"] = Value::String("None".into());
            pod["dnsConfig"] = dns.clone();
        }
        _ => {
            if let Some(dns) = settings.dns_config.as_ref().filter(|d| d.is_object()) {
                pod["dnsConfig"] = dns.clone();
            }
        }
    }
}

/// The desktop pod manifest.
///
/// # Errors
/// [`OrchestratorError::Rejected`] when a volume rule renders a path that could leave its
/// folder.
pub fn desktop_pod(settings: &PodSettings, spec: &DesktopSpec, namespace: &str) -> Result<Value, OrchestratorError> {
    let class = settings.execute_class(&spec.execute_class);
    let env = env_list(settings, spec);
    let built = volumes(settings, spec, namespace)?;
    let mut labels = Map::new();
    for (name, value) in &spec.labels {
        labels.insert(name.clone(), Value::String(label_value(value)));
    }
    for (name, value) in [
        ("abcdesktop/role", "desktop".to_owned()),
        ("access_provider", selector_value(&spec.owner.provider)),
        ("access_providertype", selector_value(&spec.owner.providertype)),
        ("access_userid", selector_value(spec.owner.userid.as_str())),
        ("access_username", label_value(&spec.owner.name).to_lowercase()),
        ("netpol/ocuser", "true".to_owned()),
        ("xauthkey", spec.cookies.xauth_key.expose().to_owned()),
        ("pulseaudio_cookie", spec.cookies.pulseaudio_cookie.expose().to_owned()),
        ("broadcast_cookie", spec.cookies.broadcast_cookie.expose().to_owned()),
        ("type", "x11server".to_owned()),
    ] {
        labels.insert(name.into(), Value::String(value));
    }
    // Every enabled `desktop.pod` entry, containers, services, init and the application
    // runtimes alike (orchestration.md §4.2).
    for kind in settings.types() {
        if settings.enabled(kind, &spec.labels) {
            let port = settings
                .entry(kind)
                .and_then(|e| e.get("tcpport"))
                .and_then(Value::as_u64);
            labels.insert(
                format!("service_{kind}"),
                Value::String(port.map_or_else(|| "enabled".into(), |p| p.to_string())),
            );
        }
    }
    let containers: Vec<Value> = CONTAINER_TYPES
        .iter()
        .filter(|(kind, _)| settings.enabled(kind, &spec.labels))
        .filter_map(|(kind, prefix)| container(settings, spec, kind, &format!("{prefix}-{kind}"), &env, &built, &class))
        .collect();
    let init: Vec<Value> = if settings.enabled("init", &spec.labels) {
        container(settings, spec, "init", "i-init", &env, &built, &class)
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    let pod_spec = settings
        .pod
        .get("spec")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut manifest = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": spec.name, "namespace": namespace, "labels": labels,
                     "annotations": owner_annotations(&spec.owner, Some(lastlogin(spec.now)))},
        "spec": {
            "automountServiceAccountToken": false,
            "subdomain": "desktop",
            "shareProcessNamespace": pod_spec.get("shareProcessNamespace").cloned().unwrap_or(Value::Bool(false)),
            "dnsPolicy": settings.dns_policy.clone().unwrap_or_else(|| "ClusterFirst".into()),
            "volumes": built.volumes,
            "initContainers": init,
            "containers": containers,
            "tolerations": pod_spec.get("tolerations").cloned().unwrap_or_else(|| json!([])),
        },
    });
    apply_network_rule(settings, spec, &mut manifest);
    let pod = &mut manifest["spec"];
    if let Some(context) = security_context(pod_spec.get("securityContext"), &spec.posix) {
        pod["securityContext"] = context;
    }
    if let Some(selector) = class
        .get("nodeSelector")
        .filter(|s| s.as_object().is_some_and(|o| !o.is_empty()))
    {
        pod["nodeSelector"] = selector.clone();
    }
    if let Some(runtime) = class.get("runtimeClassName").filter(|r| r.is_string()) {
        pod["runtimeClassName"] = runtime.clone();
    }
    let pull_secrets = match pod_spec.get("imagePullSecrets") {
        Some(Value::String(name)) => json!([{"name": name}]),
        Some(Value::Object(one)) => json!([one]),
        Some(Value::Array(list)) => Value::Array(list.clone()),
        _ => Value::Null,
    };
    if !pull_secrets.is_null() {
        pod["imagePullSecrets"] = pull_secrets;
    }
    Ok(manifest)
}
