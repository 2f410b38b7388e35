//! A TTL cache in a map.

use crate::ports::cache::{Cache, CacheError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Entries expire lazily on read; expired entries are swept every `SWEEP_EVERY` writes so
/// the map cannot grow without bound.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (String, Instant)>,
    writes: u64,
}

const SWEEP_EVERY: u64 = 1024;

impl MemoryCache {
    fn live(entries: &mut Entries, key: &str) -> Option<String> {
        match entries.map.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            Some(_) => {
                entries.map.remove(key);
                None
            }
            None => None,
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(Self::live(
            &mut self.entries.lock().unwrap_or_else(PoisonError::into_inner),
            key,
        ))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.writes += 1;
        if entries.writes.is_multiple_of(SWEEP_EVERY) {
            let now = Instant::now();
            entries.map.retain(|_, (_, expires)| *expires > now);
        }
        entries.map.insert(
            key.to_owned(),
            (
                value.to_owned(),
                Instant::now().checked_add(ttl).unwrap_or_else(far_future),
            ),
        );
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .remove(key);
        Ok(())
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let value = Self::live(&mut entries, key);
        entries.map.remove(key);
        Ok(value)
    }
}

/// An expiry for TTLs too large to add to now (a configured "never"): about a century.
fn far_future() -> Instant {
    let century = std::time::Duration::from_secs(100 * 365 * 24 * 3600);
    Instant::now().checked_add(century).unwrap_or_else(Instant::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_expire_and_take_removes() {
        let cache = MemoryCache::default();
        cache.set("a", "1", Duration::from_millis(30)).await.unwrap();
        cache.set("b", "2", Duration::from_secs(60)).await.unwrap();
        assert_eq!(cache.get("a").await.unwrap().as_deref(), Some("1"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(cache.get("a").await.unwrap(), None);
        assert_eq!(cache.take("b").await.unwrap().as_deref(), Some("2"));
        assert_eq!(cache.take("b").await.unwrap(), None);
        cache.set("c", "3", Duration::from_secs(60)).await.unwrap();
        cache.delete("c").await.unwrap();
        assert_eq!(cache.get("c").await.unwrap(), None);
    }
}
