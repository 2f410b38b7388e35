//! The cache port on Memcached, through the `memcache` crate's asynchronous meta-protocol
//! client: a pool of connections, no blocking call on the async workers, and an atomic
//! `take` (a read, then a delete guarded by the value's CAS token).

mod keys;

use crate::ports::cache::{Cache, CacheError};
use async_trait::async_trait;
use keys::memcached_key;
use memcache::exp::{AsyncMemcache, Error as MemcacheError, Ttl};
use std::time::Duration;

/// Memcached reads a TTL above 30 days as a Unix date; ours are short, but clamp anyway.
const MAX_RELATIVE_TTL: u32 = 30 * 24 * 3600;

/// Stored in front of every value: memcached's client reserves zero-byte items, and an
/// empty string is a legitimate value of the cache port.
const VALUE_MARK: char = '=';

/// The cache on one Memcached server.
#[derive(Clone)]
pub struct MemcachedCache {
    client: AsyncMemcache,
    prefix: String,
}

impl MemcachedCache {
    /// Connects to `address` (`host:port`); each exchange gives up after `timeout`.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the address cannot be used.
    pub async fn connect(address: &str, prefix: &str, timeout: Duration) -> Result<Self, CacheError> {
        let client = AsyncMemcache::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .max_connections(64)
            .connect_async([address])
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(Self {
            client,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> Vec<u8> {
        memcached_key(&self.prefix, key)
    }
}

fn unavailable(error: &dyn std::fmt::Display) -> CacheError {
    CacheError::Unavailable(format!("memcached: {error}"))
}

fn translate(error: MemcacheError) -> CacheError {
    match error {
        MemcacheError::Io(_) | MemcacheError::Timeout { .. } | MemcacheError::Ambiguous { .. } => unavailable(&error),
        other => CacheError::Unexpected(anyhow::anyhow!("memcached: {other}")),
    }
}

fn unmark(stored: Option<String>) -> Result<Option<String>, CacheError> {
    match stored {
        None => Ok(None),
        Some(stored) => stored
            .strip_prefix(VALUE_MARK)
            .map(|value| Some(value.to_owned()))
            .ok_or_else(|| CacheError::Unexpected(anyhow::anyhow!("memcached: a value not written by deskplane"))),
    }
}

#[async_trait]
impl Cache for MemcachedCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        unmark(self.client.get::<String>(self.key(key)).await.map_err(translate)?)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let seconds = u32::try_from(ttl.as_secs())
            .unwrap_or(MAX_RELATIVE_TTL)
            .clamp(1, MAX_RELATIVE_TTL);
        let marked = format!("{VALUE_MARK}{value}");
        self.client
            .set(self.key(key), marked.as_str(), Ttl::secs(seconds))
            .await
            .map_err(translate)
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.client.delete(self.key(key)).await.map_err(translate)
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        match self.client.take::<String>(self.key(key)).await {
            Ok(taken) => unmark(taken),
            // Another taker kept winning the CAS race: the value is theirs.
            Err(MemcacheError::Conflict) => Ok(None),
            Err(error) => Err(translate(error)),
        }
    }
}

#[async_trait]
impl crate::ports::HealthCheck for MemcachedCache {
    fn backend(&self) -> &'static str {
        "memcached"
    }

    async fn check(&self) -> Result<(), String> {
        // A read of a key nobody writes: a miss is an answer.
        self.get("deskplane/readiness")
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests;
