//! What handlers share: the domain services and settings built once at boot.

use super::pipeline::client_address::ClientAddressPolicy;
use super::pipeline::gate::Gates;
use crate::domain::apps::ApplicationService;
use crate::domain::auth::SessionService;
use crate::domain::desktop::DesktopService;
use crate::domain::profile::ProfileService;
use crate::ports::{Accounting, Geolocation};
use serde_json::{Map, Value};
use std::net::IpAddr;
use std::sync::Arc;

/// Documents returned by `core/getkeyinfo`, rendered once at boot.
#[derive(Debug, Clone, Default)]
pub struct KeyInfo {
    /// `colors`.
    pub colors: Value,
    /// `menuconfig`.
    pub menuconfig: Value,
    /// `geolocation`.
    pub geolocation: Value,
    /// `zoom`.
    pub zoom: Value,
    /// `tipsinfo`.
    pub tipsinfo: Value,
    /// `welcomeinfo`.
    pub welcomeinfo: Value,
    /// `imagenotificationconfig`.
    pub imagenotificationconfig: Value,
    /// `features_permissions_executeclasses` (null unless `read` is permitted).
    pub executeclasses: Value,
}

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body.
    pub max_request_body: usize,
    /// Longest response body written to the trace.
    pub max_log_body_size: usize,
    /// Supported locales.
    pub languages: Vec<String>,
    /// `getkeyinfo` documents.
    pub keyinfo: KeyInfo,
    /// Whether `features` may be sent at login (`submit` permission).
    pub features_submit: bool,
    /// `services_http_request_denied.autologin`: `auth/autologin` is refused.
    pub autologin_denied: bool,
    /// Address whose location is the server's.
    pub server_geolocation_ip: IpAddr,
    /// `desktop.description`.
    pub desktop_description: Map<String, Value>,
    /// `core/version` document.
    pub version: Value,
    /// Connection cap and header-read timeout.
    pub connections: super::server::ConnectionLimits,
    /// Longest wait for a request body once its headers are read.
    pub body_read_timeout: std::time::Duration,
    /// Where the OAuth callback page sends the browser back to (`default_host_url`, or `/`).
    pub default_host_url: String,
}

/// The state of the HTTP layer.
pub struct AppState {
    /// Background work (scheduled GC) that lives as long as the server.
    pub background: crate::background::BackgroundTasks,
    /// Logins, tokens and guards.
    pub sessions: SessionService,
    /// Desktops.
    pub desktops: Arc<DesktopService>,
    /// Applications.
    pub apps: Arc<ApplicationService>,
    /// Profiles.
    pub profiles: ProfileService,
    /// Counters.
    pub accounting: Arc<dyn Accounting>,
    /// States of the OAuth authorization URLs handed out.
    pub oauth_states: crate::domain::auth::OAuthStates,
    /// The backends `/API/readyz` asks (none with the memory backends).
    pub readiness: Vec<Arc<dyn crate::ports::HealthCheck>>,
    /// Tells this replica's progress streams of its launches' progress writes (key, message).
    pub progress_writes: tokio::sync::broadcast::Sender<(String, String)>,
    /// Counters and histograms served at `GET /metrics`.
    pub metrics: Arc<dyn crate::ports::Metrics>,
    /// The backends whose queued writes are made when the server stops.
    pub write_behind: Vec<Arc<dyn crate::ports::WriteBehind>>,
    /// Geolocation.
    pub geolocation: Arc<dyn Geolocation>,
    /// Client address resolution.
    pub addresses: ClientAddressPolicy,
    /// Controller gates.
    pub gates: Gates,
    /// The prelogin page template, when prelogin is on.
    pub prelogin_page: Option<PreloginPage>,
    /// `logmein`, when on.
    pub logmein: Option<LogmeinSettings>,
    /// Keys listed by `auth/authorizedkeys`.
    pub authorized_keys: Arc<crate::domain::auth::AuthorizedKeys>,
    /// `manager/user`.
    pub user_history: crate::domain::user_history::UserHistory,
    /// `manager/datastore`.
    pub datastore: crate::domain::datastore::DatastoreService,
    /// RSA key offers (`key/key`).
    pub key_offers: crate::domain::key_offer::KeyOffers,
    /// The replicas serving this API (`manager/pyosendpoints`).
    pub replicas: crate::domain::replicas::Replicas,
    /// This process's listener, set once bound.
    pub listening: Arc<std::sync::OnceLock<std::net::SocketAddr>>,
    /// Settings.
    pub settings: HttpSettings,
}

/// The page `auth/prelogin` serves.
#[derive(Debug, Clone)]
pub struct PreloginPage {
    /// The template, read once at start.
    pub template: String,
    /// The page's refresh timer, seconds.
    pub refresh_timeout: u64,
}

/// `logmein` as configured.
#[derive(Debug, Clone)]
pub struct LogmeinSettings {
    /// Proxies allowed to call it; empty: the trusted proxies.
    pub networks: Vec<ipnet::IpNet>,
    /// The certificate header.
    pub header: Option<String>,
    /// Whether `userid` may come from the query string.
    pub permit_querystring: bool,
    /// Subject OIDs tried for the user id.
    pub oids: Vec<String>,
}
