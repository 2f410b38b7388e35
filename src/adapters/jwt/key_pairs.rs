//! RSA key pairs from AWS-LC, the process's one crypto provider.

use super::pem;
use crate::domain::key_offer::RsaKeySize;
use crate::ports::key_pairs::{GeneratedKeyPair, KeyPairGenerator};
use crate::ports::tokens::TokenError;
use async_trait::async_trait;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;

/// Generates with AWS-LC on tokio's blocking pool: a 4096-bit key takes seconds of CPU,
/// and on the CPU pool it would hold up the logins' token signing behind it.
#[derive(Debug, Default, Clone, Copy)]
pub struct AwsLcKeyPairs;

fn generate(size: RsaKeySize) -> Result<GeneratedKeyPair, String> {
    let size = match size {
        RsaKeySize::Rsa2048 => KeySize::Rsa2048,
        RsaKeySize::Rsa3072 => KeySize::Rsa3072,
        RsaKeySize::Rsa4096 => KeySize::Rsa4096,
    };
    let pair = KeyPair::generate(size).map_err(|e| format!("RSA generation: {e}"))?;
    let private: Pkcs8V1Der<'_> = pair.as_der().map_err(|e| format!("PKCS#8 encoding: {e}"))?;
    let public: PublicKeyX509Der<'_> = pair
        .public_key()
        .as_der()
        .map_err(|e| format!("SubjectPublicKeyInfo encoding: {e}"))?;
    Ok(GeneratedKeyPair {
        private_pem: pem::encode("PRIVATE KEY", private.as_ref()),
        public_pem: pem::encode("PUBLIC KEY", public.as_ref()),
    })
}

#[async_trait]
impl KeyPairGenerator for AwsLcKeyPairs {
    async fn generate_rsa(&self, size: RsaKeySize) -> Result<GeneratedKeyPair, TokenError> {
        tokio::task::spawn_blocking(move || generate(size))
            .await
            .map_err(|e| TokenError::Unexpected(anyhow::anyhow!("key generation stopped: {e}")))?
            .map_err(|e| TokenError::Unexpected(anyhow::anyhow!(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_generated_pair_is_a_matching_rsa_key_pair_of_the_size_asked() {
        let pair = AwsLcKeyPairs.generate_rsa(RsaKeySize::Rsa2048).await.unwrap();
        let private = pem::decode(&pair.private_pem).unwrap();
        let public = pem::decode(&pair.public_pem).unwrap();
        assert_eq!(
            (private.label.as_str(), public.label.as_str()),
            ("PRIVATE KEY", "PUBLIC KEY")
        );
        let key = KeyPair::from_pkcs8(&private.der).unwrap();
        assert_eq!(key.public_modulus_len() * 8, 2048);
        let derived: PublicKeyX509Der<'_> = key.public_key().as_der().unwrap();
        assert_eq!(
            derived.as_ref(),
            public.der.as_slice(),
            "the public key is the private key's"
        );
        let other = AwsLcKeyPairs.generate_rsa(RsaKeySize::Rsa2048).await.unwrap();
        assert_ne!(other.private_pem, pair.private_pem, "every call makes a new key");
        assert!(
            !format!("{pair:?}").contains(&pair.private_pem[30..60]),
            "Debug hides the private key"
        );
    }
}
