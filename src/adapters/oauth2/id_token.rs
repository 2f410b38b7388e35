//! OpenID id_tokens checked against the provider's JWKS. The keys are read at boot and
//! again when a token names a key the set does not have (the provider rotated its keys),
//! at most once per [`REFRESH_AT_MOST_EVERY`], so a provider cannot make deskplane fetch
//! on every login.

use super::{Discovery, unavailable};
use crate::ports::oauth::OAuthError;
use jsonwebtoken::jwk::JwkSet;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// Shortest time between two reads of the JWKS after the one at boot.
pub const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(10);

/// How an OpenID provider's id_tokens are checked: its issuer and its signing keys.
#[derive(Clone)]
pub struct IdTokenCheck {
    /// Expected `iss`.
    pub issuer: String,
    jwks_uri: String,
    keys: Arc<RwLock<Arc<JwkSet>>>,
    last_refresh: Arc<Mutex<Option<Instant>>>,
}

/// What the current keys say of a token.
enum Verdict {
    Valid(String),
    UnknownKey,
    Invalid,
}

/// The id_token checks of a discovered OpenID provider: its JWKS, fetched now.
///
/// # Errors
/// [`OAuthError::Unavailable`] when the keys cannot be read.
pub async fn id_token_check(http: &reqwest::Client, discovery: &Discovery) -> Result<Option<IdTokenCheck>, OAuthError> {
    let (Some(issuer), Some(jwks_uri)) = (&discovery.issuer, &discovery.jwks_uri) else {
        return Ok(None);
    };
    let keys = fetch_keys(http, jwks_uri).await?;
    Ok(Some(IdTokenCheck {
        issuer: issuer.clone(),
        jwks_uri: jwks_uri.clone(),
        keys: Arc::new(RwLock::new(Arc::new(keys))),
        last_refresh: Arc::default(),
    }))
}

async fn fetch_keys(http: &reqwest::Client, jwks_uri: &str) -> Result<JwkSet, OAuthError> {
    let response = http.get(jwks_uri).send().await.map_err(unavailable)?;
    if !response.status().is_success() {
        return Err(OAuthError::Unavailable(format!(
            "{jwks_uri} answered {}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|e| OAuthError::Unavailable(format!("{jwks_uri}: {e}")))
}

impl IdTokenCheck {
    /// The `sub` of `id_token` when its signature (by a key of the JWKS, an RSA or EC
    /// algorithm only), issuer, audience and lifetime are right; `None` otherwise. A key
    /// the set does not have makes the set be read again, once.
    pub(super) async fn subject(&self, http: &reqwest::Client, id_token: &str, client_id: &str) -> Option<String> {
        match self.verdict(&self.current_keys(), id_token, client_id) {
            Verdict::Valid(subject) => Some(subject),
            Verdict::Invalid => None,
            Verdict::UnknownKey if !self.may_refresh() => None,
            Verdict::UnknownKey => {
                let fresh = match fetch_keys(http, &self.jwks_uri).await {
                    Ok(keys) => Arc::new(keys),
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the provider's new signing keys");
                        return None;
                    }
                };
                tracing::info!(keys = fresh.keys.len(), "the provider's signing keys were read again");
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
                match self.verdict(&fresh, id_token, client_id) {
                    Verdict::Valid(subject) => Some(subject),
                    Verdict::UnknownKey | Verdict::Invalid => None,
                }
            }
        }
    }

    /// How many keys the set holds now.
    #[cfg(test)]
    pub(super) fn key_count(&self) -> usize {
        self.current_keys().keys.len()
    }

    fn current_keys(&self) -> Arc<JwkSet> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Whether the set may be read again now (and, if so, notes that it is).
    fn may_refresh(&self) -> bool {
        let mut last = self.last_refresh.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| at.elapsed() < REFRESH_AT_MOST_EVERY) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }

    fn verdict(&self, keys: &JwkSet, id_token: &str, client_id: &str) -> Verdict {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
        let Ok(header) = decode_header(id_token) else {
            return Verdict::Invalid;
        };
        const ALLOWED: [Algorithm; 5] = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::ES256,
            Algorithm::PS256,
        ];
        if !ALLOWED.contains(&header.alg) {
            return Verdict::Invalid;
        }
        let jwk = match &header.kid {
            Some(kid) => match keys.find(kid) {
                Some(jwk) => jwk,
                None => return Verdict::UnknownKey,
            },
            None => match keys.keys.first() {
                Some(jwk) => jwk,
                None => return Verdict::Invalid,
            },
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            return Verdict::Invalid;
        };
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[client_id]);
        match decode::<Value>(id_token, &key, &validation) {
            Ok(data) => data.claims["sub"]
                .as_str()
                .map_or(Verdict::Invalid, |sub| Verdict::Valid(sub.to_owned())),
            Err(_) => Verdict::Invalid,
        }
    }
}
