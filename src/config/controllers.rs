//! `controllers.*`: the per-controller gates (pyos's `controllers` dict), merged key by key
//! over deskplane's defaults.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A `[controllers.X]` table as written: absent keys keep the controller's default.
#[derive(Debug, Default, Deserialize)]
struct ControllerOverride {
    enable: Option<bool>,
    permitip: Option<Vec<String>>,
    apikey: Option<Vec<String>>,
    requestsallowed: Option<BTreeMap<String, bool>>,
    database_acl: Option<Vec<String>>,
    wrapped_key: Option<Map<String, Value>>,
}

/// Overlays the configured controllers on [`default_controllers`], key by key. pyos
/// replaced nothing either: it applied the manager default whenever the manager was
/// missing; deskplane extends that to every key of every controller.
pub(super) fn merge_controllers<'de, D>(deserializer: D) -> Result<BTreeMap<String, ControllerConfig>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let configured = BTreeMap::<String, ControllerOverride>::deserialize(deserializer)?;
    let mut merged = default_controllers();
    for (name, given) in configured {
        let slot = merged.entry(name).or_default();
        if let Some(enable) = given.enable {
            slot.enable = enable;
        }
        if given.permitip.is_some() {
            slot.permitip = given.permitip;
        }
        if given.apikey.is_some() {
            slot.apikey = given.apikey;
        }
        if given.requestsallowed.is_some() {
            slot.requestsallowed = given.requestsallowed;
        }
        if let Some(acl) = given.database_acl {
            slot.database_acl = acl;
        }
        if let Some(wrapped) = given.wrapped_key {
            slot.wrapped_key = wrapped;
        }
    }
    Ok(merged)
}

/// The networks the operator routes answer by default: private ranges and loopback.
const PRIVATE_NETWORKS: [&str; 6] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fd00::/8",
    "169.254.0.0/16",
    "127.0.0.0/8",
];

/// The gated controllers and their defaults. pyos defaulted only the manager; its
/// documentation restricts accounting too, which deskplane does. `ComposerController`
/// gates only `getdesktopdescription`, a user route, so it is open by default. A gated
/// controller missing here is denied (see `http::pipeline::gate`).
pub fn default_controllers() -> BTreeMap<String, ControllerConfig> {
    let private = || ControllerConfig {
        permitip: Some(PRIVATE_NETWORKS.iter().map(|s| (*s).to_owned()).collect()),
        ..ControllerConfig::default()
    };
    BTreeMap::from([
        ("ManagerController".to_owned(), private()),
        ("AccountingController".to_owned(), private()),
        ("MetricsController".to_owned(), private()),
        // pyos left key generation open to anyone: seconds of CPU a request.
        ("KeyController".to_owned(), private()),
        ("ComposerController".to_owned(), ControllerConfig::default()),
    ])
}

/// One scoped API key: `{sha256 = "<hex of SHA-256(key)>", scopes = ["read", "bans"]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScopedKeyConfig {
    /// Lowercase hex of the key's SHA-256 (`printf %s KEY | sha256sum`).
    pub sha256: String,
    /// `read` (every GET), `desktops` (remove desktops, collect), `images` (change the
    /// catalog), `bans` (ban and lift), `admin` (everything).
    pub scopes: Vec<String>,
}

/// The scopes a scoped key may hold.
pub const API_KEY_SCOPES: [&str; 5] = ["read", "desktops", "images", "bans", "admin"];

/// `controllers.<Name>.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ControllerConfig {
    /// `false` refuses every gated route with 403.10.
    pub enable: bool,
    /// Allowed client networks; absent means everyone.
    pub permitip: Option<Vec<String>>,
    /// Accepted `X-API-Key` values (full access); absent means no key needed.
    pub apikey: Option<Vec<String>>,
    /// deskplane's scoped keys: the SHA-256 (hex) of each key, so the file holds no usable
    /// secret, and what it may do. When any is given, a key is needed.
    pub apikeys: Vec<ScopedKeyConfig>,
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
            apikeys: Vec::new(),
            requestsallowed: None,
            database_acl: Vec::new(),
            wrapped_key: Map::new(),
        }
    }
}
