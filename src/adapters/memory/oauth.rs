//! A stand-in OAuth provider: authorization codes are configured, each naming a userinfo.

use crate::domain::secret::Secret;
use crate::ports::oauth::{OAuthError, OAuthProvider, OAuthTokens};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashMap;

/// Accepts the configured codes; the access token is the code itself.
#[derive(Debug, Clone, Default)]
pub struct MemoryOAuthProvider {
    authorize_url: String,
    users: HashMap<String, Value>,
}

impl MemoryOAuthProvider {
    /// `users` maps an authorization code to the userinfo it yields.
    pub fn new(authorize_url: impl Into<String>, users: HashMap<String, Value>) -> Self {
        Self {
            authorize_url: authorize_url.into(),
            users,
        }
    }
}

#[async_trait]
impl OAuthProvider for MemoryOAuthProvider {
    fn authorization_url(&self, state: &str, code_challenge: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("state", state)
            .append_pair("code_challenge", code_challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        format!("{}?{query}", self.authorize_url)
    }

    async fn exchange_code(&self, code: &str, _code_verifier: &Secret) -> Result<OAuthTokens, OAuthError> {
        if self.users.contains_key(code) {
            Ok(OAuthTokens {
                subject: None,
                access_token: Secret::new(code),
            })
        } else {
            Err(OAuthError::CodeRefused)
        }
    }

    async fn user_info(&self, tokens: &OAuthTokens) -> Result<Value, OAuthError> {
        self.users
            .get(tokens.access_token.expose())
            .cloned()
            .ok_or(OAuthError::UserInfo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn configured_codes_yield_their_userinfo() {
        let provider = MemoryOAuthProvider::new(
            "http://idp.test/authorize",
            HashMap::from([("c1".to_owned(), serde_json::json!({"sub": "bob"}))]),
        );
        assert!(
            provider
                .authorization_url("s", "c")
                .starts_with("http://idp.test/authorize?response_type=code&state=s")
        );
        let tokens = provider.exchange_code("c1", &Secret::new("v")).await.unwrap();
        assert_eq!(provider.user_info(&tokens).await.unwrap()["sub"], "bob");
        assert!(matches!(
            provider.exchange_code("nope", &Secret::new("v")).await,
            Err(OAuthError::CodeRefused)
        ));
    }

    #[tokio::test]
    async fn the_memory_provider_honours_the_oauth_contract() {
        let provider = MemoryOAuthProvider::new(
            "http://idp.test/authorize",
            HashMap::from([("code-of-bob".to_owned(), serde_json::json!({"sub": "bob"}))]),
        );
        crate::adapters::contract::oauth_provider_contract(&provider, "bob", |_url| async { "code-of-bob".to_owned() })
            .await;
    }
}
