//! Prelogin (auth.md §5.8): on some networks, or for clients an upstream component marks
//! with a header, a login must carry a one-time session id the server issued for the user
//! id an upstream component (an SSO header) asserted.
//!
//! Unlike pyos, a session is used once: `auth/auth` takes it from the cache, so a captured
//! session id cannot be replayed until it expires.

use crate::domain::request::RequestFacts;
use crate::ports::{Cache, CacheError, Randomness};
use ipnet::IpNet;
use std::sync::Arc;
use std::time::Duration;

/// Who must log in through prelogin, and for how long a session lasts.
#[derive(Debug, Clone)]
pub struct PreloginPolicy {
    /// Client networks for which prelogin is mandatory.
    pub networks: Vec<IpNet>,
    /// A header whose presence makes prelogin mandatory.
    pub force_header: Option<String>,
    /// A header whose value replaces the `userid` parameter.
    pub user_header: Option<String>,
    /// Lifetime of a session.
    pub ttl: Duration,
}

/// Why a login's prelogin session was refused.
#[derive(Debug, thiserror::Error)]
pub enum PreloginError {
    /// No session, an unknown or expired one, or one issued for another user id.
    #[error("prelogin session is invalid or expired, please reload the login page")]
    Invalid,
    /// The cache holding sessions cannot be reached.
    #[error("cache: {0}")]
    Unavailable(#[from] CacheError),
}

/// Issues and checks prelogin sessions (kept in the cache, so every replica sees them).
#[derive(Clone)]
pub struct Prelogin {
    policy: PreloginPolicy,
    cache: Arc<dyn Cache>,
    random: Arc<dyn Randomness>,
}

fn key(session: &str) -> String {
    format!("prelogin/{session}")
}

impl Prelogin {
    /// Sessions in `cache`, named by `random`.
    pub fn new(policy: PreloginPolicy, cache: Arc<dyn Cache>, random: Arc<dyn Randomness>) -> Self {
        Self { policy, cache, random }
    }

    /// The policy.
    pub fn policy(&self) -> &PreloginPolicy {
        &self.policy
    }

    /// Whether this client must log in through prelogin.
    pub fn required(&self, facts: &RequestFacts) -> bool {
        self.policy
            .force_header
            .as_deref()
            .is_some_and(|name| facts.header(name).is_some())
            || self.policy.networks.iter().any(|net| net.contains(&facts.client_ip))
    }

    /// The user id the request asserts: the configured header's value when present, else
    /// `userid`.
    pub fn asserted_userid<'a>(&self, facts: &'a RequestFacts, userid: Option<&'a str>) -> Option<&'a str> {
        self.policy
            .user_header
            .as_deref()
            .and_then(|name| facts.header(name))
            .or(userid)
            .filter(|id| !id.trim().is_empty())
    }

    /// Opens a session for `userid` and returns its id (a UUID, 36 characters).
    ///
    /// # Errors
    /// [`PreloginError::Unavailable`] when the cache cannot be reached.
    pub async fn open(&self, userid: &str) -> Result<String, PreloginError> {
        let session = self.random.uuid_v4();
        self.cache.set(&key(&session), userid, self.policy.ttl).await?;
        Ok(session)
    }

    /// Redeems `session` for a login as `userid` (compared without case, as pyos).
    ///
    /// # Errors
    /// [`PreloginError::Invalid`] for a missing, malformed, unknown, used, expired or foreign
    /// session; [`PreloginError::Unavailable`] when the cache cannot be reached.
    pub async fn redeem(&self, session: Option<&str>, userid: Option<&str>) -> Result<(), PreloginError> {
        let session = session.filter(|s| s.len() == 36).ok_or(PreloginError::Invalid)?;
        let owner = self.cache.take(&key(session)).await?.ok_or(PreloginError::Invalid)?;
        match userid {
            Some(userid) if !owner.is_empty() && owner.to_lowercase() == userid.to_lowercase() => Ok(()),
            _ => Err(PreloginError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::CountingRandom;
    use crate::testkit::MemoryCache;

    fn prelogin() -> Prelogin {
        Prelogin::new(
            PreloginPolicy {
                networks: vec!["10.0.0.0/8".parse().unwrap()],
                force_header: Some("x-force-prelogin".into()),
                user_header: Some("x-sso-user".into()),
                ttl: Duration::from_secs(60),
            },
            Arc::new(MemoryCache::default()),
            Arc::new(CountingRandom::default()),
        )
    }

    #[test]
    fn networks_and_the_force_header_make_it_required() {
        let prelogin = prelogin();
        assert!(prelogin.required(&RequestFacts::from_ip("10.1.2.3".parse().unwrap())));
        let mut outside = RequestFacts::from_ip("192.0.2.1".parse().unwrap());
        assert!(!prelogin.required(&outside));
        outside.headers.push(("x-force-prelogin".into(), "1".into()));
        assert!(prelogin.required(&outside));
        outside.headers.push(("x-sso-user".into(), "Fry".into()));
        assert_eq!(prelogin.asserted_userid(&outside, Some("bender")), Some("Fry"));
    }

    #[tokio::test]
    async fn a_session_serves_one_login_of_its_user_only() {
        let prelogin = prelogin();
        let session = prelogin.open("FRY").await.unwrap();
        assert_eq!(session.len(), 36);
        assert!(matches!(
            prelogin.redeem(Some(&session), Some("bender")).await,
            Err(PreloginError::Invalid)
        ));
        let again = prelogin.open("FRY").await.unwrap();
        prelogin.redeem(Some(&again), Some("fry")).await.unwrap();
        assert!(
            matches!(
                prelogin.redeem(Some(&again), Some("fry")).await,
                Err(PreloginError::Invalid)
            ),
            "used once (pyos let it be replayed until it expired)"
        );
        assert!(matches!(
            prelogin.redeem(None, Some("fry")).await,
            Err(PreloginError::Invalid)
        ));
        assert!(matches!(
            prelogin.redeem(Some("short"), Some("fry")).await,
            Err(PreloginError::Invalid)
        ));
    }
}
