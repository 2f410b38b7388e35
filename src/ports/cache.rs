//! Short-lived values with a time to live: launch progress messages, prelogin sessions.

use async_trait::async_trait;
use std::time::Duration;
use thiserror::Error;

/// Errors a cache backend may return.
#[derive(Debug, Error)]
pub enum CacheError {
    /// The cache server could not be reached or timed out.
    #[error("cache unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend reported.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A key/value cache whose entries expire (Memcached, Redis, memory).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Cache: Send + Sync {
    /// Returns the value stored under `key`, or `None` when absent or expired.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the backend cannot be reached, [`CacheError::Unexpected`] otherwise.
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError>;
    /// Stores `value` under `key` for `ttl`, replacing any previous value and its expiry.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the backend cannot be reached, [`CacheError::Unexpected`] otherwise.
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError>;
    /// Removes `key`; removing an absent key succeeds.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the backend cannot be reached, [`CacheError::Unexpected`] otherwise.
    async fn delete(&self, key: &str) -> Result<(), CacheError>;
    /// Returns the value under `key` and removes it, so two readers never both get it.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the backend cannot be reached, [`CacheError::Unexpected`] otherwise.
    async fn take(&self, key: &str) -> Result<Option<String>, CacheError>;
}
