//! Authorized keys kept in the process (one replica, or the quick start).

use crate::ports::StoreError;
use crate::ports::authorized_key_store::AuthorizedKeyStore;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// `owner → key`, in owner order.
#[derive(Debug, Default)]
pub struct MemoryAuthorizedKeys {
    keys: Mutex<BTreeMap<String, String>>,
}

#[async_trait]
impl AuthorizedKeyStore for MemoryAuthorizedKeys {
    async fn record(&self, owner: &str, key: &str, max_owners: usize) -> Result<bool, StoreError> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if !keys.contains_key(owner) && keys.len() >= max_owners {
            return Ok(false);
        }
        keys.insert(owner.to_owned(), key.to_owned());
        Ok(true)
    }

    async fn list(&self) -> Result<Vec<(String, String)>, StoreError> {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(keys.iter().map(|(owner, key)| (owner.clone(), key.clone())).collect())
    }
}
