//! Reading one provider table: the common keys, the LDAP keys and the OAuth keys are read
//! in passes of their own (serde's flatten would hide every unknown key), and a key is
//! reported unknown when no pass knows it.

use super::auth::ProviderConfig;
use super::ldap::LdapProviderConfig;
use super::oauth::OAuthProviderConfig;
use serde_json::Value;

/// Whether `path` is, or lies under, one of `reported`.
fn within(path: &str, reported: &[String]) -> bool {
    reported.iter().any(|o| path == o || path.starts_with(&format!("{o}.")))
}

/// The provider at `value`; unknown keys go to `warnings`, prefixed with `provider_key`.
///
/// # Errors
/// The deserializer's message for a key of the wrong type.
pub fn read_provider(
    value: &Value,
    provider_key: &str,
    warnings: &mut Vec<String>,
) -> Result<ProviderConfig, serde_json::Error> {
    let mut passes: [Vec<String>; 3] = Default::default();
    let [common_unknown, ldap_unknown, oauth_unknown] = &mut passes;
    let common: Result<ProviderConfig, _> =
        serde_ignored::deserialize(value.clone(), |path| common_unknown.push(path.to_string()));
    let ldap: Result<LdapProviderConfig, _> =
        serde_ignored::deserialize(value.clone(), |path| ldap_unknown.push(path.to_string()));
    let oauth: Result<OAuthProviderConfig, _> =
        serde_ignored::deserialize(value.clone(), |path| oauth_unknown.push(path.to_string()));
    let mut reported: Vec<&String> = passes
        .iter()
        .flatten()
        .filter(|path| passes.iter().all(|pass| within(path, pass)))
        .collect();
    reported.sort();
    reported.dedup();
    warnings.extend(
        reported
            .into_iter()
            .map(|path| format!("{provider_key}.{path}: unknown key, ignored")),
    );
    let mut provider = common?;
    provider.ldap = ldap?;
    provider.oauth = oauth?;
    Ok(provider)
}
