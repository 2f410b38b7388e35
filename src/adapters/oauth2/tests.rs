//! The OAuth2 client against oauth2-mock-server (`scripts/services.sh` starts it): the
//! whole authorization-code flow with PKCE, and the refusals.

use super::{HttpOAuthProvider, IdTokenCheck, OAuthSettings, discover, http_client, id_token_check};
use crate::adapters::contract;
use crate::domain::auth::pkce_challenge;
use crate::domain::secret::Secret;
use crate::ports::oauth::{OAuthError, OAuthProvider, OAuthTokens};
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:9/API/auth/oauth?manager=external&provider=mock";

async fn provider() -> HttpOAuthProvider {
    provider_checking(|check| check).await
}

/// The mock provider, its id_tokens checked as `adjust` leaves the check.
async fn provider_checking(adjust: impl FnOnce(IdTokenCheck) -> IdTokenCheck) -> HttpOAuthProvider {
    provider_of(&contract::service_url("OIDC_ISSUER"), adjust).await
}

async fn provider_of(issuer: &str, adjust: impl FnOnce(IdTokenCheck) -> IdTokenCheck) -> HttpOAuthProvider {
    let http = http_client(Duration::from_secs(5)).unwrap();
    let endpoints = discover(&http, issuer).await.unwrap();
    let check = id_token_check(&http, &endpoints)
        .await
        .unwrap()
        .expect("an OpenID provider");
    HttpOAuthProvider::new(OAuthSettings {
        client_id: "deskplane".into(),
        client_secret: Secret::new("not-checked-by-the-mock"),
        authorization_endpoint: endpoints.authorization_endpoint,
        token_endpoint: endpoints.token_endpoint,
        userinfo_endpoint: endpoints.userinfo_endpoint,
        redirect_uri: REDIRECT.into(),
        scopes: vec!["openid".into(), "email".into()],
        credentials_in_body: false,
        timeout: Duration::from_secs(5),
    })
    .unwrap()
    .with_id_token_check(Some(adjust(check)))
}

/// What the browser does: follows the authorization URL and reads the code and the state
/// from the redirect back to deskplane.
async fn authorize(provider: &HttpOAuthProvider, state: &str, verifier: &str, login: &str) -> String {
    let query = redirect_back(provider.authorization_url(state, &pkce_challenge(verifier)), login).await;
    assert_eq!(query["state"], state, "the provider echoes the state");
    query["code"].clone()
}

/// Follows `url` as the browser does, the mock logging `login` in, and returns the query
/// of its redirect back to deskplane.
async fn redirect_back(url: String, login: &str) -> std::collections::HashMap<String, String> {
    let response = http_client(Duration::from_secs(5))
        .unwrap()
        .get(format!("{url}&login_hint={login}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:9/API/auth/oauth?"), "{location}");
    form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .into_owned()
        .collect()
}

#[tokio::test]
async fn the_http_provider_honours_the_oauth_contract() {
    let provider = provider().await;
    contract::oauth_provider_contract(&provider, "bob", |url| async move {
        redirect_back(url, "bob").await["code"].clone()
    })
    .await;
}

#[tokio::test]
async fn the_code_flow_with_pkce_gives_the_users_claims() {
    let provider = provider().await;
    let url = provider.authorization_url("s-123", &pkce_challenge("v"));
    for part in [
        "response_type=code",
        "client_id=deskplane",
        "state=s-123",
        "code_challenge_method=S256",
        "scope=openid+email",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
    let verifier = "a-verifier-of-enough-length-0123456789-abcdefghijk";
    let code = authorize(&provider, "s-123", verifier, "bob").await;
    let tokens = provider.exchange_code(&code, &Secret::new(verifier)).await.unwrap();
    assert_eq!(tokens.subject.as_deref(), Some("bob"), "the id_token verified");
    let info = provider.user_info(&tokens).await.unwrap();
    assert_eq!(info["sub"], "bob");
    assert_eq!(info["groups"], serde_json::json!(["developers"]));
}

#[tokio::test]
async fn a_wrong_verifier_a_bad_token_and_a_dead_provider_are_refused() {
    let provider = provider().await;
    let verifier = "the-right-verifier-0123456789-abcdefghijklmnopqrstu";
    let code = authorize(&provider, "s-9", verifier, "alice").await;
    let wrong = provider
        .exchange_code(&code, &Secret::new("a-wrong-verifier-0123456789-abcdefghijklmnopqrst"))
        .await;
    assert!(matches!(wrong, Err(OAuthError::CodeRefused)), "{wrong:?}");
    let forged = OAuthTokens {
        access_token: Secret::new("forged"),
        subject: None,
    };
    assert!(matches!(provider.user_info(&forged).await, Err(OAuthError::UserInfo)));

    let closed = format!("http://127.0.0.1:{}", contract::closed_port());
    let http = http_client(Duration::from_secs(2)).unwrap();
    assert!(matches!(
        discover(&http, &closed).await,
        Err(OAuthError::Unavailable(_))
    ));
}

/// An id_token from another issuer is refused, and a userinfo about another subject than
/// the id_token's is not this login's.
#[tokio::test]
async fn id_tokens_must_be_the_providers_and_about_the_same_user() {
    let elsewhere = provider_checking(|mut check| {
        check.issuer = "https://another.example".into();
        check
    })
    .await;
    let verifier = "issuer-check-verifier-0123456789-abcdefghijklmnopqr";
    let code = authorize(&elsewhere, "s-i", verifier, "bob").await;
    let refused = elsewhere.exchange_code(&code, &Secret::new(verifier)).await;
    assert!(matches!(refused, Err(OAuthError::CodeRefused)), "{refused:?}");

    let provider = provider().await;
    let code = authorize(&provider, "s-j", verifier, "alice").await;
    let mut tokens = provider.exchange_code(&code, &Secret::new(verifier)).await.unwrap();
    tokens.subject = Some("bob".into());
    assert!(matches!(provider.user_info(&tokens).await, Err(OAuthError::UserInfo)));
}

/// A mock provider of this test's own (it is told to rotate its keys), stopped on drop.
struct OwnMock(std::process::Child);

impl Drop for OwnMock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A provider that rotates its keys: the first id_token signed by the new key makes the
/// JWKS be read again, and every login goes on.
#[tokio::test]
async fn a_key_rotation_is_followed() {
    let port = contract::closed_port();
    let mock = OwnMock(
        std::process::Command::new("node")
            .arg(contract::service_url("OIDC_MOCK"))
            .env("OIDC_PORT", port.to_string())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("node runs the mock provider"),
    );
    let issuer = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the mock provider did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None::<IdTokenCheck>));
    let keep = seen.clone();
    let provider = provider_of(&issuer, move |check| {
        *keep.lock().unwrap() = Some(check.clone());
        check
    })
    .await;
    let check = seen.lock().unwrap().clone().unwrap();
    let verifier = "rotation-verifier-0123456789-abcdefghijklmnopqrstuv";
    let login = || async {
        let code = authorize(&provider, "s-r", verifier, "bob").await;
        provider.exchange_code(&code, &Secret::new(verifier)).await
    };
    assert_eq!(login().await.unwrap().subject.as_deref(), Some("bob"));
    assert_eq!(check.key_count(), 1);

    let signalled = std::process::Command::new("kill")
        .args(["-USR2", &mock.0.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let jwks = format!("{issuer}/jwks");
    let http = http_client(Duration::from_secs(5)).unwrap();
    loop {
        let keys: serde_json::Value = http.get(&jwks).send().await.unwrap().json().await.unwrap();
        if keys["keys"].as_array().map(Vec::len) == Some(2) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the mock did not rotate: {keys}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..4 {
        assert_eq!(login().await.unwrap().subject.as_deref(), Some("bob"));
    }
    assert_eq!(check.key_count(), 2, "the keys were read again");
}
