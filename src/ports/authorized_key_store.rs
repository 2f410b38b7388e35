//! The keys `auth/logmein` learns from forwarded certificates, listed by
//! `auth/authorizedkeys` for an SSH bastion (auth.md §10.3). pyos kept them in its process,
//! so a bastion saw only the logins of the replica it asked; a store shared by the
//! replicas lists them all.

use super::StoreError;
use async_trait::async_trait;

/// `owner → OpenSSH public key line`, one key per owner (`provider/userid`).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AuthorizedKeyStore: Send + Sync {
    /// Records `key` for `owner`, replacing an earlier one, unless `owner` is new and the
    /// store already holds `max_owners` keys. Returns whether it was recorded. The cap
    /// may be passed by a few keys when replicas record new owners at the same instant.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn record(&self, owner: &str, key: &str, max_owners: usize) -> Result<bool, StoreError>;
    /// Every `(owner, key)` pair, in owner order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn list(&self) -> Result<Vec<(String, String)>, StoreError>;
}
