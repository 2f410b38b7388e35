//! Credential artefacts a directory login leaves for the desktop (`auth_protocol`, auth.md
//! §4.8): a Kerberos keytab, NTLM or cntlm hashes, a Citrix `All_Regions.ini`. Each is a
//! user secret the desktop mounts (`secrets_requirement`) and that goes with the others at
//! logout. Building one may fail (the tool is missing, the password does not fit it): the
//! login goes on without it, as in pyos, and the failure is logged without its output.

use crate::domain::desktop::UserSecret;
use crate::domain::secret::Secret;
use crate::ports::CredentialTools;
use std::collections::BTreeMap;

/// The keytab a login builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KerberosArtefact {
    /// `kerberos_realm` (for Active Directory, the realm of the provider's domain).
    pub realm: String,
    /// The text of `krb5_conf`, read at start, given to the desktop beside the keytab.
    pub krb5_conf: Option<String>,
    /// The key types written (`kerberos_enctypes`).
    pub enctypes: Vec<String>,
}

/// What one provider's `auth_protocol` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtefactSettings {
    /// `kerberos = true`.
    pub kerberos: Option<KerberosArtefact>,
    /// `ntlm = true`: the `ntlm_command`, split into arguments.
    pub ntlm: Option<Vec<String>>,
    /// `cntlm = true`.
    pub cntlm: bool,
    /// `citrix = true`: the `citrix_all_regions.ini` template, read at start.
    pub citrix: Option<String>,
    /// The provider's NTLM domain (`domain`).
    pub domain: String,
}

impl ArtefactSettings {
    /// Whether anything is asked for.
    pub fn is_empty(&self) -> bool {
        self.kerberos.is_none() && self.ntlm.is_none() && !self.cntlm && self.citrix.is_none()
    }
}

fn secret(kind: &str, data: BTreeMap<String, String>) -> UserSecret {
    UserSecret {
        files: BTreeMap::new(),
        kind: kind.to_owned(),
        data,
    }
}

/// The artefacts of `login` (the user id the directory gave) with `password`.
pub async fn build_artefacts(
    tools: &dyn CredentialTools,
    settings: &ArtefactSettings,
    login: &str,
    password: &Secret,
) -> Vec<UserSecret> {
    let mut built = Vec::new();
    let user = |extra: BTreeMap<String, String>| {
        let mut data = BTreeMap::from([
            ("NTLM_USER".to_owned(), login.to_owned()),
            ("NTLM_DOMAIN".to_owned(), settings.domain.clone()),
        ]);
        data.extend(extra);
        data
    };
    if let Some(kerberos) = &settings.kerberos {
        let principal = format!("{login}@{}", kerberos.realm);
        match tools.keytab(&principal, password, &kerberos.enctypes).await {
            Ok(keytab) => {
                let mut data = BTreeMap::from([
                    ("PRINCIPAL".to_owned(), login.to_owned()),
                    ("REALM".to_owned(), kerberos.realm.clone()),
                ]);
                if let Some(conf) = &kerberos.krb5_conf {
                    data.insert("krb5_conf".into(), conf.clone());
                }
                let mut made = secret("kerberos", data);
                made.files.insert("keytab".into(), keytab);
                built.push(made);
            }
            Err(error) => tracing::warn!(%error, login, "no Kerberos keytab for this login"),
        }
    }
    if let Some(command) = &settings.ntlm {
        match tools.ntlm(command, password).await {
            Ok(hashes) => built.push(secret("ntlm", user(hashes))),
            Err(error) => tracing::warn!(%error, login, "no NTLM hashes for this login"),
        }
    }
    if settings.cntlm {
        match tools.cntlm(login, &settings.domain, password).await {
            Ok(hashes) => built.push(secret("cntlm", user(hashes))),
            Err(error) => tracing::warn!(%error, login, "no cntlm hashes for this login"),
        }
    }
    if let Some(template) = &settings.citrix {
        let text = crate::domain::placeholders::fill(template, |name| match name {
            "username" => login.to_owned(),
            "password" => password.expose().to_owned(),
            "domain" => settings.domain.clone(),
            _ => String::new(),
        });
        built.push(secret("citrix", BTreeMap::from([("All_Regions.ini".to_owned(), text)])));
    }
    built
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::credentials::{CredentialError, MockCredentialTools};

    fn everything() -> ArtefactSettings {
        ArtefactSettings {
            kerberos: Some(KerberosArtefact {
                realm: "PLANETEXPRESS.COM".into(),
                krb5_conf: Some("[libdefaults]\n".into()),
                enctypes: vec!["aes256-cts-hmac-sha1-96".into()],
            }),
            ntlm: Some(vec!["/usr/bin/ntlm".into()]),
            cntlm: true,
            citrix: Some("[Regions]\nUser={{ username }}\nPassword={{ password }}\nDomain={{domain}}\n".into()),
            domain: "PLANETEXPRESS".into(),
        }
    }

    #[tokio::test]
    async fn each_artefact_asked_for_becomes_a_secret() {
        let mut tools = MockCredentialTools::new();
        tools
            .expect_keytab()
            .withf(|principal, password, enctypes| {
                principal == "fry@PLANETEXPRESS.COM"
                    && password.expose() == "fry"
                    && enctypes == ["aes256-cts-hmac-sha1-96"]
            })
            .returning(|_, _, _| Ok(vec![5, 2, 0xff]));
        tools
            .expect_ntlm()
            .returning(|_, _| Ok(BTreeMap::from([("NTLM_NT_HASH".to_owned(), "N".to_owned())])));
        tools
            .expect_cntlm()
            .withf(|login, domain, _| login == "fry" && domain == "PLANETEXPRESS")
            .returning(|_, _, _| Ok(BTreeMap::from([("CNTLM_PASSNT".to_owned(), "C".to_owned())])));
        let built = build_artefacts(&tools, &everything(), "fry", &Secret::new("fry")).await;
        let kinds: Vec<&str> = built.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["kerberos", "ntlm", "cntlm", "citrix"]);
        assert_eq!(built[0].files["keytab"], [5, 2, 0xff]);
        assert_eq!(built[0].data["REALM"], "PLANETEXPRESS.COM");
        assert_eq!(built[1].data["NTLM_USER"], "fry");
        assert_eq!(built[1].data["NTLM_NT_HASH"], "N");
        assert_eq!(built[2].data["CNTLM_PASSNT"], "C");
        assert_eq!(
            built[3].data["All_Regions.ini"],
            "[Regions]\nUser=fry\nPassword=fry\nDomain=PLANETEXPRESS\n"
        );
        assert!(!format!("{built:?}").contains("fry\\nDomain"), "Debug shows keys only");
    }

    #[tokio::test]
    async fn a_tool_that_fails_costs_its_artefact_only() {
        let mut tools = MockCredentialTools::new();
        tools
            .expect_keytab()
            .returning(|_, _, _| Err(CredentialError::Unavailable("no ktutil".into())));
        tools
            .expect_ntlm()
            .returning(|_, _| Err(CredentialError::Failed("exit 1".into())));
        tools
            .expect_cntlm()
            .returning(|_, _, _| Ok(BTreeMap::from([("CNTLM_PASSNT".to_owned(), "C".to_owned())])));
        let built = build_artefacts(&tools, &everything(), "fry", &Secret::new("fry")).await;
        let kinds: Vec<&str> = built.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["cntlm", "citrix"]);
        assert!(ArtefactSettings::default().is_empty());
    }
}
