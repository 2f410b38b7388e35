//! The directory port on LDAP (OpenLDAP and other RFC 4511 servers) with `ldap3`: pyos's
//! explicit provider (auth.md §4.5) with its defects fixed. The login goes into the bind
//! DN escaped as a DN value (RFC 4514; pyos used filter escaping) and into filters escaped
//! as a filter value (RFC 4515); every connection and operation has a deadline (pyos had
//! none); `ldaps://` and StartTLS verify the server's certificate unless the operator
//! turns that off; the server's diagnostic text never reaches the client.

mod active_directory;
mod connection;
mod escape;
mod locator;
mod nested_groups;
mod sid;
mod simple_bind;

pub use locator::DcLocator;

use crate::domain::secret::Secret;
use crate::ports::directory::{Directory, DirectoryEntry, DirectoryError};
use async_trait::async_trait;
use connection::Servers;
use ldap3::{Ldap, Scope, SearchEntry};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::Mutex;

/// One LDAP provider's settings (pyos's keys, read by the configuration).
#[derive(Debug, Clone)]
pub struct LdapSettings {
    /// Server URLs (`ldap://host:389`, `ldaps://host:636`), tried in random order.
    pub servers: Vec<String>,
    /// Where users are searched, and the suffix of their bind DN (`users_ou`).
    pub users_ou: String,
    /// RDN attribute of the bind DN (`usercnattr`, `cn`).
    pub usercnattr: String,
    /// User search filter, `%s` standing for the escaped login (`user_filter`).
    pub user_filter: String,
    /// Attribute read as the user's groups (`memberof_attribut_name`).
    pub memberof_attribute: String,
    /// Where POSIX groups are searched (`goups_ou`, sic; `ldap_basedn` by default).
    pub groups_ou: String,
    /// The primary POSIX group's filter, `%s` the user's `gidNumber`
    /// (`posixAccountGroup_filter`).
    pub posix_primary_group_filter: String,
    /// The other POSIX groups' filter, `%s` the `gidNumber`, then the `uid` (`posixGroup_filter`).
    pub posix_groups_filter: String,
    /// Service account (`serviceaccount.login`, `.password`) for lookups without the user.
    pub service_account: Option<(String, Secret)>,
    /// Longest wait for a TCP (and TLS) connection (`ldap_connect_timeout`).
    pub connect_timeout: Duration,
    /// Longest wait for any one operation (`ldap_timeout`).
    pub operation_timeout: Duration,
    /// Upgrade `ldap://` connections with StartTLS (`starttls`).
    pub starttls: bool,
    /// Verify the server's certificate (`tls_require_cert`, default true).
    pub verify_certificates: bool,
    /// Certificate authorities to trust instead of the system's (`tls_ca_file`, PEM).
    pub ca_file: Option<std::path::PathBuf>,
    /// Find the domain's controllers in DNS (`query_dcs`), tried before `servers`.
    pub locator: Option<DcLocator>,
    /// Add the groups of the user's groups to its `memberOf` (`recursive_search`).
    pub recursive_groups: bool,
    /// Active Directory logins (`domain` set): `DOMAIN\\user`, `user@upn` or `user`,
    /// looked up with the service account, then bound by DN.
    pub active_directory: Option<ActiveDirectory>,
}

/// How an Active Directory provider reads logins (auth.md §4.6).
#[derive(Debug, Clone)]
pub struct ActiveDirectory {
    /// The NetBIOS domain (`domain`): `DOMAIN\\user` logins must name it.
    pub domain: String,
    /// Where foreign security principals are searched (`foreign_basedn`,
    /// `CN=ForeignSecurityPrincipals,<users_ou>` by default).
    pub foreign_base: String,
    /// Their filter, `%s` standing for the escaped SID (`foreign_filter`).
    pub foreign_filter: String,
}

/// A directory on LDAP servers. Lookups share one service-account connection (reopened
/// when it breaks); each user bind opens a connection of its own and closes it.
pub struct LdapDirectory {
    servers: Servers,
    settings: LdapSettings,
    service: Mutex<Option<Ldap>>,
    /// Whether the server has the in-chain matching rule, once asked.
    in_chain: std::sync::OnceLock<bool>,
}

impl LdapDirectory {
    /// A directory on `settings.servers`; nothing is connected until the first login.
    ///
    /// # Errors
    /// A message naming the CA file when `ca_file` is unusable.
    pub fn new(settings: LdapSettings) -> Result<Self, String> {
        Ok(Self {
            servers: Servers::new(&settings)?,
            settings,
            service: Mutex::new(None),
            in_chain: std::sync::OnceLock::new(),
        })
    }

    fn user_filter(&self, login: &str) -> String {
        self.settings.user_filter.replace("%s", &escape::filter_value(login))
    }

    /// Searches with `ldap`; an absent base is an empty answer, not an error.
    async fn search(
        &self,
        ldap: &mut Ldap,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: Vec<&str>,
    ) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let outcome = ldap
            .with_timeout(self.settings.operation_timeout)
            .search(base, scope, filter, attributes)
            .await
            .map_err(connection::unavailable)?;
        const NO_SUCH_OBJECT: u32 = 32;
        if outcome.1.rc == NO_SUCH_OBJECT {
            return Ok(Vec::new());
        }
        let (entries, _) = outcome
            .success()
            .map_err(|e| DirectoryError::Unexpected(anyhow::anyhow!("ldap search refused: {e}")))?;
        Ok(entries
            .into_iter()
            .map(|entry| entry_of(SearchEntry::construct(entry)))
            .collect())
    }

    fn user_attributes(&self) -> Vec<&str> {
        // `memberOf` is operational on OpenLDAP: it only comes back when asked for.
        vec!["*", self.settings.memberof_attribute.as_str()]
    }

    /// Searches on the service-account connection, reopening it once if it broke. The
    /// connection multiplexes: concurrent lookups share it without waiting for each other.
    async fn service_search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: Vec<&str>,
    ) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        for attempt in 0..2 {
            let mut ldap = {
                let mut cached = self.service.lock().await;
                match cached.as_ref() {
                    Some(ldap) => ldap.clone(),
                    None => {
                        let ldap = self.servers.service_connection(&self.settings).await?;
                        *cached = Some(ldap.clone());
                        ldap
                    }
                }
            };
            match self.search(&mut ldap, base, scope, filter, attributes.clone()).await {
                Err(DirectoryError::Unavailable(detail)) if attempt == 0 => {
                    tracing::debug!(%detail, "the LDAP service connection broke; reopening it");
                    *self.service.lock().await = None;
                }
                other => return other,
            }
        }
        Err(DirectoryError::Unavailable("ldap: no server answers".into()))
    }
}

/// Attributes that hold password hashes or keys: a user bound as themselves may read
/// their own, and nothing downstream (tokens, desktop secrets, logs) should ever get them.
const CREDENTIAL_ATTRIBUTES: [&str; 6] = [
    "userPassword",
    "unicodePwd",
    "sambaNTPassword",
    "sambaLMPassword",
    "authPassword",
    "krbPrincipalKey",
];

fn is_credential(name: &str) -> bool {
    CREDENTIAL_ATTRIBUTES.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// A `SearchEntry` as the port's entry: text attributes as they are, a binary `objectSid`
/// as its `S-1-…` text, other binary ones base64, credentials dropped.
fn entry_of(entry: SearchEntry) -> DirectoryEntry {
    use base64::Engine as _;
    let mut attributes: BTreeMap<String, Vec<String>> = entry
        .attrs
        .into_iter()
        .filter(|(name, _)| !is_credential(name))
        .collect();
    for (name, values) in entry.bin_attrs.into_iter().filter(|(name, _)| !is_credential(name)) {
        // A SID is read as its text, which filters (foreign principals) and rules take.
        if name.eq_ignore_ascii_case("objectSid")
            && let Some(texts) = values.iter().map(|value| sid::sid_text(value)).collect()
        {
            attributes.insert(name, texts);
            continue;
        }
        let encoded = values
            .iter()
            .map(|value| base64::engine::general_purpose::STANDARD.encode(value))
            .collect();
        attributes.insert(name, encoded);
    }
    DirectoryEntry {
        dn: entry.dn,
        attributes,
    }
}

/// pyos's limits for a simple bind (auth.md §4.5.2), checked before any server is asked.
fn check_input(login: &str, password: &Secret) -> Result<(), DirectoryError> {
    if login.is_empty() || login.len() > 256 {
        return Err(DirectoryError::Rejected("user must be 1 to 256 characters long".into()));
    }
    if password.expose().is_empty() {
        return Err(DirectoryError::Rejected("password can not be an empty string".into()));
    }
    if password.expose().len() > 64 {
        return Err(DirectoryError::Rejected(
            "password length must be less than 64 characters".into(),
        ));
    }
    Ok(())
}

#[async_trait]
impl Directory for LdapDirectory {
    async fn authenticate(&self, login: &str, password: &Secret) -> Result<DirectoryEntry, DirectoryError> {
        let mut entry = self.authenticate_directly(login, password).await?;
        if self.settings.recursive_groups {
            self.add_nested_groups(&mut entry).await?;
        }
        Ok(entry)
    }

    async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        let mut found = self.find_directly(login).await?;
        if self.settings.recursive_groups
            && let Some(entry) = found.as_mut()
        {
            self.add_nested_groups(entry).await?;
        }
        Ok(found)
    }

    async fn is_member_of(&self, user: &DirectoryEntry, group_dn: &str) -> Result<bool, DirectoryError> {
        // A member by `memberOf` on the user's own entry (groupOfNames with the overlay)…
        if user
            .values(&self.settings.memberof_attribute)
            .iter()
            .any(|dn| dn.eq_ignore_ascii_case(group_dn))
        {
            return Ok(true);
        }
        // …or by the group's `member` (DN) or `memberUid` (POSIX uid), read from the group
        // entry itself (pyos searched `(cn=<unescaped value>)` under the DN's parent).
        let groups = self
            .service_search(
                group_dn,
                Scope::Base,
                "(objectClass=*)",
                vec!["member", "uniqueMember", "memberUid"],
            )
            .await?;
        let uid = user.first("uid");
        Ok(groups.iter().any(|group| {
            group
                .values("member")
                .iter()
                .chain(group.values("uniqueMember"))
                .any(|member| member.eq_ignore_ascii_case(&user.dn))
                || uid.is_some_and(|uid| group.values("memberUid").iter().any(|member| member == uid))
        }))
    }

    async fn refresh_servers(&self) -> Result<Option<Vec<String>>, DirectoryError> {
        Ok(self.servers.refresh_controllers().await)
    }

    async fn foreign_principal_groups(&self, sid: &str) -> Result<Vec<String>, DirectoryError> {
        match &self.settings.active_directory {
            Some(domain) => self.foreign_groups(domain, sid).await,
            None => Ok(Vec::new()),
        }
    }

    async fn posix_groups(&self, user: &DirectoryEntry) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        // pyos's two queries (primary by gidNumber, others by memberUid) in one filter.
        let gid = user
            .first("gidNumber")
            .filter(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()));
        let uid = user.first("uid").map(escape::filter_value);
        let filter = match (gid, uid) {
            (Some(gid), Some(uid)) => format!(
                "(|{}{})",
                escape::fill(&self.settings.posix_primary_group_filter, &[gid]),
                escape::fill(&self.settings.posix_groups_filter, &[gid, &uid])
            ),
            (Some(gid), None) => escape::fill(&self.settings.posix_primary_group_filter, &[gid]),
            // A posixAccount always has a gidNumber; without one there is no group to read.
            (None, _) => return Ok(Vec::new()),
        };
        self.service_search(
            &self.settings.groups_ou,
            Scope::Subtree,
            &filter,
            vec!["cn", "gidNumber", "memberUid", "description", "objectClass"],
        )
        .await
    }
}

#[cfg(test)]
mod tests;
