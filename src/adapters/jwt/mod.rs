//! RS256 user and desktop tokens: signed with AWS-LC ([`rs256`]), verified with jsonwebtoken
//! (its AWS-LC backend, the one crypto provider of the process); the desktop address is
//! sealed with AWS-LC's PKCS#1 v1.5 encryption.

mod key_pairs;
mod keys;
mod pem;
mod rs256;

pub use key_pairs::AwsLcKeyPairs;
pub use keys::{JwtKeyFiles, KeyError, ensure_keys};

use crate::domain::tokens::{DesktopClaims, UserClaims};
use crate::ports::tokens::{TokenError, TokenSigner};
use async_trait::async_trait;
use aws_lc_rs::rsa::{Pkcs1PublicEncryptingKey, PublicEncryptingKey};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rs256::Rs256Key;
use std::sync::Arc;

/// Installs the one crypto backend of the process, AWS-LC, for jsonwebtoken and for every
/// rustls client built without a configuration of its own (reqwest's). Call once at boot,
/// before any token is signed or any HTTPS client is built; later calls are harmless.
pub fn install_crypto_backend() {
    // Err only means a provider is already installed, which is the state we want.
    let _already_installed = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let _already_installed = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Keys parsed once at boot; signing and verification never touch the disk.
pub struct RsaTokenSigner {
    user_signing: Arc<Rs256Key>,
    user_verifying: DecodingKey,
    desktop_signing: Arc<Rs256Key>,
    payload: Pkcs1PublicEncryptingKey,
    validation: Validation,
}

impl RsaTokenSigner {
    /// Reads and parses the PEM files (PKCS#8/SPKI or PKCS#1 forms).
    ///
    /// # Errors
    /// [`KeyError`] naming the file that is missing or unusable.
    pub fn from_files(files: &JwtKeyFiles) -> Result<Self, KeyError> {
        install_crypto_backend();
        let read =
            |path: &std::path::Path| std::fs::read(path).map_err(|e| KeyError::Read(path.to_path_buf(), e.to_string()));
        let bad =
            |path: &std::path::Path, e: &dyn std::fmt::Display| KeyError::Parse(path.to_path_buf(), e.to_string());
        let pem = |path: &std::path::Path| {
            String::from_utf8(read(path)?).map_err(|e| KeyError::Parse(path.to_path_buf(), e.to_string()))
        };
        let user_signing = Rs256Key::from_pem(&pem(&files.user_private)?).map_err(|e| bad(&files.user_private, &e))?;
        let user_verifying =
            DecodingKey::from_rsa_pem(&read(&files.user_public)?).map_err(|e| bad(&files.user_public, &e))?;
        let desktop_signing =
            Rs256Key::from_pem(&pem(&files.desktop_private)?).map_err(|e| bad(&files.desktop_private, &e))?;
        let payload_pem =
            String::from_utf8(read(&files.payload_public)?).map_err(|e| bad(&files.payload_public, &e))?;
        let payload = payload_key(&payload_pem).map_err(|e| bad(&files.payload_public, &e))?;
        // Time claims are the domain's TokenPolicy's business (with its clock and leeway);
        // here only the algorithm, the signature and the presence of the claims are checked.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "nbf"]);
        Ok(Self {
            user_signing: Arc::new(user_signing),
            user_verifying,
            desktop_signing: Arc::new(desktop_signing),
            payload,
            validation,
        })
    }
}

/// The payload key from a SubjectPublicKeyInfo (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM.
fn payload_key(text: &str) -> Result<Pkcs1PublicEncryptingKey, String> {
    let block = pem::decode(text).map_err(|e| e.to_string())?;
    let spki = match block.label.as_str() {
        "PUBLIC KEY" => block.der,
        "RSA PUBLIC KEY" => pem::rsa_public_key_to_spki(&block.der),
        other => return Err(format!("a {other} block is not an RSA public key")),
    };
    let key = PublicEncryptingKey::from_der(&spki).map_err(|e| e.to_string())?;
    Pkcs1PublicEncryptingKey::new(key).map_err(|e| e.to_string())
}

/// Signs on the CPU pool ([`crate::cpu_pool`]): an RSA-2048 private operation takes about
/// a millisecond, which on the async workers would stall every other request during a
/// login burst (`healthz` p99 included).
async fn sign_off_the_runtime<C>(key: Arc<Rs256Key>, claims: C) -> Result<String, TokenError>
where
    C: serde::Serialize + Send + 'static,
{
    crate::cpu_pool::run(move || key.sign(&claims))
        .await
        .map_err(|e| TokenError::Unexpected(e.into()))?
        .map_err(|e| TokenError::Unexpected(e.into()))
}

#[async_trait]
impl TokenSigner for RsaTokenSigner {
    async fn sign_user(&self, claims: &UserClaims) -> Result<String, TokenError> {
        sign_off_the_runtime(self.user_signing.clone(), claims.clone()).await
    }

    async fn verify_user(&self, token: &str) -> Result<UserClaims, TokenError> {
        jsonwebtoken::decode::<UserClaims>(token, &self.user_verifying, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)
    }

    async fn sign_desktop(&self, claims: &DesktopClaims) -> Result<String, TokenError> {
        sign_off_the_runtime(self.desktop_signing.clone(), claims.clone()).await
    }

    async fn sign_key_offer(&self, claims: &crate::domain::key_offer::KeyOfferClaims) -> Result<String, TokenError> {
        sign_off_the_runtime(self.desktop_signing.clone(), claims.clone()).await
    }

    async fn seal_desktop_address(&self, address: &str) -> Result<String, TokenError> {
        let mut sealed = vec![0; self.payload.ciphertext_size()];
        let sealed = self
            .payload
            .encrypt(address.as_bytes(), &mut sealed)
            .map_err(|e| TokenError::Unexpected(anyhow::anyhow!("cannot seal the desktop address: {e}")))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sealed))
    }
}

#[cfg(test)]
mod tests;
