//! RS256 signing with AWS-LC: the key is parsed once at boot, and each signature is
//! AWS-LC's constant-time, assembly-optimised RSA (the pure-Rust `rsa` signer was about
//! 2.5 times slower and carries the RUSTSEC-2023-0071 timing advisory; ring was about 1.7
//! times slower than AWS-LC on this machine's AVX-512 cores). Verification stays with
//! jsonwebtoken, which checks the header, the algorithm and the required claims.

use super::pem;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// The JOSE header of every token, base64url-encoded once.
const HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9"; // {"typ":"JWT","alg":"RS256"}

/// An RSA private key ready to sign.
pub struct Rs256Key {
    pair: RsaKeyPair,
    random: SystemRandom,
}

/// Why a key or a signature failed.
#[derive(Debug, thiserror::Error)]
pub enum Rs256Error {
    /// The PEM is neither PKCS#8 nor PKCS#1, or AWS-LC refused the key.
    #[error("unusable RSA private key: {0}")]
    Key(String),
    /// Claims that do not serialise, or a failed signature.
    #[error("cannot sign: {0}")]
    Sign(String),
}

impl Rs256Key {
    /// Parses a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// [`Rs256Error::Key`] for anything else.
    pub fn from_pem(pem: &str) -> Result<Self, Rs256Error> {
        let block = pem::decode(pem).map_err(|e| Rs256Error::Key(e.to_string()))?;
        let pair = match block.label.as_str() {
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&block.der),
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&block.der),
            other => return Err(Rs256Error::Key(format!("a {other} block is not an RSA private key"))),
        }
        .map_err(|e| Rs256Error::Key(e.to_string()))?;
        Ok(Self {
            pair,
            random: SystemRandom::new(),
        })
    }

    /// The compact JWS of `claims`: `header.payload.signature`.
    ///
    /// # Errors
    /// [`Rs256Error::Sign`] when the claims do not serialise or signing fails.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, Rs256Error> {
        let payload = serde_json::to_vec(claims).map_err(|e| Rs256Error::Sign(e.to_string()))?;
        let mut token = String::with_capacity(HEADER.len() + payload.len() * 4 / 3 + 350);
        token.push_str(HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.random, token.as_bytes(), &mut signature)
            .map_err(|e| Rs256Error::Sign(e.to_string()))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_rs256_jwt() {
        let decoded = URL_SAFE_NO_PAD.decode(HEADER).unwrap();
        let header: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(header, serde_json::json!({"typ": "JWT", "alg": "RS256"}));
    }
}
