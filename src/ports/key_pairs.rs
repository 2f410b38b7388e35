//! Fresh RSA key pairs for `GET /API/key/key`.

use crate::domain::key_offer::RsaKeySize;
use crate::ports::tokens::TokenError;
use async_trait::async_trait;

/// A generated key pair, PEM encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedKeyPair {
    /// The private key, PKCS#8 (`PRIVATE KEY`). A secret: never logged.
    pub private_pem: String,
    /// The public key, SubjectPublicKeyInfo (`PUBLIC KEY`).
    pub public_pem: String,
}

impl std::fmt::Debug for GeneratedKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKeyPair")
            .field("private_pem", &"<redacted>")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

/// Generates RSA key pairs.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait KeyPairGenerator: Send + Sync {
    /// A new key pair of `size`. Generation takes from milliseconds to seconds of CPU, so
    /// adapters run it off the async workers.
    ///
    /// # Errors
    /// [`TokenError::Unexpected`] when the generator fails.
    async fn generate_rsa(&self, size: RsaKeySize) -> Result<GeneratedKeyPair, TokenError>;
}
