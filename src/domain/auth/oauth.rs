//! The OAuth2 authorization-code flow of the `external` manager (auth.md §4.4, §5.4) with
//! the defects of §12 fixed: every authorization URL carries a fresh `state` and a PKCE
//! S256 challenge; the state is kept server-side for a few minutes with the PKCE verifier
//! and the provider it was issued for, and redeemed at most once (an atomic take), so a
//! callback with a missing, unknown, expired, replayed or other provider's state is
//! refused before any code is exchanged.

use super::provider::{Provider, ProviderMethod};
use super::registry::AuthManagers;
use crate::domain::secret::Secret;
use crate::ports::{Cache, CacheError, Randomness};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// How long a user has between opening the provider's page and coming back.
pub const STATE_LIFETIME: Duration = Duration::from_secs(300);

/// A redeemed state: what the callback may exchange.
pub struct PendingAuthorization {
    /// The provider the authorization URL was made for.
    pub provider: String,
    /// The PKCE verifier of its challenge.
    pub verifier: Secret,
}

/// States of authorization URLs handed out and not yet used.
#[derive(Clone)]
pub struct OAuthStates {
    cache: Arc<dyn Cache>,
    random: Arc<dyn Randomness>,
    /// Bounds the states one address makes the cache keep (each lives [`STATE_LIFETIME`]).
    limiter: Option<Arc<crate::domain::rate_limit::RateLimiter>>,
}

fn key(state: &str) -> String {
    format!("oauth-state/{state}")
}

/// The S256 challenge of `verifier` (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl OAuthStates {
    pub fn new(cache: Arc<dyn Cache>, random: Arc<dyn Randomness>) -> Self {
        Self {
            cache,
            random,
            limiter: None,
        }
    }

    /// Limits how often one address may be handed fresh states (`getauthconfig` needs no
    /// credentials, and every call stores a state per OAuth provider in the shared cache).
    pub fn with_rate_limit(mut self, limiter: Arc<crate::domain::rate_limit::RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Counts one request for fresh states from `ip`.
    ///
    /// # Errors
    /// [`crate::domain::rate_limit::RateLimited`] when `ip` asked too often this minute.
    pub fn admit(&self, ip: std::net::IpAddr) -> Result<(), crate::domain::rate_limit::RateLimited> {
        self.limiter.as_ref().map_or(Ok(()), |limiter| limiter.check(ip))
    }

    /// A fresh authorization URL for `provider`, its state remembered for [`STATE_LIFETIME`].
    ///
    /// # Errors
    /// [`CacheError`] when the state cannot be stored.
    pub async fn begin(&self, provider: &Provider) -> Result<Option<(String, String)>, CacheError> {
        let ProviderMethod::OAuth { client, .. } = &provider.method else {
            return Ok(None);
        };
        let state = self.random.alphanumeric(43);
        // 64 characters of [A-Za-z0-9]: within RFC 7636's 43–128 unreserved characters.
        let verifier = self.random.alphanumeric(64);
        let pending = json!({"provider": provider.name, "verifier": verifier});
        self.cache
            .set(&key(&state), &pending.to_string(), STATE_LIFETIME)
            .await?;
        Ok(Some((
            client.authorization_url(&state, &pkce_challenge(&verifier)),
            state,
        )))
    }

    /// Fresh authorization URLs for every OAuth provider: (provider, URL, state).
    ///
    /// # Errors
    /// [`CacheError`] when a state cannot be stored.
    pub async fn begin_all(&self, managers: &AuthManagers) -> Result<Vec<(String, String, String)>, CacheError> {
        let mut urls = Vec::new();
        for provider in managers.providers() {
            if let Some((url, state)) = self.begin(provider).await? {
                urls.push((provider.name.clone(), url, state));
            }
        }
        Ok(urls)
    }

    /// Takes `state` back, once: `None` when it is unknown, expired or already used.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot be read.
    pub async fn redeem(&self, state: &str) -> Result<Option<PendingAuthorization>, CacheError> {
        if state.is_empty() || state.len() > 128 {
            return Ok(None);
        }
        let Some(stored) = self.cache.take(&key(state)).await? else {
            return Ok(None);
        };
        let stored: Value = serde_json::from_str(&stored).unwrap_or(Value::Null);
        match (stored["provider"].as_str(), stored["verifier"].as_str()) {
            (Some(provider), Some(verifier)) => Ok(Some(PendingAuthorization {
                provider: provider.to_owned(),
                verifier: Secret::new(verifier),
            })),
            _ => Ok(None),
        }
    }
}

/// pyos's userinfo mapping (§4.4): without a map the userinfo itself; with one, `"*": "*"`
/// starts from the whole userinfo, `"*": "k"` puts it under `k`, and every other entry
/// `k: "a.b.0"` copies the value at that dotted path (numbers index lists).
pub fn map_userinfo(info: &Value, map: Option<&Map<String, Value>>) -> Map<String, Value> {
    let whole = info.as_object().cloned().unwrap_or_default();
    let Some(map) = map else { return whole };
    let mut user = match map.get("*").and_then(Value::as_str) {
        Some("*") => whole,
        Some(key) => Map::from_iter([(key.to_owned(), info.clone())]),
        None => Map::new(),
    };
    for (key, path) in map.iter().filter(|(key, _)| *key != "*") {
        let value = path.as_str().map_or(Value::Null, |path| value_at(info, path));
        user.insert(key.clone(), value);
    }
    user
}

fn value_at(info: &Value, path: &str) -> Value {
    let mut current = info;
    for segment in path.split('.') {
        current = match (current, segment.parse::<usize>()) {
            (Value::Array(items), Ok(index)) => items.get(index).unwrap_or(&Value::Null),
            (Value::Object(fields), _) => fields.get(segment).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    current.clone()
}

/// The user map of an OAuth login: mapped userinfo with `userid` (first of `userid`, `id`,
/// `sub`, kept exactly) and `name` (first of `name`, `lastname`, the id). pyos normalised
/// the id (lower case, every other character `-`), so `Bob` and `bob`, or `a.b` and `a_b`,
/// were one user with one desktop; names derived from the id are digests of it here, so
/// the exact subject is safe to keep.
pub fn oauth_user(info: &Value, map: Option<&Map<String, Value>>) -> Option<Map<String, Value>> {
    let mut user = map_userinfo(info, map);
    let text = |value: Option<&Value>| match value {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        _ => None,
    };
    let raw = text(user.get("userid"))
        .or_else(|| text(info.get("id")))
        .or_else(|| text(info.get("sub")))?;
    let name = text(user.get("name"))
        .or_else(|| text(user.get("lastname")))
        .unwrap_or_else(|| raw.clone());
    user.insert("userid".into(), Value::String(raw));
    user.insert("name".into(), Value::String(name));
    Some(user)
}

/// The string items of the userinfo's `groups`: the roles of an OAuth user.
pub fn oauth_roles(info: &Value) -> Vec<String> {
    info.get("groups")
        .and_then(Value::as_array)
        .map(|groups| groups.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_maps_as_pyos_mapped_it() {
        let info = json!({"sub": "Bob@Example.org", "profile": {"emails": ["b@x", "c@x"]}, "name": "Bob"});
        assert_eq!(map_userinfo(&info, None), info.as_object().unwrap().clone());
        let map = json!({"*": "raw", "mail": "profile.emails.1", "missing": "a.b"});
        let mapped = map_userinfo(&info, map.as_object());
        assert_eq!(mapped["raw"], info);
        assert_eq!(mapped["mail"], "c@x");
        assert_eq!(mapped["missing"], Value::Null);
        let user = oauth_user(&info, None).unwrap();
        assert_eq!(
            (user["userid"].as_str(), user["name"].as_str()),
            (Some("Bob@Example.org"), Some("Bob")),
            "the subject as the provider says it"
        );
        assert!(oauth_user(&json!({"sub": ""}), None).is_none());
        assert!(oauth_user(&json!({"email": "x"}), None).is_none(), "no id at all");
    }

    /// Subjects pyos's normalisation merged stay distinct users.
    #[test]
    fn subjects_are_kept_exactly() {
        let ids: Vec<_> = ["a.b", "a_b", "A-B", "a-b"]
            .iter()
            .map(|sub| oauth_user(&json!({"sub": sub}), None).unwrap()["userid"].clone())
            .collect();
        assert_eq!(ids, vec![json!("a.b"), json!("a_b"), json!("A-B"), json!("a-b")]);
    }

    #[test]
    fn the_challenge_is_rfc_7636s() {
        // RFC 7636 appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
