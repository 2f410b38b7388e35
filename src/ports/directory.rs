//! A user directory: LDAP or Active Directory, one instance per configured provider.

use crate::domain::secret::Secret;
use async_trait::async_trait;
use std::collections::BTreeMap;
use thiserror::Error;

/// One directory entry with its attributes (values decoded as text; binary ones base64).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Distinguished name.
    pub dn: String,
    /// Attribute name → values, names as the server spells them.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl DirectoryEntry {
    /// Returns the first value of `attribute`, matching the name case-insensitively.
    pub fn first(&self, attribute: &str) -> Option<&str> {
        self.values(attribute).first().map(String::as_str)
    }
    /// Returns every value of `attribute`, matching the name case-insensitively.
    pub fn values(&self, attribute: &str) -> &[String] {
        self.attributes
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
            .map(|(_, values)| values.as_slice())
            .unwrap_or(&[])
    }
}

/// Errors a directory may return.
#[derive(Debug, Error)]
pub enum DirectoryError {
    /// The login/password pair was refused. Carries no server diagnostic on purpose: the
    /// client always sees one generic message (no user enumeration).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The login or password breaks the provider's input policy (length, characters).
    #[error("{0}")]
    Rejected(String),
    /// No directory server could be reached.
    #[error("directory unavailable: {0}")]
    Unavailable(String),
    /// Anything else the server reported.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Authentication and lookups against one directory.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Directory: Send + Sync {
    /// Binds as `login` with `password` and returns the user's entry with all attributes,
    /// including the group memberships (`memberOf`).
    ///
    /// # Errors
    /// [`DirectoryError::InvalidCredentials`] for a refused bind or an unknown user,
    /// [`DirectoryError::Rejected`] for input the provider refuses before binding (an empty
    /// password is always refused), [`DirectoryError::Unavailable`] when no server answers.
    async fn authenticate(&self, login: &str, password: &Secret) -> Result<DirectoryEntry, DirectoryError>;
    /// Looks `login` up with the service account, without the user's password.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers, [`DirectoryError::Unexpected`] otherwise.
    async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError>;
    /// Tells whether `user_dn` is a member of `group_dn` (by `member` or `memberUid`).
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers, [`DirectoryError::Unexpected`] otherwise.
    async fn is_member_of(&self, user: &DirectoryEntry, group_dn: &str) -> Result<bool, DirectoryError>;
    /// Returns the POSIX groups (`posixGroup` entries with `cn`, `gidNumber`, `memberUid`) of
    /// `user`, a `posixAccount`: its primary group (the one of its `gidNumber`) and every
    /// group listing its `uid` in `memberUid`. Directories without POSIX groups return none.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers, [`DirectoryError::Unexpected`] otherwise.
    async fn posix_groups(&self, user: &DirectoryEntry) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        let _ = user;
        Ok(Vec::new())
    }
    /// Returns the groups (`memberOf` DNs) of the foreign security principal whose
    /// `objectSid` is `sid` (`S-1-5-21-…`): how a forest that trusts another one lists the
    /// groups it gives the other forest's accounts (auth.md §4.7). Directories without
    /// foreign principals return none.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers, [`DirectoryError::Unexpected`] otherwise.
    async fn foreign_principal_groups(&self, sid: &str) -> Result<Vec<String>, DirectoryError> {
        let _ = sid;
        Ok(Vec::new())
    }
    /// Looks again for where the directory's servers are (Active Directory's domain
    /// controllers in DNS, `query_dcs`) and returns the servers found; `None` for a
    /// directory whose servers are configured, not looked up.
    ///
    /// # Errors
    /// None today; the signature leaves room for a directory that reports failures.
    async fn refresh_servers(&self) -> Result<Option<Vec<String>>, DirectoryError> {
        Ok(None)
    }
}
