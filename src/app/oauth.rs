//! External (OAuth2 / OIDC) providers: their endpoints (from the config, or read from the
//! issuer's discovery document once at boot) and their HTTP clients.

use super::BootError;
use crate::adapters::oauth2::{
    Discovery, HttpOAuthProvider, IdTokenCheck, OAuthSettings, discover, http_client, id_token_check,
};
use crate::config::{Config, ManagerConfig, Problem, ProviderConfig, ServiceAccountConfig, parse_managers};
use crate::domain::auth::ManagerKind;
use crate::domain::secret::Secret;
use crate::ports::OAuthProvider;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The discovered endpoints of every external provider configured by `issuer`.
///
/// # Errors
/// [`BootError::Config`] naming the provider whose issuer does not answer.
pub async fn discovered_endpoints(
    config: &Config,
) -> Result<HashMap<String, (Discovery, Option<IdTokenCheck>)>, BootError> {
    let (managers, _, _) = parse_managers(&config.authmanagers);
    let mut found = HashMap::new();
    for manager in managers.iter().filter(|m| m.kind == ManagerKind::External) {
        for provider in &manager.providers {
            let Some(issuer) = &provider.oauth.issuer else { continue };
            let http = http_client(timeout(provider)).map_err(|e| problem(manager, provider, "issuer", e))?;
            let endpoints = discover(&http, issuer)
                .await
                .map_err(|e| problem(manager, provider, "issuer", e.to_string()))?;
            let id_tokens = id_token_check(&http, &endpoints)
                .await
                .map_err(|e| problem(manager, provider, "issuer", e.to_string()))?;
            found.insert(provider.name.clone(), (endpoints, id_tokens));
        }
    }
    Ok(found)
}

fn timeout(provider: &ProviderConfig) -> Duration {
    Duration::from_secs_f64(provider.oauth.timeout_seconds)
}

fn problem(manager: &ManagerConfig, provider: &ProviderConfig, key: &str, message: String) -> BootError {
    BootError::Config(vec![Problem::new(
        format!("authmanagers.{}.providers.{}.{key}", manager.kind.name(), provider.name),
        message,
    )])
}

/// The OAuth client of one external provider: configured endpoints win over discovered ones.
///
/// # Errors
/// [`BootError::Config`] for a missing endpoint, an unreadable secret file or no HTTP client.
pub fn oauth_client_of(
    manager: &ManagerConfig,
    provider: &ProviderConfig,
    discovered: Option<&(Discovery, Option<IdTokenCheck>)>,
) -> Result<Arc<dyn OAuthProvider>, BootError> {
    let (discovered, id_tokens) = match discovered {
        Some((endpoints, check)) => (Some(endpoints), check.clone()),
        None => (None, None),
    };
    let oauth = &provider.oauth;
    let endpoint = |configured: &Option<String>, from_discovery: Option<&String>, key: &str| {
        configured
            .clone()
            .or_else(|| from_discovery.cloned())
            .ok_or_else(|| problem(manager, provider, key, "required (or issuer)".into()))
    };
    let settings = OAuthSettings {
        client_id: oauth.client_id.clone(),
        client_secret: Secret::new(
            ServiceAccountConfig::resolve(&oauth.client_secret)
                .map_err(|e| problem(manager, provider, "client_secret", e))?,
        ),
        authorization_endpoint: endpoint(
            &oauth.authorization_base_url,
            discovered.map(|d| &d.authorization_endpoint),
            "authorization_base_url",
        )?,
        token_endpoint: endpoint(&oauth.token_url, discovered.map(|d| &d.token_endpoint), "token_url")?,
        userinfo_endpoint: endpoint(
            &oauth.userinfo_url,
            discovered.map(|d| &d.userinfo_endpoint),
            "userinfo_url",
        )?,
        redirect_uri: oauth
            .redirect_uri()
            .ok_or_else(|| problem(manager, provider, "redirect_uri_prefix", "required".into()))?,
        scopes: oauth.scopes(),
        credentials_in_body: oauth.include_client_id,
        timeout: timeout(provider),
    };
    let client = HttpOAuthProvider::new(settings)
        .map_err(|e| problem(manager, provider, "issuer", e))?
        .with_id_token_check(id_tokens);
    Ok(Arc::new(client))
}
