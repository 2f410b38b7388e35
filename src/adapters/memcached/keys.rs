//! Memcached keys from any cache key: memcached takes at most 250 bytes on the wire and no
//! whitespace or control characters (the client sends such keys base64-encoded, which
//! grows them by a third). Keys that fit go as they are; longer ones go as a digest.

use sha2::{Digest, Sha256};

/// Raw bytes that always fit once base64-encoded (250 × 3/4, less the marker).
const MAX_PLAIN: usize = 180;

/// The memcached key of `key` under `prefix`. Injective: a plain key starts with `k:` and
/// a digest with `h:`, so no plain key can equal a digest key, and distinct plain keys stay
/// distinct.
pub fn memcached_key(prefix: &str, key: &str) -> Vec<u8> {
    let plain_len = prefix.len() + 2 + key.len();
    if plain_len <= MAX_PLAIN {
        let mut plain = Vec::with_capacity(plain_len);
        plain.extend_from_slice(prefix.as_bytes());
        plain.extend_from_slice(b"k:");
        plain.extend_from_slice(key.as_bytes());
        return plain;
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut hashed = Vec::with_capacity(prefix.len() + 2 + 64);
    hashed.extend_from_slice(prefix.as_bytes());
    hashed.extend_from_slice(b"h:");
    for byte in digest {
        hashed.extend_from_slice(format!("{byte:02x}").as_bytes());
    }
    hashed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_keys_are_kept_and_long_ones_hashed() {
        assert_eq!(memcached_key("p_", "progress/abc"), b"p_k:progress/abc");
        let long = memcached_key("p_", &"x".repeat(500));
        assert!(long.starts_with(b"p_h:"));
        assert_eq!(long.len(), 2 + 2 + 64);
    }

    proptest! {
        #[test]
        fn distinct_keys_never_share_a_memcached_key(a in ".{0,300}", b in ".{0,300}") {
            prop_assume!(a != b);
            prop_assert_ne!(memcached_key("t_", &a), memcached_key("t_", &b));
        }

        #[test]
        fn every_key_fits_on_the_wire(key in ".{0,400}") {
            let wire = memcached_key("t_", &key);
            prop_assert!(wire.len().div_ceil(3) * 4 <= 250);
        }
    }
}
