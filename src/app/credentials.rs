//! The credential artefacts each directory provider asks for (`auth_protocol`), with the
//! tools that build them: the host's (`backends.credentials = "system"`, the default) or
//! fixed fakes (`"memory"`). Files they name are read here, once.

use super::BootError;
use crate::adapters::memory::MemoryCredentialTools;
use crate::adapters::system::SystemCredentialTools;
use crate::config::{Config, Problem, ProviderConfig, parse_managers};
use crate::domain::auth::{ArtefactSettings, KerberosArtefact, ManagerKind};
use crate::ports::CredentialTools;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Provider name → its tools and what they build, for the providers that ask for any.
pub type Artefacts = BTreeMap<String, (Arc<dyn CredentialTools>, ArtefactSettings)>;

fn read(path: &std::path::Path, key: String) -> Result<String, BootError> {
    std::fs::read_to_string(path)
        .map_err(|e| BootError::Config(vec![Problem::new(key, format!("cannot read {}: {e}", path.display()))]))
}

fn settings_of(provider: &ProviderConfig, key: &str) -> Result<ArtefactSettings, BootError> {
    let ldap = &provider.ldap;
    let wanted = &ldap.auth_protocol;
    let domain = provider.domain.clone().unwrap_or_default().to_uppercase();
    let kerberos = if wanted.kerberos {
        // Active Directory may name one realm per domain.
        let realm = match &ldap.kerberos_realm {
            Some(serde_json::Value::String(realm)) => Some(realm.clone()),
            Some(serde_json::Value::Object(by_domain)) => by_domain
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&domain))
                .and_then(|(_, realm)| realm.as_str().map(str::to_owned)),
            _ => None,
        }
        .ok_or_else(|| {
            BootError::Config(vec![Problem::new(
                format!("{key}.kerberos_realm"),
                "required by auth_protocol.kerberos (a realm, or DOMAIN = REALM)",
            )])
        })?;
        let krb5_conf = match &ldap.krb5_conf {
            Some(path) => Some(read(path, format!("{key}.krb5_conf"))?),
            None => None,
        };
        Some(KerberosArtefact {
            realm,
            krb5_conf,
            enctypes: ldap.kerberos_enctypes.clone(),
        })
    } else {
        None
    };
    let ntlm = wanted
        .ntlm
        .then(|| crate::domain::desktop::network::split_words(&ldap.ntlm_command).ok())
        .flatten();
    let citrix = match (&ldap.citrix_all_regions_ini, wanted.citrix) {
        (Some(path), true) => Some(read(path, format!("{key}.citrix_all_regions.ini"))?),
        (None, true) => {
            return Err(BootError::Config(vec![Problem::new(
                format!("{key}.citrix_all_regions.ini"),
                "required by auth_protocol.citrix",
            )]));
        }
        _ => None,
    };
    Ok(ArtefactSettings {
        kerberos,
        ntlm,
        cntlm: wanted.cntlm,
        citrix,
        domain,
    })
}

/// The artefacts of every directory provider that asks for some.
///
/// # Errors
/// [`BootError::Config`] for a missing realm or template, or a file that cannot be read.
pub(super) fn credential_artefacts_of(config: &Config) -> Result<Artefacts, BootError> {
    let (managers, _, _) = parse_managers(&config.authmanagers);
    let mut artefacts = Artefacts::new();
    for manager in managers
        .iter()
        .filter(|m| matches!(m.kind, ManagerKind::Explicit | ManagerKind::MetaExplicit))
    {
        for provider in &manager.providers {
            let key = format!("authmanagers.{}.providers.{}", manager.kind.name(), provider.name);
            let settings = settings_of(provider, &key)?;
            if settings.is_empty() {
                continue;
            }
            let tools: Arc<dyn CredentialTools> = match config.backends.credentials.as_str() {
                "memory" => Arc::new(MemoryCredentialTools),
                _ => Arc::new(SystemCredentialTools {
                    ktutil: provider.ldap.ktutil.clone(),
                    cntlm: provider.ldap.cntlm.clone(),
                    timeout: Duration::from_secs_f64(provider.ldap.exec_timeout.clamp(0.1, 600.0)),
                }),
            };
            artefacts.insert(provider.name.clone(), (tools, settings));
        }
    }
    Ok(artefacts)
}
