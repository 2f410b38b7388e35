//! A cache that also tells this process of the writes it makes under one key prefix. The
//! progress stream (`core/progress`) hears every message a launch on this replica writes
//! the moment it is written, not only the ones a poll of the shared cache catches; what
//! other replicas write it still finds by polling.

use crate::ports::cache::{Cache, CacheError};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Writes held for a slow listener before it starts missing some (it then polls).
const BACKLOG: usize = 1_024;

/// `inner`, with its writes under `prefix` told to [`TappedCache::listen`]ers.
pub struct TappedCache {
    inner: Arc<dyn Cache>,
    prefix: &'static str,
    writes: broadcast::Sender<(String, String)>,
}

impl TappedCache {
    /// Taps the writes of `inner` whose key starts with `prefix`.
    pub fn new(inner: Arc<dyn Cache>, prefix: &'static str) -> Self {
        Self {
            inner,
            prefix,
            writes: broadcast::channel(BACKLOG).0,
        }
    }

    /// The (key, value) of every tapped write made from now on.
    pub fn listen(&self) -> broadcast::Receiver<(String, String)> {
        self.writes.subscribe()
    }

    /// Where the tapped writes go (`subscribe` on it is [`Self::listen`]).
    pub fn writes(&self) -> broadcast::Sender<(String, String)> {
        self.writes.clone()
    }
}

#[async_trait]
impl Cache for TappedCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.inner.get(key).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        self.inner.set(key, value, ttl).await?;
        if self.writes.receiver_count() > 0 && key.starts_with(self.prefix) {
            // No listener is the common case, not an error.
            let _ = self.writes.send((key.to_owned(), value.to_owned()));
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.inner.delete(key).await
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.inner.take(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryCache;

    #[tokio::test]
    async fn writes_under_the_prefix_are_told_and_the_cache_works_as_before() {
        let tapped = TappedCache::new(Arc::new(MemoryCache::default()), "progress/");
        crate::adapters::contract::cache_contract(&tapped).await;
        let mut heard = tapped.listen();
        tapped.set("other/k", "x", Duration::from_secs(5)).await.unwrap();
        tapped
            .set("progress/k", "b.Creating", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(heard.try_recv().unwrap(), ("progress/k".into(), "b.Creating".into()));
        assert!(heard.try_recv().is_err(), "only the prefix is told");
    }
}
