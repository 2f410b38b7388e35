//! The data backends chosen by `backends.datastore`, `backends.cache` and `backends.bans`:
//! memory, or MongoDB and Memcached/Redis, each built once at boot and shared by every
//! request.

use super::BootError;
use crate::adapters::memcached::MemcachedCache;
use crate::adapters::memory::{
    MemoryAccounting, MemoryAuthorizedKeys, MemoryBanStore, MemoryCache, MemoryCatalogStore, MemoryDatastore,
    MemoryHistory, MemoryProfileStore,
};
use crate::adapters::mongo::{MirroredBans, MongoSettings, MongoStores};
use crate::adapters::redis::{RedisBans, RedisCache};
use crate::config::{Config, memcached_address};
use crate::ports::{
    Accounting, AuthorizedKeyStore, BanStore, Cache, CatalogStore, DatastoreBrowser, DesktopHistory, HealthCheck,
    LoginHistory, ProfileStore, WriteBehind,
};
use std::sync::Arc;
use std::time::Duration;

/// Every persistence and cache port, and the checks behind `/API/readyz`.
pub struct DataBackends {
    pub bans: Arc<dyn BanStore>,
    pub catalog: Arc<dyn CatalogStore>,
    pub desktop_history: Arc<dyn DesktopHistory>,
    pub login_history: Arc<dyn LoginHistory>,
    pub profiles: Arc<dyn ProfileStore>,
    pub accounting: Arc<dyn Accounting>,
    pub authorized_keys: Arc<dyn AuthorizedKeyStore>,
    /// What `manager/datastore` browses.
    pub browser: Arc<dyn DatastoreBrowser>,
    pub cache: Arc<dyn Cache>,
    pub health: Vec<Arc<dyn HealthCheck>>,
    /// Backends whose queued writes are made when the server stops.
    pub write_behind: Vec<Arc<dyn WriteBehind>>,
}

/// Builds the configured backends (the configuration is already checked).
///
/// # Errors
/// [`BootError::Store`] or [`BootError::Cache`] when a chosen server cannot be reached.
pub async fn data_backends_of(config: &Config) -> Result<DataBackends, BootError> {
    let mut health: Vec<Arc<dyn HealthCheck>> = Vec::new();
    let mut redis_bans: Option<Arc<dyn BanStore>> = None;
    let cache: Arc<dyn Cache> = match config.backends.cache.as_str() {
        "redis" => {
            let url = config.redisurl.clone().unwrap_or_default();
            let redis = Arc::new(RedisCache::connect(&url, &config.cache.key_prefix, cache_timeout(config)).await?);
            health.push(redis.clone());
            if config.backends.bans == "redis" {
                redis_bans = Some(Arc::new(RedisBans::new(redis.as_ref().clone())));
            }
            redis
        }
        "memcached" => {
            let server = config.memcacheserver.clone().unwrap_or_default();
            let address = memcached_address(&server, config.memcacheport);
            let memcached =
                Arc::new(MemcachedCache::connect(&address, &config.cache.key_prefix, cache_timeout(config)).await?);
            health.push(memcached.clone());
            memcached
        }
        _ => Arc::new(MemoryCache::default()),
    };
    if config.backends.datastore == "mongodb" {
        let mongodb = &config.mongodb;
        let stores = Arc::new(
            MongoStores::connect(MongoSettings {
                url: config.mongodburl.clone().unwrap_or_default(),
                param: config.mongodbparam.clone(),
                database_prefix: mongodb.database_prefix.clone(),
                server_selection_timeout: Duration::from_secs(mongodb.server_selection_timeout_seconds),
                connect_timeout: Duration::from_secs(mongodb.connect_timeout_seconds),
                operation_timeout: Duration::from_secs(mongodb.operation_timeout_seconds),
                ban_expire_after: Duration::from_secs(config.fail2ban.banexpireafterseconds.max(1).unsigned_abs()),
                pyos_profiles_provider: mongodb.pyos_profiles_provider.clone(),
                shared_login_history: mongodb.login_history == "shared",
            })
            .await?,
        );
        health.push(stores.clone());
        let write_behind: Vec<Arc<dyn WriteBehind>> = vec![stores.clone()];
        let bans: Arc<dyn BanStore> = match redis_bans {
            Some(redis) => redis,
            None if mongodb.ban_checks == "query" => stores.clone(),
            None => Arc::new(MirroredBans::follow(stores.as_ref().clone())),
        };
        return Ok(DataBackends {
            bans,
            catalog: stores.clone(),
            desktop_history: stores.clone(),
            login_history: stores.clone(),
            profiles: stores.clone(),
            authorized_keys: stores.clone(),
            browser: stores.clone(),
            accounting: stores,
            cache,
            health,
            write_behind,
        });
    }
    let history = Arc::new(MemoryHistory::default());
    Ok(DataBackends {
        bans: redis_bans.unwrap_or_else(|| Arc::new(MemoryBanStore::default())),
        catalog: Arc::new(MemoryCatalogStore::default()),
        desktop_history: history.clone(),
        login_history: history,
        profiles: Arc::new(MemoryProfileStore::default()),
        accounting: Arc::new(MemoryAccounting::default()),
        authorized_keys: Arc::new(MemoryAuthorizedKeys::default()),
        browser: Arc::new(MemoryDatastore::default()),
        cache,
        health,
        write_behind: Vec::new(),
    })
}

fn cache_timeout(config: &Config) -> Duration {
    Duration::from_secs(config.cache.timeout_seconds.max(1))
}
