//! The authorized-keys registry (auth.md §10.3): `owner → OpenSSH public key`, seeded from
//! configuration and filled by `logmein` with the forwarded certificate's key, listed for
//! an SSH bastion. pyos kept it in the process, so a bastion saw only the logins of the
//! replica it asked; here the learnt keys live in a store the replicas share, bounded, so
//! certificate logins cannot grow it without limit.

use crate::domain::desktop::DesktopOwner;
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

    /// Records `owner`'s key, replacing their earlier one. Learnt keys are filed under the
    /// owner digest (provider and user id hashed together), so no provider name or user id,
    /// whatever it holds (`/` included), can file a key under another user. Returns false
    /// when the registry is full and `owner` is new.
    ///
    /// # Errors
    /// The store's [`StoreError`].
    pub async fn add(&self, owner: &DesktopOwner, key: &str) -> Result<bool, StoreError> {
        self.learnt
            .record(&crate::domain::owner_names::cache_key(owner), key, MAX_LEARNT_KEYS)
            .await
    }

    /// Every key line, one per owner: the seed's, then the learnt ones.
    ///
    /// # Errors
    /// The store's [`StoreError`].
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        let mut lines: Vec<String> = self.seed.values().cloned().collect();
        lines.extend(self.learnt.list().await?.into_iter().map(|(_, key)| key));
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::UserId;
    use crate::ports::authorized_key_store::MockAuthorizedKeyStore;
    use std::sync::Mutex;

    fn owner(provider: &str, userid: &str) -> DesktopOwner {
        DesktopOwner {
            userid: UserId::parse(userid).unwrap(),
            provider: provider.into(),
            providertype: "ldap".into(),
            name: userid.into(),
        }
    }

    /// `a` + `b/c` and `a/b` + `c` would both be `a/b/c`: the owner digest keeps them apart.
    #[tokio::test]
    async fn owners_whose_names_join_alike_keep_their_own_keys() {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let mut store = MockAuthorizedKeyStore::new();
        let into = recorded.clone();
        store.expect_record().returning(move |owner, _, max| {
            assert_eq!(max, MAX_LEARNT_KEYS);
            into.lock().unwrap().push(owner.to_owned());
            Ok(true)
        });
        store
            .expect_list()
            .returning(|| Ok(vec![("h1".to_owned(), "ssh-rsa C".to_owned())]));
        let seed = BTreeMap::from([("admin".to_owned(), "ssh-ed25519 AAAA".to_owned())]);
        let registry = AuthorizedKeys::new(seed, Arc::new(store));
        assert!(registry.add(&owner("a", "b/c"), "ssh-rsa 1").await.unwrap());
        assert!(registry.add(&owner("a/b", "c"), "ssh-rsa 2").await.unwrap());
        let keys = recorded.lock().unwrap().clone();
        assert_ne!(keys[0], keys[1]);
        assert!(keys.iter().all(|k| !k.contains('/')), "{keys:?}");
        assert_eq!(registry.list().await.unwrap(), ["ssh-ed25519 AAAA", "ssh-rsa C"]);
    }
}
