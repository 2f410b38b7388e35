//! Collection names from user ids: pyos keeps a user's profile and login history in a
//! collection named after the user id. Names MongoDB refuses (empty, `$`, NUL, a leading
//! `system.`, too long) become a digest under a prefix no kept name can have, so two user
//! ids never share a collection.

use sha2::{Digest, Sha256};

/// Longest kept name: MongoDB limits `database.collection` to 255 bytes; the databases
/// used here are at most 12 bytes plus a short test prefix.
const MAX_KEPT: usize = 200;

/// The collection of `userid`. Injective: kept names never start with `~`, digests do.
pub fn user_collection(userid: &str) -> String {
    let keep = !userid.is_empty()
        && userid.len() <= MAX_KEPT
        && !userid.starts_with('~')
        && !userid.starts_with("system.")
        && !userid.contains(['$', '\0']);
    if keep {
        return userid.to_owned();
    }
    let digest = Sha256::digest(userid.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("~{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_ids_keep_pyos_names_and_awkward_ones_are_hashed() {
        assert_eq!(user_collection("fry"), "fry");
        assert_eq!(user_collection("Philip J. Fry"), "Philip J. Fry");
        for awkward in ["", "a$b", "system.users", "~fry", &"x".repeat(300)] {
            let name = user_collection(awkward);
            assert!(name.starts_with('~') && name.len() == 65, "{awkward:?} -> {name}");
        }
    }

    proptest! {
        #[test]
        fn two_ids_never_share_a_collection(a in ".{0,260}", b in ".{0,260}") {
            prop_assume!(a != b);
            prop_assert_ne!(user_collection(&a), user_collection(&b));
        }
    }
}
