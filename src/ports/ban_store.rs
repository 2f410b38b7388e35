//! Failure counters behind the ban policy (pyos `fail2ban` database).

use super::StoreError;
use super::clock::UnixSeconds;
use async_trait::async_trait;
use serde::Serialize;

/// Which kind of value a record counts failures for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BanCollection {
    /// Client IP addresses (pyos collection `ipaddr`).
    #[serde(rename = "ipaddr")]
    IpAddr,
    /// User logins (pyos collection `login`).
    Login,
}

impl BanCollection {
    /// Parses the collection name used on the manager route.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ipaddr" => Some(Self::IpAddr),
            "login" => Some(Self::Login),
            _ => None,
        }
    }
    /// The pyos name of the collection.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IpAddr => "ipaddr",
            Self::Login => "login",
        }
    }
}

/// One counted value: how many failures, and when the last one happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    /// The IP address or login.
    pub id: String,
    /// Failures counted while the record was alive.
    pub count: u32,
    /// Time of the last failure (or manual ban); the record expires a window after it.
    pub date: UnixSeconds,
}

/// Storage of failure records. Expiry is decided by the domain from `date`; a backend may
/// also drop records older than `expire_after` on its own (MongoDB TTL index).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BanStore: Send + Sync {
    /// Adds `by` to the record of `id` and sets its date to `now`, creating it with count `by`
    /// when absent or when the existing record is older than `expire_after` seconds.
    /// Returns the record after the update. Must be atomic per `id` (no lost increments).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn add_failures(
        &self,
        collection: BanCollection,
        id: &str,
        by: u32,
        now: UnixSeconds,
        expire_after: i64,
    ) -> Result<BanRecord, StoreError>;
    /// Returns the record of `id`, or `None`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn find(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError>;
    /// Returns every record of the collection, in no particular order.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn list(&self, collection: BanCollection) -> Result<Vec<BanRecord>, StoreError>;
    /// Deletes the record of `id`; returns whether one existed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn remove(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError>;
    /// Deletes every record of the collection; returns how many were deleted.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError>;
}
