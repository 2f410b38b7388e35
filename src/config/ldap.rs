//! The LDAP keys of an explicit provider (auth.md §4.5.1), at the provider's level as in
//! pyos's `ldapconfig`.

use serde::Deserialize;

/// LDAP settings of one explicit provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LdapProviderConfig {
    /// Server addresses or URLs (`ldap://…`, `ldaps://…:636`, bare host), tried in random order.
    pub servers: Vec<String>,
    /// Base DN.
    pub ldap_basedn: Option<String>,
    /// Where users are searched, and the suffix of their bind DN (default: `ldap_basedn`).
    pub users_ou: Option<String>,
    /// Where pyos searched POSIX groups (its spelling). Accepted for od.config's sake; group
    /// membership is read from each group's own entry, so it is not used yet.
    pub goups_ou: Option<String>,
    /// RDN attribute of the bind DN.
    pub usercnattr: String,
    /// User search filter; `%s` is the escaped login.
    pub user_filter: String,
    /// Service account for lookups (`login` is a DN); either value may be `file://<path>`.
    pub serviceaccount: Option<ServiceAccountConfig>,
    /// Connection timeout, seconds.
    pub ldap_connect_timeout: f64,
    /// Timeout of each operation, seconds (pyos read it and never used it).
    pub ldap_timeout: f64,
    /// Upgrade `ldap://` connections with StartTLS.
    pub starttls: bool,
    /// Verify the server certificate of `ldaps://` and StartTLS (pyos never did).
    pub tls_require_cert: bool,
    /// PEM file of the certificate authorities to trust instead of the system's.
    pub tls_ca_file: Option<std::path::PathBuf>,
    /// Metadirectory (`metaexplicit`): the attribute of a meta-forest account naming its
    /// home account as `DOMAIN\\sAMAccountName`.
    pub join_key_ldapattribut: Option<String>,
    /// Active Directory: where foreign security principals are searched (default
    /// `CN=ForeignSecurityPrincipals,<users_ou>`).
    pub foreign_basedn: Option<String>,
    /// Active Directory: their filter, `%s` standing for the SID.
    pub foreign_filter: String,
    /// Active Directory: the DNS domain; the server when `servers` is empty, and where
    /// `query_dcs` looks the controllers up.
    pub domain_fqdn: Option<String>,
    /// Active Directory: find the domain controllers in DNS (`_ldap._tcp.<domain_fqdn>` SRV).
    pub query_dcs: bool,
    /// Seconds a list of controllers read from DNS is used before it is read again.
    pub dcs_list_maxage: u64,
    /// The DNS server `query_dcs` asks (`host:port`); the system's resolver when unset.
    pub dns_server: Option<String>,
    /// Add the groups of a user's groups (and theirs) to its roles: Active Directory's
    /// in-chain rule, or the groups' own `memberOf` on other servers.
    pub recursive_search: bool,
    /// The user's primary POSIX group, `%s` standing for their `gidNumber`.
    #[serde(rename = "posixAccountGroup_filter")]
    pub posix_primary_group_filter: String,
    /// Their other POSIX groups, the two `%s` standing for `gidNumber` and `uid`.
    #[serde(rename = "posixGroup_filter")]
    pub posix_groups_filter: String,
    /// The credential artefacts a login builds for the desktop (auth.md §4.8).
    pub auth_protocol: AuthProtocolConfig,
    /// The Kerberos realm: a name, or (Active Directory) a table `DOMAIN = REALM`.
    pub kerberos_realm: Option<serde_json::Value>,
    /// A krb5.conf given to the desktop beside the keytab.
    pub krb5_conf: Option<std::path::PathBuf>,
    /// The key types of the keytab.
    pub kerberos_enctypes: Vec<String>,
    /// MIT `ktutil`.
    pub ktutil: String,
    /// The NTLM helper: prints `KEY=VALUE` hashes of `NTLM_PASSWORD`.
    pub ntlm_command: String,
    /// `cntlm`.
    pub cntlm: String,
    /// Longest run of one of these tools, seconds.
    pub exec_timeout: f64,
    /// A template of Citrix's `All_Regions.ini` (`{{ username }}`, `{{ password }}`,
    /// `{{ domain }}`).
    #[serde(rename = "citrix_all_regions.ini")]
    pub citrix_all_regions_ini: Option<std::path::PathBuf>,
}

/// `auth_protocol`: which artefacts to build.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AuthProtocolConfig {
    /// A Kerberos keytab (`ktutil`).
    pub kerberos: bool,
    /// NTLM hashes (`ntlm_command`).
    pub ntlm: bool,
    /// cntlm hashes (`cntlm -H`).
    pub cntlm: bool,
    /// Citrix's `All_Regions.ini`, with the password in clear (as pyos).
    pub citrix: bool,
    /// Keep the directory entry as the `ldif` secret (pyos; always kept here).
    pub ldif: Option<bool>,
}

impl Default for LdapProviderConfig {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            ldap_basedn: None,
            users_ou: None,
            goups_ou: None,
            usercnattr: "cn".into(),
            user_filter: "(&(objectClass=Person)(cn=%s))".into(),
            serviceaccount: None,
            ldap_connect_timeout: 5.0,
            ldap_timeout: 15.0,
            starttls: false,
            tls_require_cert: true,
            tls_ca_file: None,
            join_key_ldapattribut: None,
            foreign_basedn: None,
            foreign_filter: "(&(objectClass=foreignSecurityPrincipal)(objectSid=%s))".into(),
            recursive_search: false,
            domain_fqdn: None,
            query_dcs: false,
            dcs_list_maxage: 3600,
            dns_server: None,
            posix_primary_group_filter: "(&(objectClass=posixGroup)(gidNumber=%s))".into(),
            posix_groups_filter: "(&(objectClass=posixGroup)(!(gidNumber=%s))(memberUid=%s))".into(),
            auth_protocol: AuthProtocolConfig::default(),
            kerberos_realm: None,
            krb5_conf: None,
            kerberos_enctypes: vec!["aes256-cts-hmac-sha1-96".into(), "aes128-cts-hmac-sha1-96".into()],
            ktutil: "/usr/bin/ktutil".into(),
            ntlm_command: "/var/pyos/oc/auth/ntlm/ntlm_auth".into(),
            cntlm: "/usr/sbin/cntlm".into(),
            exec_timeout: 10.0,
            citrix_all_regions_ini: None,
        }
    }
}

/// `serviceaccount`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceAccountConfig {
    /// Bind DN, or `file://<path>` (its first line).
    pub login: String,
    /// Password, or `file://<path>` (its first line).
    pub password: String,
}

impl ServiceAccountConfig {
    /// The value, or the first line of the file it names (`file://<path>`).
    ///
    /// # Errors
    /// The file's read error, naming it.
    pub fn resolve(value: &str) -> Result<String, String> {
        match value.strip_prefix("file://") {
            None => Ok(value.to_owned()),
            Some(path) => std::fs::read_to_string(path)
                .map(|text| text.lines().next().unwrap_or_default().to_owned())
                .map_err(|e| format!("cannot read {path}: {e}")),
        }
    }
}
