use super::*;
use crate::domain::identity::{Identity, UserId};
use crate::domain::tokens::TokenPolicy;
use aws_lc_rs::rsa::{Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{EncodingKey, Header};
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
    let private = PrivateDecryptingKey::from_pkcs8(&pem::decode(&private_pem).unwrap().der).unwrap();
    let private = Pkcs1PrivateDecryptingKey::new(private).unwrap();
    let mut clear = vec![0; private.min_output_size()];
    let clear = private.decrypt(&STANDARD.decode(first).unwrap(), &mut clear).unwrap();
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

/// pyos deployments often carry PKCS#1 files (`openssl genrsa` output, `RSA PUBLIC KEY`):
/// the same keys re-framed as PKCS#1 must sign, verify and seal exactly as before.
#[tokio::test]
async fn pkcs1_key_files_are_read_like_pkcs8_ones() {
    use aws_lc_rs::rsa::KeyPair;
    use aws_lc_rs::signature::KeyPair as _;
    let dir = tempfile::tempdir().unwrap();
    let pkcs8 = JwtKeyFiles::in_directory(keys());
    let private_der = pem::decode(&std::fs::read_to_string(&pkcs8.user_private).unwrap())
        .unwrap()
        .der;
    let pair = KeyPair::from_pkcs8(&private_der).unwrap();
    // The PKCS#1 RSAPrivateKey is the OCTET STRING inside PKCS#8; its public half is the
    // modulus and exponent, which aws-lc-rs gives as PKCS#1 RSAPublicKey.
    let rsa_private = pkcs8_inner_key(&private_der);
    let files = JwtKeyFiles {
        user_private: dir.path().join("user.pem"),
        user_public: pkcs8.user_public.clone(),
        desktop_private: dir.path().join("desktop.pem"),
        payload_public: dir.path().join("payload.pem"),
    };
    std::fs::write(&files.user_private, pem::encode("RSA PRIVATE KEY", rsa_private)).unwrap();
    std::fs::write(&files.desktop_private, pem::encode("RSA PRIVATE KEY", rsa_private)).unwrap();
    std::fs::write(
        &files.payload_public,
        pem::encode("RSA PUBLIC KEY", pair.public_key().as_ref()),
    )
    .unwrap();
    let signer = RsaTokenSigner::from_files(&files).unwrap();
    let token = signer.sign_user(&claims()).await.unwrap();
    assert_eq!(signer.verify_user(&token).await.unwrap(), claims());
    let sealed = signer.seal_desktop_address("10.244.0.8").await.unwrap();
    let private = Pkcs1PrivateDecryptingKey::new(PrivateDecryptingKey::from_pkcs8(&private_der).unwrap()).unwrap();
    let mut clear = vec![0; private.min_output_size()];
    assert_eq!(
        private.decrypt(&STANDARD.decode(sealed).unwrap(), &mut clear).unwrap(),
        b"10.244.0.8"
    );
}

/// The `privateKey` OCTET STRING of a PKCS#8 `PrivateKeyInfo` (version, algorithm, key).
fn pkcs8_inner_key(der: &[u8]) -> &[u8] {
    fn element(der: &[u8]) -> (usize, usize) {
        // (header length, content length) of the element at the start of `der`.
        let first = der[1] as usize;
        if first < 0x80 {
            (2, first)
        } else {
            let count = first & 0x7f;
            let length = der[2..2 + count].iter().fold(0, |acc, b| (acc << 8) | *b as usize);
            (2 + count, length)
        }
    }
    let (outer_header, _) = element(der);
    let mut rest = &der[outer_header..];
    for _ in 0..2 {
        let (header, length) = element(rest);
        rest = &rest[header + length..];
    }
    let (header, length) = element(rest);
    assert_eq!(rest[0], 0x04, "an OCTET STRING");
    &rest[header..header + length]
}

#[test]
fn a_public_key_is_not_accepted_as_a_signing_key() {
    let public_pem = std::fs::read_to_string(keys().join(keys::GENERATED_NAMES[1])).unwrap();
    let error = rs256::Rs256Key::from_pem(&public_pem).err().expect("refused");
    assert!(
        error.to_string().contains("PUBLIC KEY block is not an RSA private key"),
        "{error}"
    );
}
