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

#[tokio::test]
async fn redis_honours_the_ban_store_contracts() {
    let bans = super::RedisBans::new(cache().await);
    contract::ban_store_contract(&bans).await;
    contract::ban_store_concurrency_contract(&bans).await;
}

/// SCAN patterns are globs: a prefix holding glob characters must still list only its own
/// records, never another deployment's that the glob would also match.
#[tokio::test]
async fn ban_lists_stay_inside_a_prefix_with_glob_characters() {
    use crate::ports::BanStore;
    use crate::ports::ban_store::BanCollection;
    let base = contract::unique_prefix();
    let url = contract::service_url("REDIS_URL");
    let connect = |prefix: String| {
        let url = url.clone();
        async move {
            super::RedisBans::new(
                RedisCache::connect(&url, &prefix, Duration::from_secs(2))
                    .await
                    .unwrap(),
            )
        }
    };
    let globbed = connect(format!("{base}*?[x]_")).await;
    let other = connect(format!("{base}a?x_")).await;
    other
        .add_failures(BanCollection::Login, "fry*", 3, 1_000, 600)
        .await
        .unwrap();
    globbed
        .add_failures(BanCollection::Login, "[bender]", 1, 1_000, 600)
        .await
        .unwrap();
    let listed = globbed.list(BanCollection::Login).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, "[bender]");
    assert_eq!(globbed.clear(BanCollection::Login).await.unwrap(), 1);
    assert_eq!(
        other.find(BanCollection::Login, "fry*").await.unwrap().map(|r| r.count),
        Some(3),
        "clearing one prefix leaves the other's records"
    );
}
