//! The OAuth port on a real OAuth2 / OpenID Connect provider: the authorization URL with
//! `state` and a PKCE S256 challenge (pyos sent neither a checked state nor PKCE), the
//! code exchange with the verifier, and the userinfo call. One HTTP client with TLS on
//! AWS-LC and the web's root authorities, no redirects followed, a deadline on every call.

mod id_token;

pub use id_token::{IdTokenCheck, REFRESH_AT_MOST_EVERY, id_token_check};

use crate::domain::secret::Secret;
use crate::ports::oauth::{OAuthError, OAuthProvider, OAuthTokens};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// One OAuth2 client of one provider (pyos's `external` provider keys).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret` (empty for a public client).
    pub client_secret: Secret,
    /// `authorization_base_url`.
    pub authorization_endpoint: String,
    /// `token_url`.
    pub token_endpoint: String,
    /// `userinfo_url`.
    pub userinfo_endpoint: String,
    /// `redirect_uri_prefix?redirect_uri_querystring`.
    pub redirect_uri: String,
    /// `scope`.
    pub scopes: Vec<String>,
    /// `include_client_id`: client credentials in the form body instead of HTTP Basic.
    pub credentials_in_body: bool,
    /// Longest wait for the provider.
    pub timeout: Duration,
}

/// A provider's endpoints, as its discovery document gives them.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    /// `issuer`: what its id_tokens must say in `iss`.
    pub issuer: Option<String>,
    /// `jwks_uri`: the keys its id_tokens are signed with.
    pub jwks_uri: Option<String>,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `userinfo_endpoint`.
    pub userinfo_endpoint: String,
}

/// An OAuth2 client over HTTP(S).
pub struct HttpOAuthProvider {
    settings: OAuthSettings,
    http: reqwest::Client,
    id_tokens: Option<IdTokenCheck>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    id_token: Option<String>,
}

/// The HTTP client: rustls on AWS-LC with the web's roots, no redirect followed.
///
/// # Errors
/// The builder's message when TLS cannot be set up.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}

/// Reads an OpenID provider's endpoints from `<issuer>/.well-known/openid-configuration`.
///
/// # Errors
/// [`OAuthError::Unavailable`] when the issuer does not answer with a usable document.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Discovery, OAuthError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let response = http.get(&url).send().await.map_err(unavailable)?;
    if !response.status().is_success() {
        return Err(OAuthError::Unavailable(format!("{url} answered {}", response.status())));
    }
    response
        .json()
        .await
        .map_err(|e| OAuthError::Unavailable(format!("{url}: {e}")))
}

fn unavailable(error: reqwest::Error) -> OAuthError {
    // reqwest's message names the URL, never a secret (they travel in bodies and headers).
    OAuthError::Unavailable(error.to_string())
}

impl HttpOAuthProvider {
    /// A client for `settings`.
    ///
    /// # Errors
    /// The message of the HTTP client builder.
    pub fn new(settings: OAuthSettings) -> Result<Self, String> {
        let http = http_client(settings.timeout)?;
        Ok(Self {
            settings,
            http,
            id_tokens: None,
        })
    }

    /// Checks every id_token with `check` (an OpenID provider found by discovery): a token
    /// response without a valid one is refused.
    pub fn with_id_token_check(mut self, check: Option<IdTokenCheck>) -> Self {
        self.id_tokens = check;
        self
    }
}

#[async_trait]
impl OAuthProvider for HttpOAuthProvider {
    fn authorization_url(&self, state: &str, code_challenge: &str) -> String {
        let scope = self.settings.scopes.join(" ");
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_uri)
            .append_pair("scope", &scope)
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        let separator = if self.settings.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{separator}{query}", self.settings.authorization_endpoint)
    }

    async fn exchange_code(&self, code: &str, code_verifier: &Secret) -> Result<OAuthTokens, OAuthError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.settings.redirect_uri.as_str()),
            ("code_verifier", code_verifier.expose()),
        ];
        let mut request = self.http.post(&self.settings.token_endpoint);
        if self.settings.credentials_in_body {
            form.push(("client_id", self.settings.client_id.as_str()));
            form.push(("client_secret", self.settings.client_secret.expose()));
        } else {
            request = request.basic_auth(&self.settings.client_id, Some(self.settings.client_secret.expose()));
        }
        let response = request.form(&form).send().await.map_err(unavailable)?;
        let status = response.status();
        if status.is_server_error() {
            return Err(OAuthError::Unavailable(format!("token endpoint answered {status}")));
        }
        if !status.is_success() {
            // The body may describe the client; it goes to the log, not to the user.
            tracing::warn!(%status, "the provider refused the authorization code");
            return Err(OAuthError::CodeRefused);
        }
        let tokens: TokenResponse = response.json().await.map_err(|_| OAuthError::CodeRefused)?;
        let subject = match &self.id_tokens {
            None => None,
            Some(check) => {
                let subject = match tokens.id_token.as_deref() {
                    Some(token) => check.subject(&self.http, token, &self.settings.client_id).await,
                    None => None,
                };
                if subject.is_none() {
                    tracing::warn!("the provider's id_token is missing or does not verify");
                    return Err(OAuthError::CodeRefused);
                }
                subject
            }
        };
        Ok(OAuthTokens {
            access_token: Secret::new(tokens.access_token),
            subject,
        })
    }

    async fn user_info(&self, tokens: &OAuthTokens) -> Result<Value, OAuthError> {
        let response = self
            .http
            .get(&self.settings.userinfo_endpoint)
            .bearer_auth(tokens.access_token.expose())
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status.is_server_error() {
            return Err(OAuthError::Unavailable(format!("userinfo endpoint answered {status}")));
        }
        if !status.is_success() {
            tracing::warn!(%status, "the provider refused the userinfo call");
            return Err(OAuthError::UserInfo);
        }
        match response.json::<Value>().await {
            // OpenID Connect Core §5.3.2: a userinfo about another subject is not this login's.
            Ok(info @ Value::Object(_)) if tokens.subject.as_deref().is_none_or(|sub| info["sub"] == sub) => Ok(info),
            _ => Err(OAuthError::UserInfo),
        }
    }
}

#[cfg(test)]
mod tests;
