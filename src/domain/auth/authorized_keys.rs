//! The authorized-keys registry (auth.md §10.3): `userid → OpenSSH public key`, seeded from
//! configuration and filled by `logmein` with the forwarded certificate's key, listed for
//! an SSH bastion. Like pyos's, it lives in the process (each replica keeps the keys of the
//! logins it served); unlike pyos's, it is bounded, so certificate logins cannot grow it
//! without limit.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Most keys learnt from logins kept at once (the configured seed always stays).
pub const MAX_LEARNT_KEYS: usize = 10_000;

/// The registry.
#[derive(Debug, Default)]
pub struct AuthorizedKeys {
    seed: BTreeMap<String, String>,
    keys: Mutex<BTreeMap<String, String>>,
}

impl AuthorizedKeys {
    /// A registry holding `seed` (config `authorized_keys`).
    pub fn new(seed: BTreeMap<String, String>) -> Self {
        Self {
            keys: Mutex::new(seed.clone()),
            seed,
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records `userid`'s key (replacing an earlier one). Returns false when the registry is
    /// full and `userid` is new.
    pub fn add(&self, userid: &str, key: &str) -> bool {
        let mut keys = self.keys();
        if !keys.contains_key(userid) && keys.len() >= self.seed.len() + MAX_LEARNT_KEYS {
            return false;
        }
        keys.insert(userid.to_owned(), key.to_owned());
        true
    }

    /// Every key line, one per user, in user id order.
    pub fn list(&self) -> Vec<String> {
        self.keys().values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_replace_per_user_and_the_registry_is_bounded() {
        let registry = AuthorizedKeys::new(BTreeMap::from([("admin".to_owned(), "ssh-ed25519 AAAA".to_owned())]));
        assert!(registry.add("fry", "ssh-rsa B"));
        assert!(registry.add("fry", "ssh-rsa C"));
        assert_eq!(registry.list(), ["ssh-ed25519 AAAA", "ssh-rsa C"]);
        for n in 1..MAX_LEARNT_KEYS {
            assert!(registry.add(&format!("user{n}"), "k"));
        }
        assert!(!registry.add("one-too-many", "k"));
        assert!(registry.add("fry", "ssh-rsa D"), "a known user may still change key");
    }
}
