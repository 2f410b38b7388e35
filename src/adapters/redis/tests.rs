//! The cache contract against the Redis server `scripts/services.sh` starts.

use super::RedisCache;
use crate::adapters::contract;
use std::time::Duration;

async fn cache() -> RedisCache {
    RedisCache::connect(
        &contract::service_url("REDIS_URL"),
        &contract::unique_prefix(),
        Duration::from_secs(2),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn redis_honours_the_cache_contract() {
    contract::cache_contract(&cache().await).await;
}

#[tokio::test]
async fn redis_takes_once_and_takes_any_key() {
    contract::cache_concurrency_contract(&cache().await).await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_within_the_timeout() {
    use crate::ports::CacheError;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let outcome = RedisCache::connect(&format!("redis://127.0.0.1:{port}/"), "t_", Duration::from_millis(500)).await;
    assert!(matches!(outcome, Err(CacheError::Unavailable(_))));
    assert!(started.elapsed() < Duration::from_secs(3));
}
