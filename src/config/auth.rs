//! `authmanagers`: managers and providers, parsed from their ordered tables.

use super::check::Problem;
use crate::domain::acl::Acl;
use crate::domain::auth::ManagerKind;
use crate::domain::rules::RuleSet;
use crate::domain::tokens::RoleReduction;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One manager.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Which manager.
    pub kind: ManagerKind,
    /// Enabled providers, in config order.
    pub providers: Vec<ProviderConfig>,
    /// Explicit manager: echoed to the client.
    pub show_domains: bool,
    /// Explicit manager: provider selection rules.
    pub rules: RuleSet,
}

/// One provider (the keys of every kind; each kind reads its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    /// Name (the table key; filled in by the parser).
    #[serde(skip)]
    pub name: String,
    /// Skip the provider when false.
    pub enabled: bool,
    /// Provider type (defaults to the name for implicit providers).
    #[serde(rename = "type")]
    pub providertype: Option<String>,
    /// Display name.
    pub displayname: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// Icon.
    pub icon: Option<String>,
    /// Button colour.
    pub backgroundcolor: Option<String>,
    /// Text colour.
    pub textcolor: Option<String>,
    /// Login button target.
    pub dialog_url: Option<String>,
    /// Default provider.
    pub default: bool,
    /// Listed by `getauthconfig`.
    pub showclientdata: bool,
    /// `acl` and `rules`.
    pub policies: ProviderPolicies,
    /// `none`, `raw` or `cn`.
    pub reduce_roles_for_jwt: Option<String>,
    /// Anonymous: POSIX login name.
    pub uid: Option<String>,
    /// Anonymous: display name.
    pub username: Option<String>,
    /// Anonymous: accept a caller-chosen user id (off: pyos's impersonation risk).
    pub allow_caller_userid: bool,
    /// `auth/buildsecret`: the explicit provider whose password upgrades this provider's
    /// users (pyos `explicitproviderapproval`).
    pub explicitproviderapproval: Option<String>,
    /// Explicit: directory backend, `memory` or `ldap` (default: `ldap` when `servers` is
    /// set, else `memory`).
    pub directory: Option<String>,
    /// Explicit with an LDAP directory: its keys (read in a pass of their own).
    #[serde(skip)]
    pub ldap: super::ldap::LdapProviderConfig,
    /// External: the OAuth2 keys (read in a pass of their own).
    #[serde(skip)]
    pub oauth: super::oauth::OAuthProviderConfig,
    /// Explicit: user id attribute.
    pub useruidattr: Option<String>,
    /// Explicit: display name attribute.
    pub useridattr: Option<String>,
    /// Explicit: group attribute.
    pub memberof_attribut_name: Option<String>,
    /// Explicit: Active Directory NetBIOS domain (makes it an AD provider).
    pub domain: Option<String>,
    /// Explicit with the memory directory: its users.
    pub users: Vec<DirectoryUserConfig>,
    /// Explicit with the memory directory: its groups (DN → member DNs or uids).
    pub groups: BTreeMap<String, Vec<String>>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            name: String::new(),
            enabled: true,
            providertype: None,
            displayname: None,
            caption: None,
            icon: None,
            backgroundcolor: None,
            textcolor: None,
            dialog_url: None,
            default: false,
            showclientdata: true,
            policies: ProviderPolicies::default(),
            reduce_roles_for_jwt: None,
            uid: None,
            username: None,
            allow_caller_userid: false,
            explicitproviderapproval: None,
            directory: None,
            ldap: super::ldap::LdapProviderConfig::default(),
            oauth: super::oauth::OAuthProviderConfig::default(),
            useruidattr: None,
            useridattr: None,
            memberof_attribut_name: None,
            domain: None,
            users: Vec::new(),
            groups: BTreeMap::new(),
        }
    }
}

impl ProviderConfig {
    /// The directory backend: `directory` when set, else `ldap` when servers are listed.
    pub fn directory_backend(&self) -> &str {
        match &self.directory {
            Some(directory) => directory,
            None if !self.ldap.servers.is_empty() => "ldap",
            None => "memory",
        }
    }
}

fn check_directory(provider: &ProviderConfig, provider_key: &str, problems: &mut Vec<Problem>) {
    match provider.directory_backend() {
        "memory" => {}
        "ldap" => {
            let ldap = &provider.ldap;
            if ldap.servers.is_empty() {
                problems.push(Problem::new(
                    format!("{provider_key}.servers"),
                    "an LDAP provider needs servers",
                ));
            }
            if ldap.users_ou.is_none() && ldap.ldap_basedn.is_none() {
                problems.push(Problem::new(
                    format!("{provider_key}.ldap_basedn"),
                    "an LDAP provider needs ldap_basedn (or users_ou)",
                ));
            }
            if !ldap.user_filter.contains("%s") {
                problems.push(Problem::new(
                    format!("{provider_key}.user_filter"),
                    "must contain %s (the login)",
                ));
            }
            for (key, seconds) in [
                ("ldap_connect_timeout", ldap.ldap_connect_timeout),
                ("ldap_timeout", ldap.ldap_timeout),
            ] {
                if !(seconds > 0.0 && seconds <= 3600.0) {
                    problems.push(Problem::new(
                        format!("{provider_key}.{key}"),
                        "must be between 0 and 3600 seconds",
                    ));
                }
            }
            if let Some(account) = &ldap.serviceaccount {
                for (key, value) in [("login", &account.login), ("password", &account.password)] {
                    if let Err(error) = super::ldap::ServiceAccountConfig::resolve(value) {
                        problems.push(Problem::new(format!("{provider_key}.serviceaccount.{key}"), error));
                    }
                }
            }
        }
        other => problems.push(Problem::new(
            format!("{provider_key}.directory"),
            format!("unknown directory backend '{other}' (available: memory, ldap)"),
        )),
    }
}

fn check_oauth(provider: &ProviderConfig, provider_key: &str, problems: &mut Vec<Problem>) {
    let oauth = &provider.oauth;
    if oauth.client_id.is_empty() {
        problems.push(Problem::new(format!("{provider_key}.client_id"), "required"));
    }
    if oauth.redirect_uri().is_none() {
        problems.push(Problem::new(
            format!("{provider_key}.redirect_uri_prefix"),
            "redirect_uri_prefix and redirect_uri_querystring are required",
        ));
    }
    let endpoints = [&oauth.authorization_base_url, &oauth.token_url, &oauth.userinfo_url];
    if oauth.issuer.is_none() && endpoints.iter().any(|e| e.is_none()) {
        problems.push(Problem::new(
            format!("{provider_key}.issuer"),
            "set issuer, or authorization_base_url, token_url and userinfo_url",
        ));
    }
    if !(oauth.timeout_seconds > 0.0 && oauth.timeout_seconds <= 300.0) {
        problems.push(Problem::new(
            format!("{provider_key}.timeout_seconds"),
            "must be between 0 and 300",
        ));
    }
}

/// `policies` of a provider.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProviderPolicies {
    /// ACL (`{permit, deny}`); absent means permit all.
    pub acl: Option<Value>,
    /// Label rules.
    pub rules: Option<Value>,
}

/// A user of the memory directory.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DirectoryUserConfig {
    /// Login.
    pub login: String,
    /// Password (kept in memory only; never logged).
    pub password: String,
    /// DN.
    pub dn: String,
    /// Attributes (a string or a list of strings each).
    pub attributes: Map<String, Value>,
}

/// The parsed pieces of one provider that need validation: ACL, rules, role reduction.
#[derive(Debug, Clone)]
pub struct ProviderPolicy {
    /// ACL.
    pub acl: Acl,
    /// Rules.
    pub rules: RuleSet,
    /// Role reduction.
    pub roles: RoleReduction,
}

impl ProviderConfig {
    /// Validates and parses the provider's policies; `key` prefixes problem keys.
    pub fn policy(&self, manager: ManagerKind, key: &str) -> Result<ProviderPolicy, Problem> {
        let acl = match &self.policies.acl {
            None => Acl::permit_all(),
            Some(value) => Acl::from_json(value).ok_or_else(|| {
                Problem::new(
                    format!("{key}.policies.acl"),
                    "must be a table {permit = [...], deny = [...]} of label names",
                )
            })?,
        };
        let rules = match &self.policies.rules {
            None => RuleSet::default(),
            Some(value) => {
                RuleSet::parse(value).map_err(|e| Problem::new(format!("{key}.policies.rules"), e.to_string()))?
            }
        };
        let default_reduction = if manager == ManagerKind::Explicit { "cn" } else { "raw" };
        let reduction = self.reduce_roles_for_jwt.as_deref().unwrap_or(default_reduction);
        let roles = RoleReduction::parse(reduction)
            .ok_or_else(|| Problem::new(format!("{key}.reduce_roles_for_jwt"), "must be none, raw or cn"))?;
        Ok(ProviderPolicy { acl, rules, roles })
    }
}

/// Parses `authmanagers`. Returns the managers (enabled ones, config order), the problems
/// (errors) and the warnings (unknown keys).
pub fn parse_managers(table: &Map<String, Value>) -> (Vec<ManagerConfig>, Vec<Problem>, Vec<String>) {
    let (mut managers, mut problems, mut warnings) = (Vec::new(), Vec::new(), Vec::new());
    for (manager_name, manager_value) in table {
        let key = format!("authmanagers.{manager_name}");
        let Some(kind) = ManagerKind::parse(manager_name) else {
            problems.push(Problem::new(
                key,
                "unknown manager (external, explicit, metaexplicit, implicit)",
            ));
            continue;
        };
        let Some(manager) = manager_value.as_object() else {
            problems.push(Problem::new(key, "must be a table"));
            continue;
        };
        if manager.get("enabled").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        for unknown in manager
            .keys()
            .filter(|k| !matches!(k.as_str(), "enabled" | "providers" | "show_domains" | "rules"))
        {
            warnings.push(format!("{key}.{unknown}: unknown key, ignored"));
        }
        let rules = match manager.get("rules") {
            Some(value) => RuleSet::parse(value).unwrap_or_else(|e| {
                problems.push(Problem::new(format!("{key}.rules"), e.to_string()));
                RuleSet::default()
            }),
            None => RuleSet::default(),
        };
        let mut providers = Vec::new();
        let provider_table = manager
            .get("providers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (provider_name, provider_value) in &provider_table {
            let provider_key = format!("{key}.providers.{provider_name}");
            let parsed = super::provider_keys::read_provider(provider_value, &provider_key, &mut warnings);
            match parsed {
                Ok(mut provider) if provider.enabled => {
                    provider.name = provider_name.clone();
                    if let Err(problem) = provider.policy(kind, &provider_key) {
                        problems.push(problem);
                    }
                    if kind == ManagerKind::Explicit {
                        check_directory(&provider, &provider_key, &mut problems);
                    }
                    if kind == ManagerKind::External {
                        check_oauth(&provider, &provider_key, &mut problems);
                    }
                    providers.push(provider);
                }
                Ok(_) => {}
                Err(error) => problems.push(Problem::new(provider_key, error.to_string())),
            }
        }
        let show_domains = manager.get("show_domains").and_then(Value::as_bool).unwrap_or(false);
        managers.push(ManagerConfig {
            kind,
            providers,
            show_domains,
            rules,
        });
    }
    (managers, problems, warnings)
}
