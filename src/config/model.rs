//! The configuration sections.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Public URL of the service (`Refresh` targets, websocket routing).
    pub default_host_url: Option<String>,
    /// `http_origin` (default), `default_host_url`, `bridge`, `host` or `http_host`.
    pub websocketrouting: String,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxy_cidr: Vec<String>,
    /// Longest response body written to the trace log, bytes.
    pub max_log_body_size: usize,
    /// Namespace of desktops and secrets (env `POD_NAMESPACE` wins).
    pub namespace: String,
    /// Supported locales.
    pub language: Vec<String>,
    /// Listener and request limits.
    pub server: ServerConfig,
    /// Which adapter backs each port.
    pub backends: BackendsConfig,
    /// Where JWT keys are generated for the quick start.
    pub keys: KeysConfig,
    /// User token.
    pub jwt_token_user: JwtUserConfig,
    /// Desktop token.
    pub jwt_token_desktop: JwtDesktopConfig,
    /// Ban policy.
    pub fail2ban: Fail2banConfig,
    /// Per-controller gates, keyed by pyos class name (`ManagerController`…).
    pub controllers: BTreeMap<String, ControllerConfig>,
    /// Authentication managers and their providers (parsed by [`super::parse_managers`]).
    pub authmanagers: Map<String, Value>,
    /// Desktop settings.
    pub desktop: DesktopConfig,
    /// Front-end settings returned by `getkeyinfo`.
    pub front: FrontConfig,
    /// `getkeyinfo` `tipsinfo`.
    pub tipsinfo: Value,
    /// `getkeyinfo` `welcomeinfo`.
    pub welcomeinfo: Value,
    /// `getkeyinfo` `geolocation` (browser geolocation options).
    pub geolocation: Value,
    /// Execute classes (`default` is always present).
    pub executeclasses: Map<String, Value>,
    /// Dock applications shown before catalog apps.
    pub dock: Map<String, Value>,
    /// Settings of the memory backends.
    pub memory: MemoryConfig,
    /// Settings of the Kubernetes orchestrator.
    pub kubernetes: KubernetesConfig,
    /// The scheduled garbage collector.
    pub garbage_collector: GarbageCollectorConfig,
    /// Logging.
    pub logging: LoggingConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            default_host_url: None,
            websocketrouting: "http_origin".into(),
            trusted_proxy_cidr: Vec::new(),
            max_log_body_size: 2048,
            namespace: "abcdesktop".into(),
            language: vec!["en_US".into()],
            server: ServerConfig::default(),
            backends: BackendsConfig::default(),
            keys: KeysConfig::default(),
            jwt_token_user: JwtUserConfig::default(),
            jwt_token_desktop: JwtDesktopConfig::default(),
            fail2ban: Fail2banConfig::default(),
            controllers: default_controllers(),
            authmanagers: Map::new(),
            desktop: DesktopConfig::default(),
            front: FrontConfig::default(),
            tipsinfo: Value::Object(Map::new()),
            welcomeinfo: Value::Object(Map::new()),
            geolocation: Value::Null,
            executeclasses: Map::new(),
            dock: Map::new(),
            memory: MemoryConfig::default(),
            kubernetes: KubernetesConfig::default(),
            garbage_collector: GarbageCollectorConfig::default(),
            logging: LoggingConfig::default(),
        }
    }
}

/// pyos's default when `controllers` is absent: the manager API only from private ranges.
pub fn default_controllers() -> BTreeMap<String, ControllerConfig> {
    let private = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fd00::/8",
        "169.254.0.0/16",
        "127.0.0.0/8",
    ];
    BTreeMap::from([(
        "ManagerController".to_owned(),
        ControllerConfig {
            permitip: Some(private.iter().map(|s| (*s).to_owned()).collect()),
            ..ControllerConfig::default()
        },
    )])
}

/// `server.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Listen address (`--listen` and `SERVER_HOST` override).
    pub socket_host: String,
    /// Listen port (`--listen` and `SERVER_PORT` override).
    pub socket_port: u16,
    /// Address whose location `user/getlocation` reports as the server's.
    pub geolocation_ipaddr: String,
    /// Largest accepted request body, bytes (413 above).
    pub max_request_body_bytes: usize,
    /// Seconds given to in-flight requests at shutdown.
    pub shutdown_timeout_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            socket_host: "127.0.0.1".into(),
            socket_port: 8000,
            geolocation_ipaddr: "127.0.0.1".into(),
            max_request_body_bytes: 2 * 1024 * 1024,
            shutdown_timeout_seconds: 5,
        }
    }
}

/// `backends.*`: adapter names. Only `memory` exists so far.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BackendsConfig {
    /// Desktops and applications.
    pub orchestrator: String,
    /// Histories, catalog, profiles, bans, counters.
    pub datastore: String,
    /// Progress messages and short-lived values.
    pub cache: String,
    /// Geolocation and AS numbers.
    pub geolocation: String,
}

impl Default for BackendsConfig {
    fn default() -> Self {
        Self {
            orchestrator: "memory".into(),
            datastore: "memory".into(),
            cache: "memory".into(),
            geolocation: "memory".into(),
        }
    }
}

/// `keys.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct KeysConfig {
    /// Directory of generated keys, used for every key file not configured explicitly.
    pub directory: Option<PathBuf>,
    /// Generate the keys at start-up when the directory lacks them.
    pub generate: bool,
}

/// `jwt_token_user.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JwtUserConfig {
    /// Lifetime, seconds.
    pub exp: i64,
    /// Clock skew tolerance, seconds.
    pub leeway: i64,
    /// Signing key (PEM).
    pub jwtuserprivatekeyfile: Option<PathBuf>,
    /// Verification key (PEM).
    pub jwtuserpublickeyfile: Option<PathBuf>,
}

impl Default for JwtUserConfig {
    fn default() -> Self {
        Self {
            exp: 180,
            leeway: 20,
            jwtuserprivatekeyfile: None,
            jwtuserpublickeyfile: None,
        }
    }
}

/// `jwt_token_desktop.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JwtDesktopConfig {
    /// Lifetime, seconds.
    pub exp: i64,
    /// Signing key (PEM).
    pub jwtdesktopprivatekeyfile: Option<PathBuf>,
    /// Verification key (PEM), used by the router, not by deskplane.
    pub jwtdesktoppublickeyfile: Option<PathBuf>,
    /// Public key sealing the desktop address (PEM, SPKI or PKCS#1).
    pub payloaddesktoppublickeyfile: Option<PathBuf>,
}

impl Default for JwtDesktopConfig {
    fn default() -> Self {
        Self {
            exp: 180,
            jwtdesktopprivatekeyfile: None,
            jwtdesktoppublickeyfile: None,
            payloaddesktoppublickeyfile: None,
        }
    }
}

/// `fail2ban.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Fail2banConfig {
    /// Master switch.
    pub enable: bool,
    /// Failures before a ban.
    pub failsbeforeban: u32,
    /// Ban duration and counting window, seconds after the last failure.
    pub banexpireafterseconds: i64,
    /// Networks never counted.
    pub protectednetworks: Vec<String>,
}

impl Default for Fail2banConfig {
    fn default() -> Self {
        Self {
            enable: false,
            failsbeforeban: 5,
            banexpireafterseconds: 1800,
            protectednetworks: Vec::new(),
        }
    }
}

/// `controllers.<Name>.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ControllerConfig {
    /// `false` refuses every gated route with 403.10.
    pub enable: bool,
    /// Allowed client networks; absent means everyone.
    pub permitip: Option<Vec<String>>,
    /// Accepted `X-API-Key` values; absent means no key needed.
    pub apikey: Option<Vec<String>>,
    /// Per-route switches; only an explicit `false` denies.
    pub requestsallowed: Option<BTreeMap<String, bool>>,
    /// Manager datastore permissions (`get`/`read`, `put`/`write`, `delete`).
    pub database_acl: Vec<String>,
    /// StoreController: defaults returned by `store/get`.
    pub wrapped_key: Map<String, Value>,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            enable: true,
            permitip: None,
            apikey: None,
            requestsallowed: None,
            database_acl: Vec::new(),
            wrapped_key: Map::new(),
        }
    }
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
            dnspolicy: None,
            dnsconfig: None,
        }
    }
}

impl DesktopConfig {
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

/// `memory.*`: the simulation behind the memory backends.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MemoryConfig {
    /// How long a simulated desktop takes to start, milliseconds.
    pub start_delay_ms: u64,
    /// First address handed to simulated desktops.
    pub first_address: String,
    /// Node name of simulated desktops.
    pub node: String,
    /// Geolocation table.
    pub geolocation: Vec<MemoryGeolocationConfig>,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            start_delay_ms: 0,
            first_address: "10.244.0.10".into(),
            node: "memory-node".into(),
            geolocation: Vec::new(),
        }
    }
}

/// One network of the memory geolocation table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MemoryGeolocationConfig {
    /// CIDR.
    pub network: String,
    /// Country.
    pub country: Option<String>,
    /// ISO code.
    pub country_code: Option<String>,
    /// Time zone.
    pub timezone: Option<String>,
    /// `[latitude, longitude]`.
    pub location: Option<[f64; 2]>,
    /// AS number.
    pub autonomous_system_number: Option<u32>,
    /// AS organisation.
    pub autonomous_system_organization: Option<String>,
}

/// `logging.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// Filter, `tracing` syntax (`info`, `deskplane=debug`); env `RUST_LOG` wins.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// `kubernetes.*`: the Kubernetes orchestrator (`backends.orchestrator = "kubernetes"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct KubernetesConfig {
    /// Kubeconfig file; absent: in-cluster configuration, else `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// Longest wait for a desktop pod to run (pyos `K8S_CREATE_POD_TIMEOUT_SECONDS`).
    pub create_pod_timeout_seconds: u64,
    /// Lease that elects the replica running the scheduled garbage collector.
    pub lease_name: String,
    /// Keep a watched cache of pods (desktop list, finished application pods).
    pub watch: bool,
    /// Longest wait for a per-user home claim to bind (pyos `K8S_BOUND_PVC_TIMEOUT_SECONDS`).
    pub bound_pvc_timeout_seconds: u64,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            create_pod_timeout_seconds: 300,
            lease_name: "deskplane-garbage-collector".into(),
            watch: true,
            bound_pvc_timeout_seconds: 60,
        }
    }
}

/// `garbage_collector.*`: removing idle desktops on a schedule (pyos ran a CronJob calling
/// `manager/garbagecollector`; the route still exists).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GarbageCollectorConfig {
    /// Seconds between runs; 0 turns the schedule off.
    pub interval_seconds: u64,
    /// Idle seconds before a desktop nobody is connected to is removed.
    pub expirein_seconds: i64,
    /// Remove idle desktops even when someone is connected.
    pub force: bool,
}

impl Default for GarbageCollectorConfig {
    fn default() -> Self {
        Self {
            interval_seconds: 0,
            expirein_seconds: 900,
            force: false,
        }
    }
}
