use super::*;
use crate::domain::identity::{Identity, UserId};
use crate::domain::tokens::TokenPolicy;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use std::sync::OnceLock;

/// One key directory for the whole test binary: generating RSA keys is the slow part.
fn keys() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        assert!(ensure_keys(dir.path()).unwrap());
        assert!(!ensure_keys(dir.path()).unwrap(), "existing keys are kept");
        dir
    })
    .path()
}

fn signer() -> RsaTokenSigner {
    RsaTokenSigner::from_files(&JwtKeyFiles::in_directory(keys())).unwrap()
}

fn claims() -> UserClaims {
    let identity = Identity {
        provider: "anonymous".into(),
        providertype: "anonymous".into(),
        domain: None,
        labels: Default::default(),
        userid: UserId::parse("fry").unwrap(),
        name: "Fry".into(),
        roles: vec![],
    };
    TokenPolicy {
        user_lifetime: 360,
        leeway: 20,
        desktop_lifetime: 240,
    }
    .user_claims(&identity, 1_000)
}

#[tokio::test]
async fn user_tokens_round_trip() {
    let signer = signer();
    let token = signer.sign_user(&claims()).await.unwrap();
    assert_eq!(signer.verify_user(&token).await.unwrap(), claims());
}

#[tokio::test]
async fn tampered_tokens_are_refused() {
    let signer = signer();
    let token = signer.sign_user(&claims()).await.unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["user"]["userid"] = "professor".into();
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    assert!(matches!(
        signer.verify_user(&parts.join(".")).await,
        Err(TokenError::Invalid)
    ));
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let signer = signer();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    assert!(signer.verify_user(&format!("{none_header}.{payload}.")).await.is_err());

    let public_pem = std::fs::read(keys().join(keys::GENERATED_NAMES[1])).unwrap();
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    assert!(signer.verify_user(&forged).await.is_err());
}

#[tokio::test]
async fn tokens_missing_claims_are_refused() {
    let signer = signer();
    let private = std::fs::read(keys().join(keys::GENERATED_NAMES[0])).unwrap();
    let key = EncodingKey::from_rsa_pem(&private).unwrap();
    let partial =
        serde_json::json!({"exp": 2_000_000_000_i64, "nbf": 0, "user": {"userid": "fry", "name": "Fry"}, "roles": {}});
    let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &partial, &key).unwrap();
    assert!(signer.verify_user(&token).await.is_err(), "no auth claim");
}

#[tokio::test]
async fn desktop_addresses_are_sealed_for_the_payload_key() {
    let signer = signer();
    let first = signer.seal_desktop_address("10.244.0.7").await.unwrap();
    let second = signer.seal_desktop_address("10.244.0.7").await.unwrap();
    assert_ne!(first, second, "PKCS#1 v1.5 padding is random");
    let private_pem = std::fs::read_to_string(keys().join(keys::GENERATED_NAMES[4])).unwrap();
    let private = RsaPrivateKey::from_pkcs8_pem(&private_pem).unwrap();
    let clear = private
        .decrypt(Pkcs1v15Encrypt, &STANDARD.decode(first).unwrap())
        .unwrap();
    assert_eq!(clear, b"10.244.0.7");
}

#[test]
fn a_missing_key_file_is_named() {
    let files = JwtKeyFiles::in_directory(std::path::Path::new("/nonexistent/keys"));
    let error = RsaTokenSigner::from_files(&files).err().expect("missing files fail");
    assert!(
        error
            .to_string()
            .contains("/nonexistent/keys/abcdesktop_jwt_user_signing_private_key.pem"),
        "{error}"
    );
}
