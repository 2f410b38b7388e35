//! The configuration sections.

use super::controllers::{ControllerConfig, default_controllers, merge_controllers};
use super::desktop::{DesktopConfig, FrontConfig};
use super::login_routes::{LogmeinConfig, PreloginConfig};
use super::runtime::{GarbageCollectorConfig, KubernetesConfig, LoggingConfig, MemoryConfig};
use super::stores::{CacheConfig, MaxMindConfig, MongoConfig};
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
    /// MongoDB URL without a database (env `MONGODB_URL`), for `backends.datastore = "mongodb"`.
    pub mongodburl: Option<String>,
    /// Extra MongoDB connection parameters (env `MONGODB_PARAM`), e.g. `replicaSet=rs0`.
    pub mongodbparam: String,
    /// MongoDB timeouts and names.
    pub mongodb: MongoConfig,
    /// The databases `manager/datastore` lists and opens, by pyos's names (pyos's
    /// `mongodblist`); deskplane's own (`deskplane`, `authorizedkeys`) only when named here.
    pub mongodblist: Vec<String>,
    /// Memcached host, or `host:port` (env `MEMCACHESERVER`), for `backends.cache = "memcached"`.
    pub memcacheserver: Option<String>,
    /// Memcached port when `memcacheserver` has none.
    pub memcacheport: u16,
    /// Redis URL (env `REDIS_URL`), for `backends.cache = "redis"`.
    pub redisurl: Option<String>,
    /// Cache timeouts and key prefix.
    pub cache: CacheConfig,
    /// MaxMind databases, for `backends.geolocation = "maxmind"`.
    pub maxmind: MaxMindConfig,
    /// Where JWT keys are generated for the quick start.
    pub keys: KeysConfig,
    /// User token.
    pub jwt_token_user: JwtUserConfig,
    /// Desktop token.
    pub jwt_token_desktop: JwtDesktopConfig,
    /// Ban policy.
    pub fail2ban: Fail2banConfig,
    /// Per-address limits on anonymous logins and desktop creations.
    pub rate_limit: RateLimitConfig,
    /// pyos's `auth.prelogin`: one-time login sessions for some networks.
    pub prelogin: PreloginConfig,
    /// pyos's `auth.logmein`: logins by a client certificate a TLS proxy forwards.
    pub logmein: LogmeinConfig,
    /// pyos's `authorized_keys`: `userid = "<OpenSSH public key>"` listed by
    /// `auth/authorizedkeys` beside the keys `logmein` learns.
    pub authorized_keys: BTreeMap<String, String>,
    /// pyos's `services_http_request_denied`: routes refused unless set to false here
    /// (`autologin`, which takes a password from a form, is refused by default).
    pub services_http_request_denied: BTreeMap<String, bool>,
    /// Limits of `/API/store`.
    pub store: StoreConfig,
    /// Per-controller gates, keyed by pyos class name (`ManagerController`…). Merged per
    /// controller and per key over [`default_controllers`], so a table for one controller
    /// never drops the defaults of another.
    #[serde(deserialize_with = "merge_controllers")]
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
    /// Where the dock's `icon` files are read at start into their `icondata` (pyos:
    /// `img/app` under its working directory).
    pub dock_icons_dir: std::path::PathBuf,
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
            prelogin: PreloginConfig::default(),
            logmein: LogmeinConfig::default(),
            authorized_keys: BTreeMap::new(),
            services_http_request_denied: BTreeMap::from([("autologin".to_owned(), true)]),
            backends: BackendsConfig::default(),
            mongodburl: None,
            mongodblist: [
                "image",
                "fail2ban",
                "loginHistory",
                "applications",
                "profiles",
                "desktop",
            ]
            .map(String::from)
            .to_vec(),
            mongodbparam: String::new(),
            mongodb: MongoConfig::default(),
            memcacheserver: None,
            memcacheport: 11211,
            redisurl: None,
            cache: CacheConfig::default(),
            maxmind: MaxMindConfig::default(),
            keys: KeysConfig::default(),
            jwt_token_user: JwtUserConfig::default(),
            jwt_token_desktop: JwtDesktopConfig::default(),
            fail2ban: Fail2banConfig::default(),
            rate_limit: RateLimitConfig::default(),
            store: StoreConfig::default(),
            controllers: default_controllers(),
            authmanagers: Map::new(),
            desktop: DesktopConfig::default(),
            front: FrontConfig::default(),
            tipsinfo: Value::Object(Map::new()),
            welcomeinfo: Value::Object(Map::new()),
            geolocation: Value::Null,
            executeclasses: Map::new(),
            dock: Map::new(),
            dock_icons_dir: "img/app".into(),
            memory: MemoryConfig::default(),
            kubernetes: KubernetesConfig::default(),
            garbage_collector: GarbageCollectorConfig::default(),
            logging: LoggingConfig::default(),
        }
    }
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
    /// Most connections open at once; 0 picks three quarters of the open-file limit
    /// (at most 10,000). Further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Longest wait for a request's headers, and longest idle keep-alive, seconds.
    pub header_read_timeout_seconds: u64,
    /// Longest wait for a request body once its headers are in, seconds (408 after).
    pub body_read_timeout_seconds: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            socket_host: "127.0.0.1".into(),
            socket_port: 8000,
            geolocation_ipaddr: "127.0.0.1".into(),
            max_request_body_bytes: 2 * 1024 * 1024,
            shutdown_timeout_seconds: 5,
            max_connections: 0,
            header_read_timeout_seconds: 20,
            body_read_timeout_seconds: 30,
        }
    }
}

/// `backends.*`: which adapter backs each port, chosen at boot.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BackendsConfig {
    /// Desktops and applications.
    pub orchestrator: String,
    /// Histories, catalog, profiles, bans, counters: `memory` or `mongodb`.
    pub datastore: String,
    /// Progress messages and short-lived values: `memory`, `memcached` or `redis`.
    pub cache: String,
    /// Ban counters: `datastore` (pyos's `fail2ban` database, the default) or `redis` (the
    /// cache's Redis: a ban check costs microseconds instead of a MongoDB query).
    pub bans: String,
    /// Geolocation and AS numbers: `memory` (a table in the config) or `maxmind`.
    pub geolocation: String,
    /// The tools that build credential artefacts (`auth_protocol`): `system` (the host's
    /// ktutil, NTLM helper and cntlm) or `memory` (fixed fakes, for tests).
    pub credentials: String,
}

impl Default for BackendsConfig {
    fn default() -> Self {
        Self {
            orchestrator: "memory".into(),
            datastore: "memory".into(),
            cache: "memory".into(),
            bans: "datastore".into(),
            geolocation: "memory".into(),
            credentials: "system".into(),
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
    /// IPv6 clients are counted and banned per network of this prefix length (1–128).
    pub ipv6_prefix_length: u8,
    /// Every refused password is answered after at least this many milliseconds, so an
    /// unknown user and a wrong password cannot be told apart by time (0: off).
    pub failed_login_min_ms: u64,
}

impl Default for Fail2banConfig {
    fn default() -> Self {
        Self {
            enable: false,
            failsbeforeban: 5,
            banexpireafterseconds: 1800,
            protectednetworks: Vec::new(),
            ipv6_prefix_length: 64,
            failed_login_min_ms: 250,
        }
    }
}

/// `store.*`: what one user may keep through `/API/store/set`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StoreConfig {
    /// Largest value, as JSON bytes (413 above).
    pub max_value_bytes: usize,
    /// Most keys per user (403 for one more).
    pub max_keys_per_user: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            max_value_bytes: 64 * 1024,
            max_keys_per_user: 64,
        }
    }
}

/// `rate_limit.*`: per client address and minute, 0 for no limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Anonymous logins per address and minute.
    pub anonymous_logins_per_minute: u32,
    /// Desktop creations per address and minute.
    pub desktop_creations_per_minute: u32,
    /// `getauthconfig` calls per address and minute when OAuth providers are configured
    /// (each stores a state per provider in the cache).
    pub oauth_states_per_minute: u32,
    /// Networks never limited (loopback by default: the quick start and benchmarks).
    pub exempt_networks: Vec<String>,
    /// Launches (`launchdesktop`, `auth/login`) per user and minute, from any address (0: off).
    pub launches_per_user_per_minute: u32,
    /// Launches running at once on one replica; more get 429 and `Retry-After: 5` (0: no cap).
    pub max_concurrent_launches: usize,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            anonymous_logins_per_minute: 30,
            desktop_creations_per_minute: 30,
            oauth_states_per_minute: 60,
            exempt_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            launches_per_user_per_minute: 20,
            max_concurrent_launches: 256,
        }
    }
}
