//! Prelogin from `prelogin.*`: the policy, and the page template read once at start (a file,
//! or an http(s) URL fetched with certificate checks and a timeout; pyos fetched it without
//! verification or timeout, on the first request).

use super::BootError;
use crate::config::Config;
use crate::domain::auth::{Prelogin, PreloginPolicy};
use crate::http::state::PreloginPage;
use crate::ports::{Cache, Randomness};
use std::sync::Arc;
use std::time::Duration;

/// The prelogin service and page, or `None` when prelogin is off.
///
/// # Errors
/// [`BootError::Prelogin`] when prelogin is on and its template cannot be read.
pub async fn prelogin_of(
    config: &Config,
    cache: Arc<dyn Cache>,
    random: Arc<dyn Randomness>,
) -> Result<Option<(Prelogin, PreloginPage)>, BootError> {
    let settings = &config.prelogin;
    let Some(url) = settings.url.as_deref().filter(|_| settings.enable) else {
        return Ok(None);
    };
    let template = read_template(url)
        .await
        .map_err(|error| BootError::Prelogin(format!("prelogin.url {url}: {error}")))?;
    let ttl = settings.maxprelogintimeout;
    // pyos's rule: a refresh timer under 5 s resets both to their defaults.
    let (ttl, refresh) = match ttl.checked_sub(settings.timetoloadthewebpage) {
        Some(refresh) if refresh >= 5 => (ttl, refresh),
        _ => (120, 115),
    };
    let policy = PreloginPolicy {
        networks: settings.network_list.iter().filter_map(|n| n.parse().ok()).collect(),
        force_header: settings.http_attribut_to_force_auth_prelogin.clone(),
        user_header: settings.http_attribut.clone(),
        ttl: Duration::from_secs(ttl),
    };
    Ok(Some((
        Prelogin::new(policy, cache, random),
        PreloginPage {
            template,
            refresh_timeout: refresh,
        },
    )))
}

async fn read_template(url: &str) -> Result<String, String> {
    if url.starts_with("http://") || url.starts_with("https://") {
        let client = crate::adapters::oauth2::http_client(Duration::from_secs(10))?;
        let response = client.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("answered {}", response.status()));
        }
        return response.text().await.map_err(|e| e.to_string());
    }
    let path = url.strip_prefix("file://").unwrap_or(url);
    tokio::fs::read_to_string(path).await.map_err(|e| e.to_string())
}
