//! Authentication managers and providers from the config, with their directories.

use super::BootError;
use crate::adapters::ldap::{ActiveDirectory, DcLocator, LdapDirectory, LdapSettings};
use crate::adapters::memory::{MemoryDirectory, MemoryDirectoryUser};
use crate::adapters::oauth2::{Discovery, IdTokenCheck};
use crate::config::{Config, ManagerConfig, Problem, ProviderConfig, ServiceAccountConfig, parse_managers};
use crate::domain::auth::{AuthManagers, Manager, ManagerKind, Provider, ProviderDisplay, ProviderMethod};
use crate::domain::secret::Secret;
use crate::ports::{Directory, DirectoryEntry};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

fn memory_directory_of(provider: &ProviderConfig) -> MemoryDirectory {
    let users = provider
        .users
        .iter()
        .map(|user| {
            let attributes = user
                .attributes
                .iter()
                .map(|(k, v)| {
                    let values = match v {
                        Value::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect(),
                        other => vec![other.as_str().map_or_else(|| other.to_string(), str::to_owned)],
                    };
                    (k.clone(), values)
                })
                .collect();
            MemoryDirectoryUser {
                login: user.login.clone(),
                password: Secret::new(user.password.clone()),
                entry: DirectoryEntry {
                    dn: user.dn.clone(),
                    attributes,
                },
            }
        })
        .collect();
    let groups = provider
        .groups
        .iter()
        .map(|(dn, members)| {
            let (dns, uids): (Vec<String>, Vec<String>) = members.iter().cloned().partition(|m| m.contains('='));
            DirectoryEntry {
                dn: dn.clone(),
                attributes: [("member".to_owned(), dns), ("memberUid".to_owned(), uids)].into(),
            }
        })
        .collect();
    MemoryDirectory::new(users, groups)
}

/// The provider's directory: LDAP servers, or the users listed in the config.
fn directory_of(provider: &ProviderConfig, key: &str) -> Result<Arc<dyn Directory>, BootError> {
    if provider.directory_backend() != "ldap" {
        return Ok(Arc::new(memory_directory_of(provider)));
    }
    let ldap = &provider.ldap;
    let base = ldap.ldap_basedn.clone().unwrap_or_default();
    let resolve = |field: &str, value: &str| {
        ServiceAccountConfig::resolve(value)
            .map_err(|e| BootError::Config(vec![Problem::new(format!("{key}.serviceaccount.{field}"), e)]))
    };
    let service_account = match &ldap.serviceaccount {
        Some(account) => Some((
            resolve("login", &account.login)?,
            Secret::new(resolve("password", &account.password)?),
        )),
        None => None,
    };
    let users_ou = ldap.users_ou.clone().unwrap_or_else(|| base.clone());
    // pyos: without servers, the domain's DNS name is the server.
    let servers = match (&ldap.domain_fqdn, ldap.servers.is_empty()) {
        (Some(fqdn), true) => vec![fqdn.clone()],
        _ => ldap.servers.clone(),
    };
    let locator = match (&ldap.domain_fqdn, ldap.query_dcs) {
        (Some(fqdn), true) => Some(DcLocator {
            domain_fqdn: fqdn.clone(),
            dns_server: ldap.dns_server.as_deref().and_then(|server| server.parse().ok()),
            max_age: Duration::from_secs(ldap.dcs_list_maxage.max(1)),
        }),
        _ => None,
    };
    let directory = LdapDirectory::new(LdapSettings {
        servers,
        locator,
        users_ou: users_ou.clone(),
        groups_ou: ldap.goups_ou.clone().unwrap_or(base),
        posix_primary_group_filter: ldap.posix_primary_group_filter.clone(),
        recursive_groups: ldap.recursive_search,
        posix_groups_filter: ldap.posix_groups_filter.clone(),
        usercnattr: ldap.usercnattr.clone(),
        user_filter: ldap.user_filter.clone(),
        memberof_attribute: provider
            .memberof_attribut_name
            .clone()
            .unwrap_or_else(|| "memberOf".into()),
        service_account,
        connect_timeout: Duration::from_secs_f64(ldap.ldap_connect_timeout),
        operation_timeout: Duration::from_secs_f64(ldap.ldap_timeout),
        starttls: ldap.starttls,
        verify_certificates: ldap.tls_require_cert,
        ca_file: ldap.tls_ca_file.clone(),
        active_directory: provider.domain.as_ref().map(|domain| ActiveDirectory {
            domain: domain.to_uppercase(),
            foreign_base: ldap
                .foreign_basedn
                .clone()
                .unwrap_or_else(|| format!("CN=ForeignSecurityPrincipals,{users_ou}")),
            foreign_filter: ldap.foreign_filter.clone(),
        }),
    })
    .map_err(|e| BootError::Config(vec![Problem::new(format!("{key}.tls_ca_file"), e)]))?;
    Ok(Arc::new(directory))
}

fn provider_of(
    manager: &ManagerConfig,
    config: &ProviderConfig,
    discovered: &HashMap<String, (Discovery, Option<IdTokenCheck>)>,
) -> Result<Provider, BootError> {
    let key = format!("authmanagers.{}.providers.{}", manager.kind.name(), config.name);
    let policy = config
        .policy(manager.kind, &key)
        .map_err(|p| BootError::Config(vec![p]))?;
    let (providertype, method) = match manager.kind {
        ManagerKind::Implicit => (
            config.providertype.clone().unwrap_or_else(|| config.name.clone()),
            ProviderMethod::Anonymous {
                uid: config.uid.clone().unwrap_or_else(|| config.name.clone()),
                username: config.username.clone().unwrap_or_else(|| config.name.clone()),
                allow_caller_userid: config.allow_caller_userid,
            },
        ),
        ManagerKind::Explicit | ManagerKind::MetaExplicit => {
            let active_directory = config.domain.is_some();
            (
                if active_directory { "activedirectory" } else { "ldap" }.to_owned(),
                ProviderMethod::Directory {
                    directory: directory_of(config, &key)?,
                    domain: config.domain.as_ref().map(|d| d.to_uppercase()),
                    userid_attribute: config
                        .useruidattr
                        .clone()
                        .unwrap_or_else(|| if active_directory { "sAMAccountName" } else { "uid" }.into()),
                    name_attribute: config
                        .useridattr
                        .clone()
                        .unwrap_or_else(|| if active_directory { "name" } else { "cn" }.into()),
                    memberof_attribute: config
                        .memberof_attribut_name
                        .clone()
                        .unwrap_or_else(|| "memberOf".into()),
                    join_attribute: (manager.kind == ManagerKind::MetaExplicit)
                        .then(|| config.ldap.join_key_ldapattribut.clone())
                        .flatten(),
                },
            )
        }
        ManagerKind::External => (
            config.providertype.clone().unwrap_or_else(|| "oauth".into()),
            ProviderMethod::OAuth {
                client: super::oauth::oauth_client_of(manager, config, discovered.get(&config.name))?,
                userinfomap: config.oauth.userinfomap.clone(),
            },
        ),
    };
    let displayname = config.displayname.clone().unwrap_or_else(|| config.name.clone());
    Ok(Provider {
        name: config.name.clone(),
        manager: manager.kind,
        providertype,
        display: ProviderDisplay {
            caption: config.caption.clone().unwrap_or_else(|| displayname.clone()),
            displayname,
            icon: config.icon.clone(),
            backgroundcolor: config.backgroundcolor.clone(),
            textcolor: config.textcolor.clone(),
            dialog_url: config.dialog_url.clone(),
        },
        showclientdata: config.showclientdata,
        default: config.default,
        acl: policy.acl,
        rules: policy.rules,
        roles: policy.roles,
        explicit_approval: config.explicitproviderapproval.clone(),
        method,
    })
}

pub(super) fn managers_of(
    config: &Config,
    discovered: &HashMap<String, (Discovery, Option<IdTokenCheck>)>,
) -> Result<AuthManagers, BootError> {
    let (managers, problems, warnings) = parse_managers(&config.authmanagers);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    if !problems.is_empty() {
        return Err(BootError::Config(problems));
    }
    let managers = managers
        .iter()
        .map(|m| {
            let providers = m
                .providers
                .iter()
                .map(|p| provider_of(m, p, discovered))
                .collect::<Result<_, _>>()?;
            Ok(Manager {
                kind: m.kind,
                providers,
                show_domains: m.show_domains,
                rules: m.rules.clone(),
            })
        })
        .collect::<Result<_, BootError>>()?;
    Ok(AuthManagers::new(managers))
}
