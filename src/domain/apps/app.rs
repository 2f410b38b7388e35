//! A catalog entry, parsed from a `docker inspect` or CRI inspect document (orchestration.md §7.1).

use crate::domain::acl::Acl;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How an application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// An ephemeral container inside the desktop pod.
    #[default]
    EphemeralContainer,
    /// A pod of its own.
    PodApplication,
}

impl Engine {
    /// pyos's name of the engine.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EphemeralContainer => "ephemeral_container",
            Self::PodApplication => "pod_application",
        }
    }
}

/// One application image of the catalog. Field names are pyos's, so the manager routes
/// return the same documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    /// First repo tag, e.g. `abcdesktopio/firefox.d:3.0`.
    pub id: String,
    /// Image id (`sha256:…`).
    pub sha_id: String,
    /// CPU architecture.
    pub architecture: Option<String>,
    /// OS.
    pub os: Option<String>,
    /// Image creation time.
    pub created: Option<String>,
    /// Entry command.
    pub cmd: Vec<String>,
    /// `oc.path`.
    pub path: Option<String>,
    /// Basename of `oc.path`.
    pub executablefilename: Option<String>,
    /// X11 WM_CLASS (`oc.launch`, else `oc.wm_class`).
    pub launch: String,
    /// `oc.name`.
    pub name: String,
    /// Icon file name.
    pub icon: String,
    /// Base64 icon.
    pub icondata: Option<String>,
    /// Display name.
    pub displayname: String,
    /// Search keywords.
    pub keyword: Option<String>,
    /// Single-instance key.
    pub uniquerunkey: Option<String>,
    /// Category.
    pub cat: Option<String>,
    /// Default arguments.
    pub args: Option<String>,
    /// Execution mode.
    pub execmode: Option<String>,
    /// Where it shows (`dock`…).
    pub showinview: Option<String>,
    /// Home directory option.
    pub home: Option<String>,
    /// `.desktop` file.
    pub desktopfile: Option<String>,
    /// Execute class.
    pub executeclassname: Option<String>,
    /// MIME types it opens.
    pub mimetype: Vec<String>,
    /// File extensions it opens.
    pub fileextensions: Vec<String>,
    /// Legacy file extensions.
    pub legacyfileextensions: Vec<String>,
    /// Default application for its MIME types.
    pub usedefaultapplication: bool,
    /// Per-app rules (`homedir`, `network`, `volumes`).
    pub rules: Value,
    /// Access control list.
    pub acl: Value,
    /// Secret types it needs, `<namespace>/<kind>`.
    pub secrets_requirement: Vec<String>,
    /// Security context overrides.
    pub securitycontext: Value,
    /// Engine.
    pub containerengine: Engine,
    /// Pull policy.
    pub image_pull_policy: String,
    /// Pull secrets.
    pub image_pull_secrets: Option<String>,
}

/// The attributes `getuserapplist` exposes.
pub const PUBLIC_ATTRIBUTES: [&str; 21] = [
    "id",
    "launch",
    "name",
    "icon",
    "icondata",
    "keyword",
    "uniquerunkey",
    "cat",
    "args",
    "execmode",
    "showinview",
    "displayname",
    "mimetype",
    "path",
    "desktopfile",
    "sha_id",
    "created",
    "executablefilename",
    "os",
    "secrets_requirement",
    "architecture",
];

impl App {
    /// Converts one image description (Docker or CRI inspect). `None` when it lacks a repo
    /// tag, an id, `oc.launch`/`oc.wm_class`, `oc.name` or `oc.icon`: such images are not
    /// applications. `namespace` prefixes secret requirements.
    pub fn from_image(image: &Value, namespace: &str) -> Option<Self> {
        let (tags, sha, labels, cmd, config_root) = if image.get("RepoTags").is_some() {
            (
                image.get("RepoTags")?,
                image.get("Id")?,
                image.pointer("/Config/Labels")?,
                image.pointer("/Config/Cmd"),
                image,
            )
        } else {
            (
                image.pointer("/status/repoTags")?,
                image.pointer("/status/id")?,
                image.pointer("/info/imageSpec/config/Labels")?,
                image.pointer("/info/imageSpec/config/Cmd"),
                image.pointer("/info/imageSpec")?,
            )
        };
        let labels = labels.as_object()?;
        // An application needs a name to run by and an image id.
        let id = tags
            .as_array()?
            .first()?
            .as_str()
            .filter(|id| !id.is_empty())?
            .to_owned();
        let sha_id = sha.as_str().filter(|sha| !sha.is_empty())?.to_owned();
        let label = |key: &str| {
            labels
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let launch = label("oc.launch").or_else(|| label("oc.wm_class"))?;
        let name = label("oc.name")?;
        let icon = label("oc.icon")?;
        let path = label("oc.path");
        let mut command: Vec<String> = match cmd {
            Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        };
        if command.is_empty() {
            command.push("/composer/appli-dockerentrypoint.sh".into());
        } else if command == ["bash"] {
            command.push("/composer/appli-docker-entrypoint.sh".into());
        }
        let root_text = |key: &str| config_root.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            executablefilename: path.as_deref().map(|p| p.rsplit('/').next().unwrap_or(p).to_owned()),
            displayname: label("oc.displayname").unwrap_or_else(|| name.clone()),
            keyword: label("oc.keyword"),
            uniquerunkey: label("oc.uniquerunkey"),
            cat: label("oc.cat"),
            args: label("oc.args"),
            execmode: label("oc.execmode"),
            showinview: label("oc.showinview"),
            home: label("oc.home"),
            desktopfile: label("oc.desktopfile"),
            executeclassname: label("oc.executeclassname"),
            mimetype: split_list(label("oc.mimetype")),
            fileextensions: split_list(label("oc.fileextensions")),
            legacyfileextensions: split_list(label("oc.legacyfileextensions")),
            usedefaultapplication: json_label(labels, "oc.usedefaultapplication")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            rules: json_label(labels, "oc.rules")
                .filter(Value::is_object)
                .unwrap_or_else(|| Value::Object(Map::new())),
            acl: json_label(labels, "oc.acl")
                .filter(|v| Acl::from_json(v).is_some())
                .unwrap_or_else(|| serde_json::json!({"permit": ["all"]})),
            secrets_requirement: secrets_requirement(labels.get("oc.secrets_requirement"), namespace),
            securitycontext: json_label(labels, "oc.securitycontext")
                .filter(Value::is_object)
                .unwrap_or_else(|| Value::Object(Map::new())),
            containerengine: match label("oc.containerengine").as_deref() {
                Some("pod_application") => Engine::PodApplication,
                _ => Engine::EphemeralContainer,
            },
            image_pull_policy: label("image_pull_policy").unwrap_or_else(|| "IfNotPresent".into()),
            image_pull_secrets: label("image_pull_secrets"),
            architecture: root_text("Architecture").or_else(|| root_text("architecture")),
            os: root_text("Os").or_else(|| root_text("os")),
            created: root_text("Created").or_else(|| root_text("created")),
            icondata: label("oc.icondata"),
            cmd: command,
            id,
            sha_id,
            launch,
            name,
            icon,
            path,
        })
    }

    /// The ACL of the app (permit-all when the stored one is unusable).
    pub fn acl(&self) -> Acl {
        Acl::from_json(&self.acl).unwrap_or_else(Acl::permit_all)
    }

    /// The public view returned by `getuserapplist` (every public attribute, null when unset).
    pub fn public_view(&self) -> Value {
        let full = serde_json::to_value(self).unwrap_or(Value::Null);
        let object: Map<String, Value> = PUBLIC_ATTRIBUTES
            .iter()
            .map(|key| ((*key).to_owned(), full.get(*key).cloned().unwrap_or(Value::Null)))
            .collect();
        Value::Object(object)
    }
}

fn split_list(text: Option<String>) -> Vec<String> {
    text.map(|t| {
        t.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// A label whose value is JSON, either as text or already decoded.
fn json_label(labels: &Map<String, Value>, key: &str) -> Option<Value> {
    match labels.get(key)? {
        Value::String(text) => serde_json::from_str(text).ok(),
        other => Some(other.clone()),
    }
}

fn secrets_requirement(value: Option<&Value>, namespace: &str) -> Vec<String> {
    let parsed = match value {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let entries: Vec<String> = match parsed {
        Value::String(one) => vec![one],
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .map(|entry| {
            if entry.starts_with(&format!("{namespace}/")) {
                entry
            } else {
                format!("{namespace}/{entry}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../shared/fixtures/apps/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str::<Value>(&text).unwrap()[0].clone()
    }

    #[test]
    fn firefox_is_parsed_from_its_docker_inspect() {
        let app = App::from_image(&fixture("firefox.d.3.0.json"), "abcdesktop").expect("firefox is an app");
        assert_eq!(app.id, "abcdesktopio/firefox.d:3.0");
        assert_eq!(app.name, "Firefox");
        assert_eq!(app.launch, "Navigator.Firefox-esr");
        assert_eq!(app.executablefilename.as_deref(), Some("firefox"));
        assert_eq!(app.containerengine, Engine::EphemeralContainer);
        assert!(app.mimetype.contains(&"text/html".to_owned()));
        assert!(app.usedefaultapplication);
        assert_eq!(app.rules["homedir"]["default"], true);
        assert_eq!(app.cmd, ["/composer/appli-docker-entrypoint.sh"]);
        assert!(app.acl().allows(&Default::default()));
    }

    #[test]
    fn every_shipped_fixture_is_an_app() {
        for name in [
            "2048.d.3.0.json",
            "calc.d.3.0.json",
            "gedit.d.3.0.json",
            "writer.d.3.0.json",
            "xterm.d.3.0.json",
        ] {
            let app = App::from_image(&fixture(name), "abcdesktop").unwrap_or_else(|| panic!("{name}"));
            let view = app.public_view();
            assert_eq!(view.as_object().unwrap().len(), PUBLIC_ATTRIBUTES.len(), "{name}");
        }
    }

    #[test]
    fn images_without_the_oc_labels_are_not_apps() {
        let plain = serde_json::json!({"RepoTags": ["busybox:latest"], "Id": "sha256:1", "Config": {"Labels": {}}});
        assert!(App::from_image(&plain, "abcdesktop").is_none());
        assert!(App::from_image(&serde_json::json!({"RepoTags": []}), "abcdesktop").is_none());
        assert!(App::from_image(&serde_json::json!("text"), "abcdesktop").is_none());
    }
}
