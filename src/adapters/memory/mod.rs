//! In-memory implementations of every port: the zero-dependency default and the backends
//! of domain and HTTP tests. All are thread-safe; the cache honours time to live.

mod authorized_keys;
mod cache;
mod cache_tap;
mod credentials;
mod datastore;
mod directory;
mod geolocation;
mod leader;
mod oauth;
mod orchestrator;
mod replicas;
mod stores;
mod webhooks;

pub use authorized_keys::MemoryAuthorizedKeys;
pub use cache::MemoryCache;
pub use cache_tap::TappedCache;
pub use credentials::MemoryCredentialTools;
pub use datastore::MemoryDatastore;
pub use directory::{MemoryDirectory, MemoryDirectoryUser};
pub use geolocation::{MemoryGeolocation, NetworkLocation};
pub use leader::SoleReplica;
pub use oauth::MemoryOAuthProvider;
pub use orchestrator::{MemoryOrchestrator, SimulationSettings};
pub use replicas::ThisProcessOnly;
pub use stores::{MemoryAccounting, MemoryBanStore, MemoryCatalogStore, MemoryHistory, MemoryProfileStore};
pub use webhooks::RecordedWebhooks;

#[cfg(test)]
mod contract_tests {
    use super::*;
    use crate::adapters::contract;

    #[tokio::test]
    async fn memory_cache() {
        contract::cache_contract(&MemoryCache::default()).await;
    }

    #[tokio::test]
    async fn memory_cache_takes_once_and_takes_any_key() {
        contract::cache_concurrency_contract(&MemoryCache::default()).await;
    }

    #[tokio::test]
    async fn memory_ban_store_counts_parallel_failures() {
        contract::ban_store_concurrency_contract(&MemoryBanStore::default()).await;
    }

    #[tokio::test]
    async fn memory_histories() {
        let history = MemoryHistory::default();
        contract::history_contract(&history, &history).await;
    }

    #[tokio::test]
    async fn memory_authorized_keys() {
        let store = MemoryAuthorizedKeys::default();
        contract::authorized_key_store_contract(&store, &store).await;
    }

    #[tokio::test]
    async fn memory_datastore() {
        contract::datastore_browser_contract(&MemoryDatastore::default()).await;
    }

    #[tokio::test]
    async fn memory_accounting() {
        contract::accounting_contract(&MemoryAccounting::default()).await;
    }

    #[tokio::test]
    async fn memory_ban_store() {
        contract::ban_store_contract(&MemoryBanStore::default()).await;
    }

    #[tokio::test]
    async fn memory_catalog_store() {
        contract::catalog_store_contract(&MemoryCatalogStore::default()).await;
        let store = MemoryCatalogStore::default();
        contract::catalog_changes_contract(&store, &store).await;
    }

    #[tokio::test]
    async fn expired_ban_records_are_swept() {
        use crate::ports::ban_store::{BanCollection, BanStore};
        let store = MemoryBanStore::default();
        for i in 0..1024 {
            store
                .add_failures(BanCollection::IpAddr, &format!("old{i}"), 1, 0, 60)
                .await
                .unwrap();
        }
        for i in 0..1024 {
            store
                .add_failures(BanCollection::IpAddr, &format!("new{i}"), 1, 1_000, 60)
                .await
                .unwrap();
        }
        assert!(store.len() <= 1024 + 1, "{} records kept", store.len());
        assert_eq!(
            store
                .find(BanCollection::IpAddr, "new0")
                .await
                .unwrap()
                .map(|r| r.count),
            Some(1),
            "live records stay"
        );
    }

    #[tokio::test]
    async fn memory_profile_store() {
        contract::profile_store_contract(&MemoryProfileStore::default()).await;
        contract::profile_store_concurrency_contract(&MemoryProfileStore::default()).await;
    }
}
