//! A directory whose users are listed in the config: explicit logins without an LDAP server.

use crate::domain::secret::Secret;
use crate::ports::directory::{Directory, DirectoryEntry, DirectoryError};
use async_trait::async_trait;
use subtle::ConstantTimeEq;

/// One user of the memory directory.
#[derive(Debug, Clone)]
pub struct MemoryDirectoryUser {
    /// Login.
    pub login: String,
    /// Password.
    pub password: Secret,
    /// Entry returned on success.
    pub entry: DirectoryEntry,
}

/// The directory.
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    users: Vec<MemoryDirectoryUser>,
    groups: Vec<DirectoryEntry>,
}

impl MemoryDirectory {
    /// Builds a directory from users and groups (groups list members in `member` DNs or `memberUid`).
    pub fn new(users: Vec<MemoryDirectoryUser>, groups: Vec<DirectoryEntry>) -> Self {
        Self { users, groups }
    }
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn authenticate(&self, login: &str, password: &Secret) -> Result<DirectoryEntry, DirectoryError> {
        if password.expose().is_empty() {
            return Err(DirectoryError::Rejected("password can not be an empty string".into()));
        }
        let user = self
            .users
            .iter()
            .find(|u| u.login == login)
            .ok_or(DirectoryError::InvalidCredentials)?;
        if bool::from(user.password.expose().as_bytes().ct_eq(password.expose().as_bytes())) {
            Ok(user.entry.clone())
        } else {
            Err(DirectoryError::InvalidCredentials)
        }
    }

    async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        Ok(self.users.iter().find(|u| u.login == login).map(|u| u.entry.clone()))
    }

    async fn is_member_of(&self, user: &DirectoryEntry, group_dn: &str) -> Result<bool, DirectoryError> {
        let uid = user.first("uid").unwrap_or_default();
        Ok(self
            .groups
            .iter()
            .filter(|g| g.dn.eq_ignore_ascii_case(group_dn))
            .any(|group| {
                group.values("member").iter().any(|m| m == &user.dn)
                    || group.values("memberUid").iter().any(|m| m == uid)
            }))
    }

    /// The groups with a `gidNumber` that is the user's own or that list the user's `uid` in
    /// `memberUid`, as the LDAP adapter's two default filters find them.
    async fn posix_groups(&self, user: &DirectoryEntry) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let (Some(uid), gid) = (user.first("uid"), user.first("gidNumber")) else {
            return Ok(Vec::new());
        };
        Ok(self
            .groups
            .iter()
            .filter(|group| {
                group.first("gidNumber").is_some_and(|group_gid| {
                    Some(group_gid) == gid || group.values("memberUid").iter().any(|m| m == uid)
                })
            })
            .cloned()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn directory() -> MemoryDirectory {
        let fry = DirectoryEntry {
            dn: "cn=Philip J. Fry,ou=people,dc=planetexpress,dc=com".into(),
            attributes: BTreeMap::from([("uid".to_owned(), vec!["fry".to_owned()])]),
        };
        let crew = DirectoryEntry {
            dn: "cn=ship_crew,ou=people,dc=planetexpress,dc=com".into(),
            attributes: BTreeMap::from([("memberUid".to_owned(), vec!["fry".to_owned()])]),
        };
        MemoryDirectory::new(
            vec![MemoryDirectoryUser {
                login: "fry".into(),
                password: Secret::new("fry"),
                entry: fry,
            }],
            vec![crew],
        )
    }

    #[tokio::test]
    async fn the_memory_directory_honours_the_directory_contract() {
        crate::adapters::contract::directory_contract(
            &directory(),
            ("fry", "fry"),
            "cn=ship_crew,ou=people,dc=planetexpress,dc=com",
            "cn=admin_staff,ou=people,dc=planetexpress,dc=com",
        )
        .await;
    }

    #[tokio::test]
    async fn posix_groups_are_the_primary_one_and_those_listing_the_uid() {
        let group = |cn: &str, gid: &str, members: &[&str]| DirectoryEntry {
            dn: format!("cn={cn},ou=groups,dc=pe"),
            attributes: BTreeMap::from([
                ("gidNumber".to_owned(), vec![gid.to_owned()]),
                (
                    "memberUid".to_owned(),
                    members.iter().map(|m| (*m).to_owned()).collect(),
                ),
            ]),
        };
        let user = |uid: &str, gid: &str| DirectoryEntry {
            dn: format!("cn={uid},ou=people,dc=pe"),
            attributes: BTreeMap::from([
                ("uid".to_owned(), vec![uid.to_owned()]),
                ("gidNumber".to_owned(), vec![gid.to_owned()]),
            ]),
        };
        let not_posix = DirectoryEntry {
            dn: "cn=ship_crew,dc=pe".into(),
            attributes: BTreeMap::from([("memberUid".to_owned(), vec!["fry".to_owned()])]),
        };
        let directory = MemoryDirectory::new(
            Vec::new(),
            vec![
                group("crew", "2000", &[]),
                group("deliveries", "2001", &["fry", "leela"]),
                group("lab", "2002", &["farnsworth"]),
                not_posix,
            ],
        );
        let names = |groups: Vec<DirectoryEntry>| groups.into_iter().map(|g| g.dn).collect::<Vec<_>>();
        assert_eq!(
            names(directory.posix_groups(&user("fry", "2000")).await.unwrap()),
            ["cn=crew,ou=groups,dc=pe", "cn=deliveries,ou=groups,dc=pe"]
        );
        assert_eq!(
            names(directory.posix_groups(&user("fr", "2003")).await.unwrap()),
            Vec::<String>::new(),
            "a uid is matched whole"
        );
    }
}
