//! The cache contract against the Memcached server `scripts/services.sh` starts.

use super::MemcachedCache;
use crate::adapters::contract;
use std::time::Duration;

async fn cache() -> MemcachedCache {
    MemcachedCache::connect(
        &contract::service_url("MEMCACHESERVER"),
        &contract::unique_prefix(),
        Duration::from_secs(2),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn memcached_honours_the_cache_contract() {
    contract::cache_contract(&cache().await).await;
}

#[tokio::test]
async fn memcached_takes_once_and_takes_any_key() {
    contract::cache_concurrency_contract(&cache().await).await;
}

#[tokio::test]
async fn two_prefixes_do_not_see_each_other() {
    let (first, second) = (cache().await, cache().await);
    use crate::ports::Cache as _;
    first.set("shared", "mine", Duration::from_secs(60)).await.unwrap();
    assert_eq!(second.get("shared").await.unwrap(), None);
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_within_the_timeout() {
    use crate::ports::{Cache as _, CacheError};
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let outcome = match MemcachedCache::connect(&format!("127.0.0.1:{port}"), "t_", Duration::from_millis(500)).await {
        Ok(cache) => cache.get("anything").await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(matches!(outcome, Err(CacheError::Unavailable(_))), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
