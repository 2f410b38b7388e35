//! The login pipeline (auth.md §5.1): authenticate, user info, roles, ACL, labels.

use super::account::{PosixDefaults, posix_account_from, shadow_hash, user_secrets};
use super::error::LoginError;
use super::provider::{Provider, ProviderMethod};
use super::registry::AuthManagers;
use crate::domain::desktop::UserSecret;
use crate::domain::identity::{Identity, UserId};
use crate::domain::labels::{Labels, ip_label_value, label_value};
use crate::domain::request::RequestFacts;
use crate::domain::rules::{MembershipLookup, RuleInput};
use crate::domain::secret::Secret;
use crate::ports::{Clock, Directory, DirectoryEntry, DirectoryError, Geolocation, OAuthError, Randomness};
use async_trait::async_trait;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The fields of a login request (`POST /API/auth/auth`).
#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    /// Manager name, or none.
    pub manager: Option<String>,
    /// Provider name, or none.
    pub provider: Option<String>,
    /// Login as typed.
    pub userid: Option<String>,
    /// Password.
    pub password: Option<Secret>,
    /// Requested desktop features (`{executeclassname}`), already gated by the caller.
    pub features: Option<Map<String, Value>>,
    /// Browser position, for geolocation rules.
    pub geolocation: Option<Value>,
    /// External providers: the code the provider sent back, with its PKCE verifier.
    pub authorization: Option<AuthorizationCode>,
    /// The prelogin session id the login page carried (`loginsessionid`).
    pub prelogin_session: Option<String>,
    /// `userid` was asserted by a trusted proxy (`logmein`'s certificate): implicit
    /// providers take it even when they do not take callers' ids.
    pub trusted_userid: bool,
}

/// An authorization code and the PKCE verifier of the state it came back with.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    /// The code of the callback.
    pub code: String,
    /// The verifier the state was issued with.
    pub verifier: Secret,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// Who logged in.
    pub identity: Identity,
    /// The user info map (directory attributes or generated anonymous data).
    pub user_info: Map<String, Value>,
    /// Secrets to write before the token is issued.
    pub secrets: Vec<UserSecret>,
    /// Display name of the provider, for the success message.
    pub provider_display: String,
    /// True for the implicit anonymous provider (no credential was checked).
    pub anonymous: bool,
}

/// Runs logins against the configured providers.
#[derive(Clone)]
pub struct LoginService {
    managers: Arc<AuthManagers>,
    geolocation: Arc<dyn Geolocation>,
    random: Arc<dyn Randomness>,
    clock: Arc<dyn Clock>,
    posix_defaults: PosixDefaults,
    /// The credential tools and what each provider asks of them (`auth_protocol`).
    artefacts: BTreeMap<String, (Arc<dyn crate::ports::CredentialTools>, super::ArtefactSettings)>,
}

/// The pyos implicit-provider user id pattern: letters and digits at both ends, `-_.` inside.
fn is_valid_implicit_userid(userid: &str) -> bool {
    let bytes = userid.as_bytes();
    bytes.is_empty()
        || (bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
}

struct UserFromDirectory<'a> {
    directory: &'a dyn Directory,
    entry: &'a DirectoryEntry,
}

#[async_trait]
impl MembershipLookup for UserFromDirectory<'_> {
    async fn is_member_of(&self, group_dn: &str) -> bool {
        match self.directory.is_member_of(self.entry, group_dn).await {
            Ok(member) => member,
            Err(error) => {
                tracing::warn!(%error, "membership lookup failed; the rule condition is false");
                false
            }
        }
    }
}

impl LoginService {
    /// Builds the service.
    pub fn new(
        managers: Arc<AuthManagers>,
        geolocation: Arc<dyn Geolocation>,
        random: Arc<dyn Randomness>,
        clock: Arc<dyn Clock>,
        posix_defaults: PosixDefaults,
    ) -> Self {
        Self {
            managers,
            geolocation,
            random,
            clock,
            posix_defaults,
            artefacts: BTreeMap::new(),
        }
    }

    /// Builds the credential artefacts providers ask for at each of their logins
    /// (`by_provider`: provider name → the tools and what they build).
    #[must_use]
    pub fn with_credential_artefacts(
        mut self,
        by_provider: BTreeMap<String, (Arc<dyn crate::ports::CredentialTools>, super::ArtefactSettings)>,
    ) -> Self {
        self.artefacts = by_provider;
        self
    }

    /// Looks again for the servers of every directory that looks them up (Active
    /// Directory's controllers in DNS); returns each such provider's servers.
    pub async fn refresh_directory_servers(&self) -> BTreeMap<String, Vec<String>> {
        let mut found = BTreeMap::new();
        for provider in self.managers.providers() {
            if let ProviderMethod::Directory { directory, .. } = &provider.method {
                match directory.refresh_servers().await {
                    Ok(Some(servers)) => {
                        found.insert(provider.name.clone(), servers);
                    }
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, provider = %provider.name, "directory servers not refreshed"),
                }
            }
        }
        found
    }

    /// The manager registry.
    pub fn managers(&self) -> &AuthManagers {
        &self.managers
    }

    /// The clock logins are timed with.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// Logs a user in.
    ///
    /// # Errors
    /// Any [`LoginError`]; [`LoginError::InvalidCredentials`] for every refused password.
    pub async fn login(&self, request: &LoginRequest, facts: &RequestFacts) -> Result<LoginOutcome, LoginError> {
        if request.provider.is_none()
            && let Some(meta) = self.managers.default_metalogin_provider()
        {
            return self.metalogin(meta, request, facts).await;
        }
        self.ordinary_login(request, facts).await
    }

    /// The login through the provider the request names (auth.md §5.1).
    async fn ordinary_login(&self, request: &LoginRequest, facts: &RequestFacts) -> Result<LoginOutcome, LoginError> {
        let provider = self
            .managers
            .resolve(request.manager.as_deref(), request.provider.as_deref(), facts)
            .await?;
        self.login_with(provider, request, facts).await
    }

    async fn login_with(
        &self,
        provider: &Provider,
        request: &LoginRequest,
        facts: &RequestFacts,
    ) -> Result<LoginOutcome, LoginError> {
        match &provider.method {
            ProviderMethod::Anonymous {
                uid,
                username,
                allow_caller_userid,
            } => {
                let user = self.anonymous_user(request, uid, username, *allow_caller_userid)?;
                self.finish(provider, request, facts, user, Vec::new(), None).await
            }
            ProviderMethod::Directory {
                directory,
                domain,
                userid_attribute,
                name_attribute,
                memberof_attribute,
                join_attribute: _,
            } => {
                let login = request
                    .userid
                    .as_deref()
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| LoginError::Rejected("user can not be an empty string".into()))?;
                let password = request
                    .password
                    .as_ref()
                    .filter(|p| !p.expose().is_empty())
                    .ok_or_else(|| LoginError::Rejected("password can not be an empty string".into()))?;
                let entry = directory
                    .authenticate(login, password)
                    .await
                    .map_err(|error| match error {
                        DirectoryError::InvalidCredentials => LoginError::InvalidCredentials,
                        DirectoryError::Rejected(message) => LoginError::Rejected(message),
                        DirectoryError::Unavailable(detail) => LoginError::Unavailable(detail),
                        DirectoryError::Unexpected(error) => LoginError::Unexpected(error),
                    })?;
                let mut user = super::directory_user::directory_user(&entry, login, userid_attribute, name_attribute);
                if let Some(Value::Object(posix)) = user.get_mut("posix") {
                    super::directory_user::add_posix_groups(posix, &entry, directory.as_ref()).await;
                }
                if let Some(domain) = domain {
                    user.insert("domain".into(), Value::String(domain.clone()));
                }
                let roles = entry.values(memberof_attribute).to_vec();
                let membership = UserFromDirectory {
                    directory: directory.as_ref(),
                    entry: &entry,
                };
                let mut outcome = self
                    .finish(provider, request, facts, user, roles, Some(&membership))
                    .await?;
                if let Some((tools, settings)) = self.artefacts.get(&provider.name) {
                    let login = outcome.identity.userid.to_string();
                    outcome
                        .secrets
                        .extend(super::build_artefacts(tools.as_ref(), settings, &login, password).await);
                }
                Ok(outcome)
            }
            ProviderMethod::OAuth { client, userinfomap } => {
                let Some(authorization) = &request.authorization else {
                    return Err(LoginError::Rejected(
                        "this provider signs in through its authorization page, not with a password".into(),
                    ));
                };
                let refused = |error: OAuthError| match error {
                    OAuthError::Unavailable(detail) => LoginError::Unavailable(format!("identity provider: {detail}")),
                    OAuthError::Unexpected(error) => LoginError::Unexpected(error),
                    OAuthError::CodeRefused | OAuthError::UserInfo => LoginError::InvalidCredentials,
                };
                let tokens = client
                    .exchange_code(&authorization.code, &authorization.verifier)
                    .await
                    .map_err(refused)?;
                let info = client.user_info(&tokens).await.map_err(refused)?;
                let user = super::oauth::oauth_user(&info, userinfomap.as_ref())
                    .ok_or_else(|| LoginError::Rejected("the identity provider gave no user id".into()))?;
                let roles = super::oauth::oauth_roles(&info);
                self.finish(provider, request, facts, user, roles, None).await
            }
        }
    }

    fn anonymous_user(
        &self,
        request: &LoginRequest,
        uid: &str,
        username: &str,
        allow_caller_userid: bool,
    ) -> Result<Map<String, Value>, LoginError> {
        let requested = request.userid.as_deref().filter(|u| !u.is_empty());
        let user = match requested {
            Some(userid) if allow_caller_userid || request.trusted_userid => {
                if !is_valid_implicit_userid(userid) {
                    return Err(LoginError::Rejected(
                        "invalid userid: it must match (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?".into(),
                    ));
                }
                json!({"userid": userid, "name": userid, "uid": userid})
            }
            _ => {
                if requested.is_some() {
                    tracing::debug!("ignoring a caller-chosen anonymous userid (allow_caller_userid is off)");
                }
                json!({"userid": self.random.uuid_v4(), "name": username, "uid": uid})
            }
        };
        match user {
            Value::Object(map) => Ok(map),
            _ => Err(LoginError::Unexpected(anyhow::anyhow!(
                "anonymous user info is not an object"
            ))),
        }
    }

    async fn finish(
        &self,
        provider: &Provider,
        request: &LoginRequest,
        facts: &RequestFacts,
        user: Map<String, Value>,
        roles: Vec<String>,
        membership: Option<&dyn MembershipLookup>,
    ) -> Result<LoginOutcome, LoginError> {
        // Labels do not exist yet, so only `all` entries can match (as in pyos).
        if !provider.acl.allows(&Labels::new()) {
            return Err(LoginError::Denied("Access is denied by security policy".into()));
        }
        let asn = self.geolocation.asn(facts.client_ip).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "AS number lookup failed");
            None
        });
        let mut labels = Labels::from([("ipsource".to_owned(), ip_label_value(facts.client_ip))]);
        if let Some(asn) = asn {
            labels.insert("asnumber".into(), asn.to_string());
        }
        let input = RuleInput {
            facts,
            user: &user,
            roles: &roles,
            asn,
            geolocation: request.geolocation.as_ref(),
            membership,
        };
        provider.rules.apply(&input, &mut labels).await;
        if let Some(class) = request
            .features
            .as_ref()
            .and_then(|f| f.get("executeclassname"))
            .and_then(Value::as_str)
        {
            labels.insert("executeclassname".into(), label_value(class));
        }
        let userid_text = user.get("userid").and_then(Value::as_str).unwrap_or_default();
        let userid = UserId::parse(userid_text).map_err(|e| LoginError::Rejected(e.to_string()))?;
        let name = user
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| userid.to_string(), str::to_owned);
        let posix = posix_account_from(&user, &self.posix_defaults);
        // Only a directory verified the password; it becomes the desktop account's password.
        let shadow = match (&provider.method, &request.password) {
            (ProviderMethod::Directory { .. }, Some(password)) => {
                // SHA-512-crypt (5,000 rounds) is CPU work: kept off the async workers.
                let (password, salt) = (password.clone(), self.random.alphanumeric(16));
                crate::cpu_pool::run(move || shadow_hash(&password, &salt))
                    .await
                    .ok()
                    .flatten()
            }
            _ => None,
        };
        let secrets = user_secrets(&user, &posix, shadow, &self.posix_defaults.account_groups);
        let identity = Identity {
            provider: provider.name.clone(),
            providertype: provider.providertype.clone(),
            domain: user.get("domain").and_then(Value::as_str).map(str::to_owned),
            labels,
            userid,
            name,
            roles: provider.roles.reduce(&roles),
        };
        Ok(LoginOutcome {
            identity,
            user_info: user,
            secrets,
            provider_display: provider.display.displayname.clone(),
            anonymous: matches!(provider.method, ProviderMethod::Anonymous { .. }),
        })
    }
}

#[path = "login/metalogin.rs"]
mod metalogin;
#[cfg(test)]
#[path = "login/metalogin_tests.rs"]
mod metalogin_tests;
#[cfg(test)]
mod tests;
