//! Contracts of the identity-side ports that answer from elsewhere: an OAuth provider and
//! a geolocation database. Each runs against the memory adapter and the real one
//! (oauth2-mock-server, MaxMind's test databases).

use crate::domain::secret::Secret;
use crate::ports::geolocation::Geolocation;
use crate::ports::oauth::{OAuthError, OAuthProvider, OAuthTokens};
use std::future::Future;
use std::net::IpAddr;

/// The OAuth contract. `authorize` plays the browser: given the authorization URL the
/// provider built, it returns the code the provider sends back for `subject`.
pub async fn oauth_provider_contract<F, Fut>(provider: &dyn OAuthProvider, subject: &str, authorize: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = String>,
{
    let url = provider.authorization_url("state-1", "challenge-1");
    for part in [
        "response_type=code",
        "state=state-1",
        "code_challenge=challenge-1",
        "code_challenge_method=S256",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
    let verifier = Secret::new("contract-verifier-0123456789-abcdefghijklmnopqrstuvw");
    let challenge = crate::domain::auth::pkce_challenge(verifier.expose());
    let code = authorize(provider.authorization_url("state-2", &challenge)).await;
    let tokens = provider.exchange_code(&code, &verifier).await.unwrap();
    let info = provider.user_info(&tokens).await.unwrap();
    assert!(info.is_object(), "{info}");
    assert_eq!(info["sub"], subject, "{info}");

    let unknown = provider.exchange_code("not-a-code-the-provider-gave", &verifier).await;
    assert!(matches!(unknown, Err(OAuthError::CodeRefused)), "{unknown:?}");
    let forged = OAuthTokens {
        access_token: Secret::new("forged-access-token"),
        subject: None,
    };
    let refused = provider.user_info(&forged).await;
    assert!(matches!(refused, Err(OAuthError::UserInfo)), "{refused:?}");
}

/// The geolocation contract: `known` is an address the database locates in the country
/// `country_code` with the AS number `asn`; `unknown` a public address it does not know.
/// Private, loopback and link-local addresses are never located.
pub async fn geolocation_contract(geolocation: &dyn Geolocation, known: (IpAddr, &str, u32), unknown: IpAddr) {
    let (ip, country_code, asn) = known;
    let found = geolocation.locate(ip).await.unwrap().expect("a known address");
    assert_eq!(found.ip_addr, Some(ip.to_string()), "the answer names the address");
    assert_eq!(found.country_code.as_deref(), Some(country_code));
    assert_eq!(geolocation.asn(ip).await.unwrap(), Some(asn));
    assert_eq!(geolocation.locate(unknown).await.unwrap(), None, "{unknown}");
    assert_eq!(geolocation.asn(unknown).await.unwrap(), None, "{unknown}");
    for private in ["10.1.2.3", "192.168.1.1", "127.0.0.1", "169.254.1.1", "::1", "fd00::1"] {
        let private: IpAddr = private.parse().unwrap();
        assert_eq!(geolocation.locate(private).await.unwrap(), None, "{private}");
        assert_eq!(geolocation.asn(private).await.unwrap(), None, "{private}");
    }
}
