//! The cache port on Redis: one multiplexed connection shared by every request, which
//! reconnects on its own after the server comes back (redis's `ConnectionManager`). The
//! ban store can live there too (`bans.rs`).

mod bans;

pub use bans::RedisBans;

use crate::ports::cache::{Cache, CacheError};
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use async_trait::async_trait;
use std::time::Duration;

/// The cache on one Redis server. Keys are binary-safe in Redis, so any key is stored as
/// given, behind the configured prefix.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    prefix: String,
}

impl RedisCache {
    /// Connects to `url` (`redis://host:port/db`), failing after `timeout` when the server
    /// does not answer. Every later command also gives up after `timeout`.
    ///
    /// # Errors
    /// [`CacheError::Unavailable`] when the URL is unusable or the server does not answer.
    pub async fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Self, CacheError> {
        let client = ::redis::Client::open(url).map_err(|e| CacheError::Unavailable(format!("redis: bad URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let connection = tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config))
            .await
            .map_err(|_| unavailable(&"no answer at start-up"))?
            .map_err(|e| unavailable(&e))?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Runs one command; a connection failure or a timeout is `Unavailable`.
    async fn run<T: ::redis::FromRedisValue>(&self, command: &::redis::Cmd) -> Result<T, CacheError> {
        let mut connection = self.connection.clone();
        command.query_async(&mut connection).await.map_err(classify)
    }

    /// Runs a Lua script (EVALSHA, loading it on first use), with `run`'s errors.
    async fn run_script<T: ::redis::FromRedisValue>(
        &self,
        invocation: &::redis::ScriptInvocation<'_>,
    ) -> Result<T, CacheError> {
        let mut connection = self.connection.clone();
        invocation.invoke_async(&mut connection).await.map_err(classify)
    }
}

fn classify(error: ::redis::RedisError) -> CacheError {
    if error.is_io_error() || error.is_timeout() || error.is_connection_dropped() || error.is_connection_refusal() {
        unavailable(&error)
    } else {
        CacheError::Unexpected(anyhow::anyhow!("redis: {error}"))
    }
}

fn unavailable(error: &dyn std::fmt::Display) -> CacheError {
    CacheError::Unavailable(format!("redis: {error}"))
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.run(::redis::cmd("GET").arg(self.key(key))).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(::redis::cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(millis))
            .await
    }

    async fn delete(&self, key: &str) -> Result<(), CacheError> {
        self.run::<u64>(::redis::cmd("DEL").arg(self.key(key)))
            .await
            .map(|_| ())
    }

    async fn take(&self, key: &str) -> Result<Option<String>, CacheError> {
        // GETDEL (Redis 6.2+) reads and removes in one step: two takers never both win.
        self.run(::redis::cmd("GETDEL").arg(self.key(key))).await
    }
}

#[async_trait]
impl crate::ports::HealthCheck for RedisCache {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn check(&self) -> Result<(), String> {
        self.run::<String>(&::redis::cmd("PING"))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests;
