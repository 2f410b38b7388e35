//! Active Directory logins (auth.md §4.6): a user types `DOMAIN\user`, `user@upn.suffix`
//! or `user`; the service account finds the one entry with that `sAMAccountName` or
//! `userPrincipalName`, and the user binds with that entry's DN. (A real AD also accepts
//! these names in a simple bind; searching first works on every server and tells an
//! unknown user from a wrong password only to the log.)

use super::{ActiveDirectory, LdapDirectory, escape};
use crate::domain::secret::Secret;
use crate::ports::directory::{DirectoryEntry, DirectoryError};
use ldap3::Scope;

/// What the user typed, once the domain prefix is checked.
enum AccountName<'a> {
    Sam(&'a str),
    Principal(&'a str),
}

impl<'a> AccountName<'a> {
    /// `None` when the login names another domain.
    fn parse(domain: &ActiveDirectory, login: &'a str) -> Option<Self> {
        if let Some((prefix, user)) = login.split_once('\\') {
            return (prefix.eq_ignore_ascii_case(&domain.domain) && !user.is_empty()).then_some(Self::Sam(user));
        }
        if login.contains('@') {
            return Some(Self::Principal(login));
        }
        Some(Self::Sam(login))
    }

    fn filter(&self) -> String {
        match self {
            Self::Sam(name) => format!("(&(objectClass=user)(sAMAccountName={}))", escape::filter_value(name)),
            Self::Principal(name) => format!(
                "(&(objectClass=user)(userPrincipalName={}))",
                escape::filter_value(name)
            ),
        }
    }
}

impl LdapDirectory {
    /// The one entry of `login` in the domain, looked up with the service account.
    pub(super) async fn find_in_domain(
        &self,
        domain: &ActiveDirectory,
        login: &str,
    ) -> Result<Option<DirectoryEntry>, DirectoryError> {
        let Some(name) = AccountName::parse(domain, login) else {
            return Ok(None);
        };
        let mut entries = self
            .service_search(
                &self.settings.users_ou,
                Scope::Subtree,
                &name.filter(),
                self.user_attributes(),
            )
            .await?;
        if entries.len() > 1 {
            tracing::warn!(
                count = entries.len(),
                "an Active Directory login matches several entries; refused"
            );
        }
        Ok((entries.len() == 1).then(|| entries.remove(0)))
    }

    pub(super) async fn authenticate_in_domain(
        &self,
        domain: &ActiveDirectory,
        login: &str,
        password: &Secret,
    ) -> Result<DirectoryEntry, DirectoryError> {
        let Some(found) = self.find_in_domain(domain, login).await? else {
            tracing::debug!("Active Directory login not found");
            return Err(DirectoryError::InvalidCredentials);
        };
        let mut ldap = match self.servers.bind(&self.settings, &found.dn, password.expose()).await? {
            super::connection::BindOutcome::Bound(ldap) => ldap,
            super::connection::BindOutcome::Refused => return Err(DirectoryError::InvalidCredentials),
        };
        // Read the entry again as the user: what they may see of themselves.
        let entries = self
            .search(
                &mut ldap,
                &found.dn,
                Scope::Base,
                "(objectClass=*)",
                self.user_attributes(),
            )
            .await;
        let _closed = ldap.unbind().await;
        Ok(entries?.into_iter().next().unwrap_or(found))
    }

    /// The `memberOf` of the one foreign security principal with `sid`, looked up with the
    /// service account; none for a string that is not a SID.
    pub(super) async fn foreign_groups(
        &self,
        domain: &ActiveDirectory,
        sid: &str,
    ) -> Result<Vec<String>, DirectoryError> {
        if !is_sid(sid) {
            return Ok(Vec::new());
        }
        let filter = domain.foreign_filter.replace("%s", &escape::filter_value(sid));
        let memberof = self.settings.memberof_attribute.as_str();
        let entries = self
            .service_search(&domain.foreign_base, Scope::Subtree, &filter, vec!["cn", memberof])
            .await?;
        Ok(match entries.as_slice() {
            [principal] => principal.values(memberof).to_vec(),
            _ => Vec::new(),
        })
    }
}

/// `S-1-<authority>(-<sub-authority>)*` in the string form AD accepts in filters.
fn is_sid(text: &str) -> bool {
    let mut parts = text.split('-');
    parts.next() == Some("S") && parts.next() == Some("1") && {
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty()
            && rest.len() <= 16
            && rest
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit()))
    }
}
