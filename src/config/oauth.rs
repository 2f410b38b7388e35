//! The keys of an external (OAuth2 / OpenID Connect) provider (auth.md §4.4), at the
//! provider's level as in pyos.

use serde::Deserialize;
use serde_json::{Map, Value};

/// OAuth2 settings of one external provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct OAuthProviderConfig {
    /// Client id.
    pub client_id: String,
    /// Client secret, or `file://<path>` (its first line).
    pub client_secret: String,
    /// Scopes: a list or one space-separated string.
    pub scope: Value,
    /// An OpenID issuer: its discovery document gives the three endpoints below.
    pub issuer: Option<String>,
    /// Authorization endpoint.
    pub authorization_base_url: Option<String>,
    /// Token endpoint.
    pub token_url: Option<String>,
    /// Userinfo endpoint.
    pub userinfo_url: Option<String>,
    /// Callback URL, e.g. `https://desk.example/API/auth/oauth`.
    pub redirect_uri_prefix: Option<String>,
    /// Its query, e.g. `manager=external&provider=google`.
    pub redirect_uri_querystring: Option<String>,
    /// Remapping of the userinfo JSON (pyos's `userinfomap`).
    pub userinfomap: Option<Map<String, Value>>,
    /// Send the client credentials in the token request body instead of HTTP Basic.
    pub include_client_id: bool,
    /// Longest wait for the provider, seconds.
    pub timeout_seconds: f64,
}

impl Default for OAuthProviderConfig {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            client_secret: String::new(),
            scope: Value::Null,
            issuer: None,
            authorization_base_url: None,
            token_url: None,
            userinfo_url: None,
            redirect_uri_prefix: None,
            redirect_uri_querystring: None,
            userinfomap: None,
            include_client_id: false,
            timeout_seconds: 10.0,
        }
    }
}

impl OAuthProviderConfig {
    /// The scopes as a list.
    pub fn scopes(&self) -> Vec<String> {
        match &self.scope {
            Value::String(text) => text.split_whitespace().map(str::to_owned).collect(),
            Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }

    /// `redirect_uri_prefix?redirect_uri_querystring`, when both are set.
    pub fn redirect_uri(&self) -> Option<String> {
        Some(format!(
            "{}?{}",
            self.redirect_uri_prefix.as_deref()?,
            self.redirect_uri_querystring.as_deref()?
        ))
    }
}
