//! The operator's view of the document database behind `/API/manager/datastore` (the
//! abcdesktop console's per-user pages): pyos's databases by their pyos names, their
//! collections, and documents addressed by their `kind` (pyos's index field).

use super::StoreError;
use super::clock::UnixSeconds;
use async_trait::async_trait;
use serde_json::Value;

/// Which documents of a collection to return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentQuery {
    /// Only documents with this `kind`.
    pub kind: Option<String>,
    /// Only documents whose `date` is after this instant.
    pub after: Option<UnixSeconds>,
    /// Only documents whose `date` is before this instant.
    pub before: Option<UnixSeconds>,
    /// Documents skipped first (pagination).
    pub skip: u64,
    /// Most documents returned.
    pub limit: u64,
}

/// Browsing and editing a document database, by pyos's database names (`profiles`,
/// `loginHistory`, …); an adapter maps them to its own (a prefix, say).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait DatastoreBrowser: Send + Sync {
    /// The collection names of `database`, sorted; none when it does not exist.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn collections(&self, database: &str) -> Result<Vec<String>, StoreError>;
    /// The documents of `collection` that `query` selects, in stored order, each as JSON
    /// with `_id` and `date` as text (pyos: `str()` of the ObjectId and of the datetime,
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn documents(
        &self,
        database: &str,
        collection: &str,
        query: &DocumentQuery,
    ) -> Result<Vec<Value>, StoreError>;
    /// Stores `value` as the document of `kind` (an object as it is, anything else as
    /// `{<kind>: value}`, `kind` set either way), replacing the one held.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn put(&self, database: &str, collection: &str, kind: &str, value: &Value) -> Result<(), StoreError>;
    /// Deletes the document of `kind`; returns whether there was one.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn delete(&self, database: &str, collection: &str, kind: &str) -> Result<bool, StoreError>;
    /// Drops `collection` with every document in it (nothing when it does not exist).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn drop_collection(&self, database: &str, collection: &str) -> Result<(), StoreError>;
}
