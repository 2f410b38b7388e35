//! The authorized-keys registry (auth.md §10.3): `owner → OpenSSH public key`, seeded from
//! configuration and filled by `logmein` with the forwarded certificate's key, listed for
//! an SSH bastion. pyos kept it in the process, so a bastion saw only the logins of the
//! replica it asked; here the learnt keys live in a store the replicas share, bounded, so
//! certificate logins cannot grow it without limit.

use crate::ports::{AuthorizedKeyStore, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Most keys learnt from logins kept at once (the configured seed always stays).
pub const MAX_LEARNT_KEYS: usize = 10_000;

/// The registry.
#[derive(Clone)]
pub struct AuthorizedKeys {
    seed: BTreeMap<String, String>,
    learnt: Arc<dyn AuthorizedKeyStore>,
}

impl std::fmt::Debug for AuthorizedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizedKeys")
            .field("seed", &self.seed.len())
            .finish_non_exhaustive()
    }
}

impl AuthorizedKeys {
    /// A registry listing `seed` (config `authorized_keys`) and the keys in `learnt`.
    pub fn new(seed: BTreeMap<String, String>, learnt: Arc<dyn AuthorizedKeyStore>) -> Self {
        Self { seed, learnt }
    }

    /// Records `owner`'s key (replacing an earlier one, the seed's included). Returns false
    /// when the registry is full and `owner` is new.
    ///
    /// # Errors
    /// The store's [`StoreError`].
    pub async fn add(&self, owner: &str, key: &str) -> Result<bool, StoreError> {
        self.learnt.record(owner, key, MAX_LEARNT_KEYS).await
    }

    /// Every key line, one per owner, in owner order: a learnt key wins over the seed's.
    ///
    /// # Errors
    /// The store's [`StoreError`].
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        let mut keys = self.seed.clone();
        keys.extend(self.learnt.list().await?);
        Ok(keys.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::authorized_key_store::MockAuthorizedKeyStore;

    #[tokio::test]
    async fn a_learnt_key_wins_over_the_seed_and_owners_stay_in_order() {
        let mut store = MockAuthorizedKeyStore::new();
        store.expect_list().returning(|| {
            Ok(vec![
                ("admin".to_owned(), "ssh-rsa E".to_owned()),
                ("ldap/fry".to_owned(), "ssh-rsa C".to_owned()),
            ])
        });
        store
            .expect_record()
            .withf(|owner, key, max| (owner, key, *max) == ("ldap/fry", "ssh-rsa C", MAX_LEARNT_KEYS))
            .returning(|_, _, _| Ok(true));
        let seed = BTreeMap::from([
            ("admin".to_owned(), "ssh-ed25519 AAAA".to_owned()),
            ("zoe".to_owned(), "ssh-ed25519 ZZZZ".to_owned()),
        ]);
        let registry = AuthorizedKeys::new(seed, Arc::new(store));
        assert!(registry.add("ldap/fry", "ssh-rsa C").await.unwrap());
        assert_eq!(
            registry.list().await.unwrap(),
            ["ssh-rsa E", "ssh-rsa C", "ssh-ed25519 ZZZZ"]
        );
    }
}
