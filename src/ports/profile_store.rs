//! The per-user key/value profile behind `/API/store` (pyos database `profiles`).

use super::StoreError;
use crate::domain::desktop::DesktopOwner;
use async_trait::async_trait;
use serde_json::Value;

/// Per-user settings such as `color`, `backgroundType` or `dock`, kept per owner (provider
/// + user id): the same user id under two providers is two users.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// Stores `value` under `key` for `owner`, replacing any previous value, unless `key`
    /// is new and the owner already has `max_keys` keys. Returns whether it was stored.
    /// The check and the write are one step (no replica can squeeze past the cap).
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn set(&self, owner: &DesktopOwner, key: &str, value: &Value, max_keys: usize) -> Result<bool, StoreError>;
    /// Returns the value under `key` for `owner`, or `None`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached,
    /// [`StoreError::Unexpected`] for anything else.
    async fn get(&self, owner: &DesktopOwner, key: &str) -> Result<Option<Value>, StoreError>;
}
