//! Signing and verification of the user and desktop JWTs.
//!
//! The adapter owns keys and algorithms (RS256 only); the domain's `TokenPolicy` owns the
//! claims and the time checks (`exp`, `nbf`, leeway), so expiry is tested with a fake clock.

use crate::domain::key_offer::KeyOfferClaims;
use crate::domain::tokens::{DesktopClaims, UserClaims};
use async_trait::async_trait;
use thiserror::Error;

/// Errors of the token port.
#[derive(Debug, Error)]
pub enum TokenError {
    /// Malformed token, wrong algorithm, bad signature or missing claims. Deliberately one
    /// variant: callers must not tell forged from malformed.
    #[error("invalid token")]
    Invalid,
    /// The key material could not be used.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The JWT codec.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait TokenSigner: Send + Sync {
    /// Signs user claims; returns the compact JWT.
    ///
    /// # Errors
    /// [`TokenError::Unexpected`] when signing fails.
    async fn sign_user(&self, claims: &UserClaims) -> Result<String, TokenError>;
    /// Verifies the signature and algorithm of a user token and returns its claims. Time
    /// claims are returned, not checked.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for anything but a well-formed RS256 token signed by our key
    /// carrying `exp`, `nbf`, `auth`, `user` and `roles`.
    async fn verify_user(&self, token: &str) -> Result<UserClaims, TokenError>;
    /// Signs desktop claims; returns the compact JWT.
    ///
    /// # Errors
    /// [`TokenError::Unexpected`] when signing fails.
    async fn sign_desktop(&self, claims: &DesktopClaims) -> Result<String, TokenError>;
    /// Signs the claims of a key offer (`key/key`) with the desktop key; returns the
    /// compact JWT.
    ///
    /// # Errors
    /// [`TokenError::Unexpected`] when signing fails.
    async fn sign_key_offer(&self, claims: &KeyOfferClaims) -> Result<String, TokenError>;
    /// Encrypts a desktop address for the router: base64 of RSA PKCS#1 v1.5 under the
    /// payload public key. Returns a different text on every call.
    ///
    /// # Errors
    /// [`TokenError::Unexpected`] when the address is too long for the key or encryption fails.
    async fn seal_desktop_address(&self, address: &str) -> Result<String, TokenError>;
}
