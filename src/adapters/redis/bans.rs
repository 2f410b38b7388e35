//! The ban store on Redis (`backends.bans = "redis"`): one hash per counted value,
//! `<prefix>fail2ban:<collection>:<id>` with `count` and `date`, updated by one Lua script so
//! parallel failures on any replica never lose an increment, and expiring a window after the
//! last failure as MongoDB's TTL index does. A ban check is one GET-sized round trip to a
//! server that answers in microseconds, instead of a MongoDB query on every login.

use super::RedisCache;
use crate::ports::StoreError;
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use crate::ports::cache::CacheError;
use crate::ports::clock::UnixSeconds;
use async_trait::async_trait;

/// Adds ARGV[1] failures at time ARGV[2]; a record whose last failure is ARGV[3] seconds old
/// or older starts again from ARGV[1] (the same rule as the MongoDB and memory stores).
const ADD_FAILURES: &str = r"
local fields = redis.call('HMGET', KEYS[1], 'count', 'date')
local by, now, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local count, date = tonumber(fields[1]), tonumber(fields[2])
if count == nil or date == nil or date <= now - window then
  count = by
else
  count = count + by
end
redis.call('HSET', KEYS[1], 'id', ARGV[4], 'count', count, 'date', now)
redis.call('EXPIRE', KEYS[1], math.max(window, 1))
return count
";

/// The ban store sharing the cache's Redis connection.
#[derive(Clone)]
pub struct RedisBans {
    redis: RedisCache,
    script: std::sync::Arc<::redis::Script>,
}

impl RedisBans {
    /// Bans on the server (and under the key prefix) of `redis`.
    pub fn new(redis: RedisCache) -> Self {
        Self {
            redis,
            script: std::sync::Arc::new(::redis::Script::new(ADD_FAILURES)),
        }
    }

    fn collection_prefix(collection: BanCollection) -> String {
        format!("fail2ban:{}:", collection.as_str())
    }

    fn key(&self, collection: BanCollection, id: &str) -> String {
        self.redis.key(&format!("{}{id}", Self::collection_prefix(collection)))
    }

    /// Every key of `collection`, found with SCAN (never KEYS, which blocks the server).
    async fn keys(&self, collection: BanCollection) -> Result<Vec<String>, StoreError> {
        let pattern = format!(
            "{}*",
            glob_escape(&self.redis.key(&Self::collection_prefix(collection)))
        );
        let mut keys = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = self
                .redis
                .run(
                    ::redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(500),
                )
                .await
                .map_err(store_error)?;
            keys.extend(batch);
            if next == 0 {
                return Ok(keys);
            }
            cursor = next;
        }
    }

    async fn read(&self, key: &str) -> Result<Option<BanRecord>, StoreError> {
        let (id, count, date): (Option<String>, Option<u32>, Option<UnixSeconds>) = self
            .redis
            .run(::redis::cmd("HMGET").arg(key).arg("id").arg("count").arg("date"))
            .await
            .map_err(store_error)?;
        Ok(match (id, count, date) {
            (Some(id), Some(count), Some(date)) => Some(BanRecord { id, count, date }),
            _ => None,
        })
    }
}

/// Escapes Redis glob characters so a prefix matches only itself.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn store_error(error: CacheError) -> StoreError {
    match error {
        CacheError::Unavailable(message) => StoreError::Unavailable(message),
        CacheError::Unexpected(error) => StoreError::Unexpected(error),
    }
}

#[async_trait]
impl BanStore for RedisBans {
    async fn add_failures(
        &self,
        collection: BanCollection,
        id: &str,
        by: u32,
        now: UnixSeconds,
        expire_after: i64,
    ) -> Result<BanRecord, StoreError> {
        let mut invocation = self.script.prepare_invoke();
        invocation
            .key(self.key(collection, id))
            .arg(by)
            .arg(now)
            .arg(expire_after)
            .arg(id);
        let count: u32 = self.redis.run_script(&invocation).await.map_err(store_error)?;
        Ok(BanRecord {
            id: id.to_owned(),
            count,
            date: now,
        })
    }

    async fn find(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError> {
        self.read(&self.key(collection, id)).await
    }

    async fn list(&self, collection: BanCollection) -> Result<Vec<BanRecord>, StoreError> {
        let mut records = Vec::new();
        for key in self.keys(collection).await? {
            // A record may expire between SCAN and HMGET: then it is simply not listed.
            if let Some(record) = self.read(&key).await? {
                records.push(record);
            }
        }
        Ok(records)
    }

    async fn remove(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError> {
        let deleted: u64 = self
            .redis
            .run(::redis::cmd("DEL").arg(self.key(collection, id)))
            .await
            .map_err(store_error)?;
        Ok(deleted > 0)
    }

    async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError> {
        let mut deleted = 0;
        for chunk in self.keys(collection).await?.chunks(500) {
            let removed: u64 = self
                .redis
                .run(::redis::cmd("DEL").arg(chunk))
                .await
                .map_err(store_error)?;
            deleted += removed;
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::glob_escape;

    #[test]
    fn glob_characters_of_a_prefix_are_escaped() {
        assert_eq!(glob_escape("a*b?c[d]e\\"), "a\\*b\\?c\\[d\\]e\\\\");
        assert_eq!(glob_escape("deskplane:fail2ban:login:"), "deskplane:fail2ban:login:");
    }
}
