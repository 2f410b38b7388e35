//! The launch progress channel read by `core/getmessageinfo` (orchestration.md §3.8).
//!
//! Only the latest message per user is kept, with a short time to live; `stopinfo` marks
//! the end of a launch. Writing progress is best effort: a cache outage must not fail a launch.

use crate::domain::desktop::DesktopOwner;
use crate::ports::Cache;
use crate::ports::orchestrator::ProgressSink;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// The prefix of every progress key (a cache may tell this process of writes under it).
pub const KEY_PREFIX: &str = "progress/";

/// The marker that ends a launch.
pub const STOP_MARKER: &str = "stopinfo";

/// Progress messages per user, kept in the cache port.
#[derive(Clone)]
pub struct ProgressChannel {
    cache: Arc<dyn Cache>,
    ttl: Duration,
}

impl ProgressChannel {
    /// Builds the channel; messages live `ttl` after their last write (pyos: 60 s).
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration) -> Self {
        Self { cache, ttl }
    }

    /// One key per owner (provider + user id), made only of base32 characters: two
    /// providers' users with one id never read each other's progress, and any user id
    /// makes a legal Memcached key.
    pub fn key(owner: &DesktopOwner) -> String {
        format!("{KEY_PREFIX}{}", crate::domain::owner_names::cache_key(owner))
    }

    /// Replaces whatever the user had with `message`.
    pub async fn push(&self, owner: &DesktopOwner, message: &str) {
        self.push_to(&Self::key(owner), message).await;
    }

    async fn push_to(&self, key: &str, message: &str) {
        if let Err(error) = self.cache.set(key, message, self.ttl).await {
            tracing::warn!(%error, "could not publish a progress message");
        }
    }

    /// Marks the end of a launch.
    pub async fn stop(&self, owner: &DesktopOwner) {
        self.push(owner, STOP_MARKER).await;
    }

    /// Returns and removes the pending message (`getmessageinfo`).
    ///
    /// # Errors
    /// [`crate::ports::CacheError`] when the cache cannot be read.
    pub async fn take(&self, owner: &DesktopOwner) -> Result<Option<String>, crate::ports::CacheError> {
        self.cache.take(&Self::key(owner)).await
    }

    /// Returns the pending message without removing it (`core/progress` follows it).
    ///
    /// # Errors
    /// [`crate::ports::CacheError`] when the cache cannot be read.
    pub async fn peek(&self, owner: &DesktopOwner) -> Result<Option<String>, crate::ports::CacheError> {
        self.cache.get(&Self::key(owner)).await
    }

    /// A sink that publishes to this user's channel, for the orchestrator.
    pub fn sink_for(&self, owner: &DesktopOwner) -> UserProgress {
        UserProgress {
            channel: self.clone(),
            key: Self::key(owner),
        }
    }
}

/// Publishes orchestrator progress for one user.
pub struct UserProgress {
    channel: ProgressChannel,
    /// The owner's cache key, hashed once for the whole launch.
    key: String,
}

#[async_trait]
impl ProgressSink for UserProgress {
    async fn publish(&self, message: &str) {
        self.channel.push_to(&self.key, message).await;
    }
}
