//! In-memory implementations of every port: the zero-dependency default and the backends
//! of domain and HTTP tests. All are thread-safe; the cache honours time to live.

mod cache;
mod directory;
mod geolocation;
mod leader;
mod oauth;
mod orchestrator;
mod stores;

pub use cache::MemoryCache;
pub use directory::{MemoryDirectory, MemoryDirectoryUser};
pub use geolocation::{MemoryGeolocation, NetworkLocation};
pub use leader::SoleReplica;
pub use oauth::MemoryOAuthProvider;
pub use orchestrator::{MemoryOrchestrator, SimulationSettings};
pub use stores::{MemoryAccounting, MemoryBanStore, MemoryCatalogStore, MemoryHistory, MemoryProfileStore};

#[cfg(test)]
mod contract_tests {
    use super::*;
    use crate::adapters::contract;

    #[tokio::test]
    async fn memory_cache() {
        contract::cache_contract(&MemoryCache::default()).await;
    }

    #[tokio::test]
    async fn memory_ban_store() {
        contract::ban_store_contract(&MemoryBanStore::default()).await;
    }

    #[tokio::test]
    async fn memory_catalog_store() {
        contract::catalog_store_contract(&MemoryCatalogStore::default()).await;
    }

    #[tokio::test]
    async fn memory_profile_store() {
        contract::profile_store_contract(&MemoryProfileStore::default()).await;
    }
}
