//! An OAuth2 / OpenID Connect identity provider (the `external` manager).

use crate::domain::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;
use thiserror::Error;

/// Tokens obtained from the provider's token endpoint.
#[derive(Debug, Clone)]
pub struct OAuthTokens {
    /// The access token used for the userinfo call.
    pub access_token: Secret,
    /// The `sub` of a verified OpenID `id_token`, when the provider sent one and the
    /// adapter checks them: the userinfo must then be about the same subject.
    pub subject: Option<String>,
}

/// Errors an OAuth provider may return.
#[derive(Debug, Error)]
pub enum OAuthError {
    /// The provider refused the authorization code or the PKCE verifier.
    #[error("authorization code refused")]
    CodeRefused,
    /// The userinfo endpoint refused the token or answered something unusable.
    #[error("user info unavailable")]
    UserInfo,
    /// The provider could not be reached.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// One configured OAuth2 client of one provider.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait OAuthProvider: Send + Sync {
    /// Builds the authorization URL the browser is sent to, carrying `state` and the PKCE
    /// S256 `code_challenge`. Pure; never fails.
    fn authorization_url(&self, state: &str, code_challenge: &str) -> String;
    /// Exchanges an authorization `code` (and its PKCE verifier) for tokens.
    ///
    /// # Errors
    /// [`OAuthError::CodeRefused`] when the provider refuses, [`OAuthError::Unavailable`] when unreachable.
    async fn exchange_code(&self, code: &str, code_verifier: &Secret) -> Result<OAuthTokens, OAuthError>;
    /// Fetches the userinfo JSON object for `tokens`.
    ///
    /// # Errors
    /// [`OAuthError::UserInfo`] when refused or not a JSON object, [`OAuthError::Unavailable`] when unreachable.
    async fn user_info(&self, tokens: &OAuthTokens) -> Result<Value, OAuthError>;
}
