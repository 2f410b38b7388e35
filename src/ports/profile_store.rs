//! The per-user key/value profile behind `/API/store` (pyos database `profiles`).

use super::StoreError;
use crate::domain::identity::UserId;
use async_trait::async_trait;
use serde_json::Value;

/// Per-user settings such as `color`, `backgroundType` or `dock`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Stores `value` under `key` for `userid`, replacing any previous value.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn set(&self, userid: &UserId, key: &str, value: &Value) -> Result<(), StoreError>;
    /// Returns the value under `key` for `userid`, or `None`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn get(&self, userid: &UserId, key: &str) -> Result<Option<Value>, StoreError>;
}
