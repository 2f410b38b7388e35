//! Metalogin (auth.md §4.7, §5.3): a login naming no provider, when the `metadirectory`
//! provider is the default, is looked up in the meta forest with its service account; the
//! account's join attribute (`DOMAIN\user`) names the home account, which logs in through
//! the explicit Active Directory provider of that domain with the typed password. The meta
//! forest then adds what it knows: the account's groups, those of the home account's
//! foreign security principal, and the meta provider's labels.
//!
//! Every case where the meta forest cannot say (no account, no join attribute, the forest
//! down) falls back to the ordinary login with the request as it came, as pyos does.
//! Unlike pyos, the meta forest is not bound a second time with the user's password: the
//! service account reads the same entries, and a password is checked once, by its home
//! domain.

use super::{LoginOutcome, LoginRequest, LoginService, UserFromDirectory};
use crate::domain::auth::directory_user::directory_user;
use crate::domain::auth::error::LoginError;
use crate::domain::auth::provider::{Provider, ProviderMethod};
use crate::domain::labels::Labels;
use crate::domain::request::RequestFacts;
use crate::domain::rules::RuleInput;
use crate::ports::DirectoryEntry;
use serde_json::Value;

impl LoginService {
    /// Logs in through the meta forest, or the ordinary way when it cannot say who this is.
    ///
    /// # Errors
    /// [`LoginError::Denied`] when the meta provider's ACL refuses or no explicit provider
    /// serves the home domain; any error of the home domain's login.
    pub(super) async fn metalogin(
        &self,
        meta: &Provider,
        request: &LoginRequest,
        facts: &RequestFacts,
    ) -> Result<LoginOutcome, LoginError> {
        let Some(metauser) = self.meta_account(meta, request).await else {
            return self.ordinary_login(request, facts).await;
        };
        let ProviderMethod::Directory {
            directory,
            userid_attribute,
            name_attribute,
            memberof_attribute,
            join_attribute: Some(join_attribute),
            ..
        } = &meta.method
        else {
            return self.ordinary_login(request, facts).await;
        };
        if !meta.acl.allows(&Labels::new()) {
            return Err(LoginError::Denied("Access is denied by security policy".into()));
        }
        let Some(joined) = metauser.first(join_attribute) else {
            tracing::info!("the meta account has no join attribute; ordinary login");
            return self.ordinary_login(request, facts).await;
        };
        let (domain, account) = joined.split_once('\\').unwrap_or(("", joined));
        let home = self
            .managers
            .explicit_provider_for_domain(domain)
            .filter(|_| !account.is_empty())
            .ok_or_else(|| {
                LoginError::Denied(format!(
                    "Can't find a provider for domain={domain} to authenticate user={account}, check your config file"
                ))
            })?;
        tracing::info!(provider = %home.name, "metadirectory login maps to its home domain");
        let home_request = LoginRequest {
            manager: Some("explicit".into()),
            provider: Some(home.name.clone()),
            userid: Some(account.to_owned()),
            ..request.clone()
        };
        let mut outcome = self.login_with(home, &home_request, facts).await?;

        let typed = request.userid.as_deref().unwrap_or_default();
        let meta_user = directory_user(&metauser, typed, userid_attribute, name_attribute);
        let mut roles = metauser.values(memberof_attribute).to_vec();
        if let Some(sid) = outcome.user_info.get("objectSid").and_then(Value::as_str) {
            match directory.foreign_principal_groups(sid).await {
                Ok(groups) => roles.extend(groups),
                Err(error) => tracing::warn!(%error, "foreign security principal lookup failed"),
            }
        }
        let asn = self.geolocation.asn(facts.client_ip).await.ok().flatten();
        let membership = UserFromDirectory {
            directory: directory.as_ref(),
            entry: &metauser,
        };
        let input = RuleInput {
            facts,
            user: &meta_user,
            roles: &roles,
            asn,
            geolocation: request.geolocation.as_ref(),
            membership: Some(&membership),
        };
        meta.rules.apply(&input, &mut outcome.identity.labels).await;
        // The home login's values win; the meta account only adds what it alone has.
        for (key, value) in meta_user {
            outcome.user_info.entry(key).or_insert(value);
        }
        for role in meta.roles.reduce(&roles) {
            if !outcome.identity.roles.contains(&role) {
                outcome.identity.roles.push(role);
            }
        }
        outcome.provider_display = format!("{} via {}", meta.display.displayname, outcome.provider_display);
        Ok(outcome)
    }

    /// The one meta-forest account of the typed login, or `None` (logged) for a fallback.
    async fn meta_account(&self, meta: &Provider, request: &LoginRequest) -> Option<DirectoryEntry> {
        let ProviderMethod::Directory { directory, .. } = &meta.method else {
            return None;
        };
        let login = request.userid.as_deref().filter(|login| !login.is_empty())?;
        match directory.find_user(login).await {
            Ok(Some(entry)) => Some(entry),
            Ok(None) => {
                tracing::info!("no single meta-forest account for this login; ordinary login");
                None
            }
            Err(error) => {
                tracing::warn!(%error, "the metadirectory cannot be searched; ordinary login");
                None
            }
        }
    }
}
