//! Sections of the login routes beside `auth/auth`: `prelogin.*` and `logmein.*`
//! (pyos's `auth.prelogin` and `auth.logmein`).

use serde::Deserialize;

/// `prelogin.*` (pyos `auth.prelogin`): clients on `network_list`, or sending
/// `http_attribut_to_force_auth_prelogin`, must log in with a session id the page served by
/// `GET /API/auth/prelogin` carries.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PreloginConfig {
    /// Feature switch.
    pub enable: bool,
    /// The page template (mustache-style `{{loginsessionid}}`, `{{cuid}}`, `{{base_url}}`,
    /// `{{refresh_timeout}}`): a file path or an http(s) URL, read once at start.
    pub url: Option<String>,
    /// Networks for which prelogin is mandatory.
    pub network_list: Vec<String>,
    /// A header whose value replaces the `userid` parameter (an SSO proxy's).
    pub http_attribut: Option<String>,
    /// A header whose presence makes prelogin mandatory.
    pub http_attribut_to_force_auth_prelogin: Option<String>,
    /// Session lifetime, seconds.
    pub maxprelogintimeout: u64,
    /// Subtracted from the lifetime for the page's refresh timer, seconds.
    pub timetoloadthewebpage: u64,
}

impl Default for PreloginConfig {
    fn default() -> Self {
        Self {
            enable: false,
            url: None,
            network_list: Vec::new(),
            http_attribut: None,
            http_attribut_to_force_auth_prelogin: None,
            maxprelogintimeout: 120,
            timetoloadthewebpage: 5,
        }
    }
}

/// `logmein.*` (pyos `auth.logmein`): `GET /API/auth/logmein?provider=…` logs in the user a
/// TLS proxy names, from the client certificate it forwards in `http_attribut`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogmeinConfig {
    /// Feature switch.
    pub enable: bool,
    /// The proxies allowed to call it (TCP peers); empty: the `trusted_proxy_cidr` ones.
    pub network_list: Vec<String>,
    /// The header carrying the URL-escaped PEM certificate.
    pub http_attribut: Option<String>,
    /// Take `userid` from the query string when no certificate names one.
    pub permit_querystring: bool,
    /// Subject attributes tried in order for the user id (UID, then CN).
    pub oid_list: Vec<String>,
}

impl Default for LogmeinConfig {
    fn default() -> Self {
        Self {
            enable: false,
            network_list: Vec::new(),
            http_attribut: None,
            permit_querystring: false,
            oid_list: vec!["0.9.2342.19200300.100.1.1".into(), "2.5.4.3".into()],
        }
    }
}
