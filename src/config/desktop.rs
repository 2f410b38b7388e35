//! The `desktop.*` and `front.*` sections.

use serde::Deserialize;
use serde_json::{Map, Value};

/// One entry of `desktop.account_groups`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountGroupConfig {
    /// Group name, as the desktop image's `/etc/group` has it.
    pub name: String,
    /// Its gid number.
    pub gid: u32,
}

/// `desktop.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DesktopConfig {
    /// Pod templates per container type (`graphical.tcpport` is read here).
    pub pod: Value,
    /// `user_uniq_labels`, `max_app_counter`, `rules`.
    pub policies: DesktopPoliciesConfig,
    /// Environment of desktops and applications, in order.
    pub envlocal: Map<String, Value>,
    /// Label → extra environment.
    pub envlocalrules: Map<String, Value>,
    /// `read`, `submit`.
    pub features_permissions: Vec<String>,
    /// Front-end background colours.
    pub defaultbackgroundcolors: Vec<String>,
    /// Front-end zoom.
    pub zoom: f64,
    /// Balloon login name.
    pub username: String,
    /// Balloon group name.
    pub groupname: String,
    /// Balloon uid number.
    pub userid: u32,
    /// Balloon gid number.
    pub groupid: u32,
    /// Root of home directories.
    pub homerootdirectory: String,
    /// Login shell (pyos spelt the key `destkop.shell`).
    pub shell: String,
    /// System groups every desktop account is a member of in its group files (pyos's
    /// templates: `sudo` 27 and `lpadmin` 101).
    pub account_groups: Vec<AccountGroupConfig>,
    /// `auto` detects the browser OS family for the desktop theme.
    pub theme: Option<String>,
    /// PulseAudio socket of desktops (`PULSE_SERVER`).
    pub pulseaudiosocketpath: String,
    /// `getdesktopdescription` interface names and ssh text.
    pub description: Map<String, Value>,
    /// Home directory volume: `hostPath`, or anything else for an emptyDir (Kubernetes).
    pub homedirectorytype: Option<String>,
    /// Root of hostPath home directories on the nodes.
    #[serde(rename = "hostPathRoot")]
    pub host_path_root: String,
    /// Mount path of the local-account secret.
    pub secretslocalaccount: String,
    /// Root of secret mount paths.
    pub secretsrootdirectory: String,
    /// Node selector of desktops whose execute class has none.
    pub nodeselector: Map<String, Value>,
    /// Home claim: a claim name, or a `{metadata, spec}` per-user claim template.
    pub persistentvolumeclaim: Option<Value>,
    /// Delete the per-user home claim with the desktop.
    pub removepersistentvolumeclaim: bool,
    /// A `{metadata, spec}` template of the volume each per-user home claim binds to.
    pub persistentvolume: Option<Value>,
    /// Delete that volume with the claim.
    pub removepersistentvolume: bool,
    /// Mount a per-user claim's user folder (`subPath`), not the whole claim. A shared
    /// claim (a name) is always mounted by the user's folder.
    pub persistentvolumeclaimforcesubpath: bool,
    /// Where under the home directory the home volume is mounted (`""`: the home itself).
    pub appendpathtomounthomevolume: String,
    /// Folders of the home kept in memory (`[".cache", ".local"]`), relative to it.
    pub directorytomemoryemptydir: Vec<String>,
    /// Adds `.cache` to `directorytomemoryemptydir`.
    pub homedirdotcachetoemptydir: bool,
    /// The volume of each memory folder (default `{emptyDir = {medium = "Memory", sizeLimit = "8Gi"}}`).
    pub directorytomemory: Option<Value>,
    /// URL-encode the values network rule templates put in webhook commands.
    pub webhookencodeparams: bool,
    /// More values for network rule templates, used as they are.
    pub webhookdict: Map<String, Value>,
    /// A command run in the desktop before each application launch (with `--type
    /// <engine>`) whose JSON answer overrides the application's environment.
    pub overwrite_environment_variable_for_application: Option<String>,
    /// Usage key → cgroup file read in a desktop for `resources_usage` (default: the cgroup
    /// v2 files).
    pub resources_usage_cgroup_map: Option<Map<String, Value>>,
    /// Longest run of one webhook command, seconds.
    pub webhook_timeout_seconds: u64,
    /// Pod `dnsPolicy` of desktops.
    pub dnspolicy: Option<String>,
    /// Pod `dnsConfig` of desktops.
    pub dnsconfig: Option<Value>,
}

impl Default for DesktopConfig {
    fn default() -> Self {
        Self {
            pod: serde_json::json!({"graphical": {"tcpport": 6081}}),
            policies: DesktopPoliciesConfig::default(),
            envlocal: Map::new(),
            envlocalrules: Map::new(),
            features_permissions: Vec::new(),
            defaultbackgroundcolors: ["#6EC6F0", "#333333", "#666666", "#CD3C14", "#4BB4E6", "#50BE87"]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            zoom: 1.0,
            username: "balloon".into(),
            groupname: "balloon".into(),
            userid: 4096,
            groupid: 4096,
            homerootdirectory: "/home".into(),
            shell: "/bin/bash".into(),
            account_groups: vec![
                AccountGroupConfig {
                    name: "sudo".into(),
                    gid: 27,
                },
                AccountGroupConfig {
                    name: "lpadmin".into(),
                    gid: 101,
                },
            ],
            theme: None,
            pulseaudiosocketpath: "/tmp/.pulse.sock".into(),
            description: Map::new(),
            homedirectorytype: None,
            host_path_root: "/mnt".into(),
            secretslocalaccount: "/var/lib/extrausers".into(),
            secretsrootdirectory: "/var/secrets/".into(),
            nodeselector: Map::new(),
            persistentvolumeclaim: None,
            removepersistentvolumeclaim: false,
            persistentvolume: None,
            removepersistentvolume: false,
            persistentvolumeclaimforcesubpath: false,
            appendpathtomounthomevolume: String::new(),
            directorytomemoryemptydir: Vec::new(),
            homedirdotcachetoemptydir: false,
            directorytomemory: None,
            webhookencodeparams: false,
            webhookdict: Map::new(),
            webhook_timeout_seconds: 60,
            resources_usage_cgroup_map: None,
            overwrite_environment_variable_for_application: None,
            dnspolicy: None,
            dnsconfig: None,
        }
    }
}

impl DesktopConfig {
    /// `resources_usage_cgroup_map`, or the cgroup v2 files.
    pub fn resources_usage_cgroup_map(&self) -> Vec<(String, String)> {
        match &self.resources_usage_cgroup_map {
            Some(map) => map
                .iter()
                .filter_map(|(key, path)| Some((key.clone(), path.as_str()?.to_owned())))
                .collect(),
            None => crate::domain::desktop::default_cgroup_map(),
        }
    }

    /// `desktop.policies.rules.network` with the template settings.
    pub fn network_rules(&self) -> crate::domain::desktop::network::NetworkRules {
        crate::domain::desktop::network::NetworkRules {
            rules: self
                .policies
                .rules
                .get("network")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            encode_values: self.webhookencodeparams,
            extra_values: self.webhookdict.clone(),
        }
    }

    /// The home folders kept in memory: `directorytomemoryemptydir`, with `.cache` when
    /// `homedirdotcachetoemptydir` asks for it, each once.
    pub fn memory_folders(&self) -> Vec<String> {
        let mut folders: Vec<String> = Vec::new();
        let dot_cache = self.homedirdotcachetoemptydir.then(|| ".cache".to_owned());
        for folder in self.directorytomemoryemptydir.iter().cloned().chain(dot_cache) {
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
        folders
    }

    /// `desktop.pod.graphical.tcpport`, the websocket port.
    pub fn graphical_tcpport(&self) -> u16 {
        self.pod
            .pointer("/graphical/tcpport")
            .and_then(Value::as_u64)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(6081)
    }
}

/// `desktop.policies.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DesktopPoliciesConfig {
    /// Labels that must match for a running desktop to be reused.
    pub user_uniq_labels: Option<Vec<String>>,
    /// Most applications Running or Waiting at once.
    pub max_app_counter: Option<usize>,
    /// Volume and network rules (used by the Kubernetes orchestrator).
    pub rules: Value,
}

/// `front.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FrontConfig {
    /// Menu switches.
    pub menuconfig: Value,
    /// Pull notifications per engine.
    pub imagenotification: Value,
}

impl Default for FrontConfig {
    fn default() -> Self {
        Self {
            menuconfig: serde_json::json!({"settings": true, "appstore": true, "screenshot": true, "logout": true, "disconnect": true}),
            imagenotification: serde_json::json!({"ephemeral_container": false, "pod_application": false}),
        }
    }
}
