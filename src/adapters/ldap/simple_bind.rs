//! The lookups and binds themselves: a simple bind as `<usercnattr>=<login>,<users_ou>`
//! (Active Directory: found first, then bound by DN), and the service account's search of
//! a login. Nested groups are added on top by the port implementation.

use super::connection::BindOutcome;
use super::{LdapDirectory, check_input, escape};
use crate::domain::secret::Secret;
use crate::ports::directory::{DirectoryEntry, DirectoryError};
use ldap3::Scope;

impl LdapDirectory {
    /// The entry of `login` bound with `password`.
    pub(super) async fn authenticate_directly(
        &self,
        login: &str,
        password: &Secret,
    ) -> Result<DirectoryEntry, DirectoryError> {
        check_input(login, password)?;
        if let Some(domain) = &self.settings.active_directory {
            return self.authenticate_in_domain(domain, login, password).await;
        }
        let bind_dn = format!(
            "{}={},{}",
            self.settings.usercnattr,
            escape::dn_value(login),
            self.settings.users_ou
        );
        let mut ldap = match self.servers.bind(&self.settings, &bind_dn, password.expose()).await? {
            BindOutcome::Bound(ldap) => ldap,
            BindOutcome::Refused => return Err(DirectoryError::InvalidCredentials),
        };
        let found = self
            .search(
                &mut ldap,
                &self.settings.users_ou,
                Scope::Subtree,
                &self.user_filter(login),
                self.user_attributes(),
            )
            .await;
        let _closed = ldap.unbind().await;
        let mut entries = found?;
        // The bound DN is who logged in: prefer its entry if the filter matched several.
        let position = entries.iter().position(|entry| entry.dn.eq_ignore_ascii_case(&bind_dn));
        match position {
            Some(index) => Ok(entries.swap_remove(index)),
            None if entries.len() == 1 => Ok(entries.remove(0)),
            // Bound, but the filter does not find the user: the provider is misconfigured.
            None => Err(DirectoryError::Unexpected(anyhow::anyhow!(
                "ldap: the user filter finds {} entries for a bound user",
                entries.len()
            ))),
        }
    }

    /// The one entry of `login`, looked up with the service account.
    pub(super) async fn find_directly(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        if let Some(domain) = &self.settings.active_directory {
            return self.find_in_domain(domain, login).await;
        }
        let entries = self
            .service_search(
                &self.settings.users_ou,
                Scope::Subtree,
                &self.user_filter(login),
                self.user_attributes(),
            )
            .await?;
        Ok(match entries.len() {
            1 => entries.into_iter().next(),
            _ => None,
        })
    }
}
