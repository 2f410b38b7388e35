//! Sessions: issuing and verifying user tokens, the request guards, and `auth/auth`.

use super::error::{AccessError, LoginError};
use super::login::{LoginRequest, LoginService};
use crate::domain::accounting::Counters;
use crate::domain::ban::BanService;
use crate::domain::history::LoginRecord;
use crate::domain::identity::{Caller, Identity};
use crate::domain::rate_limit::{RateLimited, RateLimiter};
use crate::domain::request::RequestFacts;
use crate::domain::tokens::TokenPolicy;
use crate::ports::{LoginHistory, TokenError, TokenSigner, UserSecretStore};
use std::sync::Arc;
use std::time::Instant;

/// A completed login: the token and what the response shows.
#[derive(Debug, Clone)]
pub struct AuthSuccess {
    /// Who logged in.
    pub identity: Identity,
    /// The signed user token.
    pub token: String,
    /// Token lifetime in seconds.
    pub expire_in: i64,
    /// `a.Authentication on <provider> successful in <x.xx> s`.
    pub message: String,
}

/// Why `auth/auth` failed after the guards.
#[derive(Debug, thiserror::Error)]
pub enum AuthFlowError {
    /// The login itself failed (HTTP 401 envelope, or 503 when the IdP is down).
    #[error(transparent)]
    Login(#[from] LoginError),
    /// The user's secrets could not be written (pyos answers HTTP 200 with status 401).
    #[error("failed to prepare ressources {0}")]
    PrepareResources(String),
    /// The token could not be signed.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The login (or the user it resolves to) is banned: refused before the provider is
    /// asked, from any address.
    #[error(transparent)]
    Banned(#[from] AccessError),
    /// Too many anonymous logins from the client's address (HTTP 429).
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// The client must log in through prelogin and its session is not valid.
    #[error(transparent)]
    Prelogin(#[from] super::prelogin::PreloginError),
}

/// How a failed login is counted (`deskplane_logins_total{outcome}`).
fn login_outcome(error: &AuthFlowError) -> &'static str {
    match error {
        AuthFlowError::Login(LoginError::Unavailable(_)) => "unavailable",
        AuthFlowError::Login(LoginError::Unexpected(_)) => "error",
        // Wrong credentials, and requests naming no usable manager or provider.
        AuthFlowError::Login(_) => "refused",
        AuthFlowError::Banned(_) => "banned",
        AuthFlowError::RateLimited(_) => "limited",
        AuthFlowError::Prelogin(_) => "refused",
        _ => "error",
    }
}

/// Issues, verifies and guards user sessions.
#[derive(Clone)]
pub struct SessionService {
    login: LoginService,
    tokens: Arc<dyn TokenSigner>,
    policy: TokenPolicy,
    bans: BanService,
    secrets: Arc<dyn UserSecretStore>,
    history: Arc<dyn LoginHistory>,
    counters: Counters,
    anonymous_logins: Option<Arc<RateLimiter>>,
    prelogin: Option<super::prelogin::Prelogin>,
    failure_floor: std::time::Duration,
    metrics: Option<Arc<dyn crate::ports::Metrics>>,
    /// `desktop.policies.rules.volumes`: the CIFS rules' secrets are written at login.
    cifs_rules: Arc<serde_json::Map<String, serde_json::Value>>,
}

impl SessionService {
    /// Builds the service.
    pub fn new(
        login: LoginService,
        tokens: Arc<dyn TokenSigner>,
        policy: TokenPolicy,
        bans: BanService,
        secrets: Arc<dyn UserSecretStore>,
        history: Arc<dyn LoginHistory>,
        counters: Counters,
    ) -> Self {
        Self {
            login,
            tokens,
            policy,
            bans,
            secrets,
            history,
            counters,
            anonymous_logins: None,
            prelogin: None,
            failure_floor: std::time::Duration::ZERO,
            metrics: None,
            cifs_rules: Arc::default(),
        }
    }

    /// Writes, at each password login, the credential secret of every CIFS volume the
    /// user's labels grant (`rules`: `desktop.policies.rules.volumes`).
    #[must_use]
    pub fn with_cifs_rules(mut self, rules: serde_json::Map<String, serde_json::Value>) -> Self {
        self.cifs_rules = Arc::new(rules);
        self
    }

    /// Requires prelogin sessions from the clients `prelogin` names.
    #[must_use]
    pub fn with_prelogin(mut self, prelogin: super::prelogin::Prelogin) -> Self {
        self.prelogin = Some(prelogin);
        self
    }

    /// Answers every refused password after at least `floor` since the request began: an
    /// unknown user (often one quick search) and a wrong password (a search and a bind)
    /// then take the same time, and guessing gets slower.
    pub fn with_failure_floor(mut self, floor: std::time::Duration) -> Self {
        self.failure_floor = floor;
        self
    }

    /// Counts every login by provider and outcome.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<dyn crate::ports::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The provider label of a login: a configured provider's name, else `none` (a name
    /// the client made up must not grow the metrics without bound).
    fn provider_label<'a>(&'a self, request: &'a LoginRequest) -> &'a str {
        request
            .provider
            .as_deref()
            .filter(|name| self.login.managers().providers().any(|p| p.name == *name))
            .unwrap_or("none")
    }

    /// Prelogin, when configured.
    pub fn prelogin(&self) -> Option<&super::prelogin::Prelogin> {
        self.prelogin.as_ref()
    }

    /// Limits anonymous logins per client address (they need no credential and each
    /// costs a signature and a set of secrets).
    #[must_use]
    pub fn with_anonymous_login_limit(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.anonymous_logins = Some(limiter);
        self
    }

    /// The login service.
    pub fn login_service(&self) -> &LoginService {
        &self.login
    }

    /// The token policy.
    pub fn policy(&self) -> TokenPolicy {
        self.policy
    }

    /// The ban service.
    pub fn bans(&self) -> &BanService {
        &self.bans
    }

    /// Turns the bearer token of a request into a caller. Never fails: every problem makes
    /// the caller anonymous, and the reason is logged at debug level only.
    pub async fn identify(&self, token: Option<&str>) -> Caller {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Caller::Anonymous;
        };
        match self.tokens.verify_user(token).await {
            Ok(claims) => self.policy.caller_from(claims, self.login.clock().now()),
            Err(error) => {
                tracing::debug!(%error, "user token refused");
                Caller::Anonymous
            }
        }
    }

    /// Check S (api.md §5.3): refuses banned and spoofing clients before any login attempt.
    ///
    /// # Errors
    /// [`AccessError::IpBanned`], or [`AccessError::Spoofed`] after counting a failure.
    pub async fn security_check(&self, facts: &RequestFacts) -> Result<(), AccessError> {
        if self.bans.is_ip_banned(facts.client_ip).await {
            return Err(AccessError::IpBanned);
        }
        if facts.spoofed {
            if let Some(culprit) = facts.spoof_culprit() {
                self.bans.record_ip_failure(culprit).await;
            }
            return Err(AccessError::Spoofed);
        }
        Ok(())
    }

    /// Check U (`validate_env`, api.md §5.4): the caller must be identified and not banned.
    /// Missing or bad tokens count a failure against the client address.
    ///
    /// # Errors
    /// The [`AccessError`] of the first failing step, in pyos's order.
    pub async fn validate(&self, facts: &RequestFacts, caller: &Caller) -> Result<Identity, AccessError> {
        self.security_check(facts).await?;
        let identity = match caller {
            Caller::Identified(identity) => identity,
            Caller::Anonymous => {
                self.bans.record_ip_failure(facts.client_ip).await;
                return Err(AccessError::NotAuthenticated);
            }
            Caller::Unidentified => {
                self.bans.record_ip_failure(facts.client_ip).await;
                return Err(AccessError::NotIdentified);
            }
        };
        if self.bans.is_login_banned(identity.userid.as_str()).await {
            return Err(AccessError::UserBanned);
        }
        Ok(identity.clone())
    }

    /// Signs a fresh user token for `identity`.
    ///
    /// # Errors
    /// [`TokenError`] when signing fails.
    pub async fn issue(&self, identity: &Identity) -> Result<String, TokenError> {
        let claims = self.policy.user_claims(identity, self.login.clock().now());
        self.tokens.sign_user(&claims).await
    }

    /// The whole `auth/auth` flow after the HTTP checks: login, counters, user secrets,
    /// token, login history. Refused passwords count a failure for the address and the login.
    ///
    /// # Errors
    /// See [`AuthFlowError`].
    pub async fn authenticate(
        &self,
        request: &LoginRequest,
        facts: &RequestFacts,
    ) -> Result<AuthSuccess, AuthFlowError> {
        let result = self.authenticate_once(request, facts).await;
        if let Some(metrics) = &self.metrics {
            let (provider, outcome) = match &result {
                Ok(success) => (success.identity.provider.as_str(), "success"),
                Err(error) => (self.provider_label(request), login_outcome(error)),
            };
            metrics.login(provider, outcome);
        }
        result
    }

    async fn authenticate_once(
        &self,
        request: &LoginRequest,
        facts: &RequestFacts,
    ) -> Result<AuthSuccess, AuthFlowError> {
        let started = Instant::now();
        if let Some(prelogin) = &self.prelogin
            && prelogin.required(facts)
        {
            prelogin
                .redeem(request.prelogin_session.as_deref(), request.userid.as_deref())
                .await?;
        }
        // pyos checked login bans only on later requests, so a banned login kept guessing
        // (and got a token for the right password) from any other address.
        if let Some(login) = &request.userid
            && self.bans.is_login_banned(login).await
        {
            return Err(AccessError::UserBanned.into());
        }
        let outcome = match self.login.login(request, facts).await {
            Ok(outcome) => outcome,
            Err(error) => {
                self.counters.bump("login", "failed").await;
                if matches!(error, LoginError::InvalidCredentials) {
                    self.bans.record_ip_failure(facts.client_ip).await;
                    if let Some(login) = &request.userid {
                        self.bans.record_login_failure(login).await;
                    }
                    tokio::time::sleep_until((started + self.failure_floor).into()).await;
                }
                return Err(error.into());
            }
        };
        if outcome.anonymous
            && let Some(limiter) = &self.anonymous_logins
        {
            limiter.check(facts.client_ip)?;
        }
        let identity = outcome.identity;
        // An anonymous user id is either minted for this login (no ban can name it yet) or
        // the caller's own `userid`, already checked above: asking the ban store again would
        // only cost a round trip on every anonymous login.
        if !outcome.anonymous && self.bans.is_login_banned(identity.userid.as_str()).await {
            return Err(AccessError::UserBanned.into());
        }
        self.counters.bump("login", "success").await;
        self.counters.bump("login", &identity.providertype).await;
        let mut secrets = outcome.secrets;
        if let Some(password) = request.password.as_ref().filter(|_| !self.cifs_rules.is_empty()) {
            let posix_uid = secrets
                .iter()
                .find(|s| s.kind == "posixaccount")
                .and_then(|s| s.data.get("uid").cloned())
                .unwrap_or_else(|| identity.userid.to_string());
            let domain = identity.domain.clone().unwrap_or_default();
            secrets.extend(crate::domain::desktop::cifs::cifs_secrets(
                &self.cifs_rules,
                &identity.labels,
                (identity.userid.as_str(), &posix_uid, &domain),
                password,
            ));
        }
        self.secrets
            .prepare_user_resources(&identity.owner(), &secrets)
            .await
            .map_err(|error| AuthFlowError::PrepareResources(error.to_string()))?;
        let token = self.issue(&identity).await?;
        let record = LoginRecord {
            userid: identity.userid.to_string(),
            name: identity.name.clone(),
            provider: identity.provider.clone(),
            providertype: identity.providertype.clone(),
            labels: identity.labels.clone(),
            date: self.login.clock().now(),
            useragent: facts.user_agent().map(str::to_owned),
            ipaddr: facts.client_ip.to_string(),
        };
        if let Err(error) = self.history.append(&record).await {
            tracing::warn!(%error, "could not record the login in the history");
        }
        let message = format!(
            "a.Authentication on {} successful in {:.2} s",
            outcome.provider_display,
            started.elapsed().as_secs_f64()
        );
        tracing::info!(userid = %identity.userid, provider = %identity.provider, "login succeeded");
        Ok(AuthSuccess {
            identity,
            token,
            expire_in: self.policy.user_lifetime,
            message,
        })
    }
}
