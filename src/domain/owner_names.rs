//! Every name derived from a desktop owner (provider + user id): desktop pods, user
//! secrets, home folders and claims, selector label values.
//!
//! Each function is injective over (provider, user id): two owners can never map to the
//! same name, whatever characters, case or length their ids have. Where the target syntax
//! is narrower than an id (DNS labels, label values), the whole owner is hashed with the
//! full SHA-256 digest and nothing is truncated; the readable part in front of the digest
//! is only there for operators and carries no identity. Ownership is still stored on every
//! object and checked on every read, so even a name taken by hand cannot hand one user
//! another's data.

use crate::domain::desktop::DesktopOwner;
use crate::domain::labels::label_value;
use crate::domain::naming::normalize_name;
use sha2::{Digest, Sha256};
use std::fmt;

/// RFC 4648 base32 alphabet, lowercased so that it fits DNS labels.
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Length of a base32-encoded SHA-256 digest (256 bits / 5, rounded up).
const DIGEST_LEN: usize = 52;
/// Longest readable prefix in front of a digest.
const READABLE_LEN: usize = 10;

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// SHA-256 over length-prefixed parts, so `("ab", "c")` and `("a", "bc")` differ.
fn digest(domain: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(domain.as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    base32(&hasher.finalize())
}

/// The digest of an owner: the identity part of every per-owner name.
fn owner_digest(owner: &DesktopOwner) -> String {
    digest("deskplane/owner", &[&owner.provider, owner.userid.as_str()])
}

/// A readable, DNS-safe hint made from `text` (never used to tell owners apart).
fn readable(text: &str) -> String {
    let cut: String = normalize_name(text).chars().take(READABLE_LEN).collect();
    cut.trim_matches('-').to_owned()
}

/// `<hint>-<digest>`, or the digest alone when the hint is empty. Always a DNS label.
fn hinted(hint: &str, owner: &DesktopOwner) -> String {
    let hint = readable(hint);
    if hint.is_empty() {
        // A DNS label must start with a letter for some consumers; the digest may not.
        format!("u{}", owner_digest(owner))
    } else {
        format!("{hint}-{}", owner_digest(owner))
    }
}

/// The name of a user's desktop pod: `<posix uid hint>-<owner digest>`, a DNS label
/// (at most 63 characters), the same on every replica.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct DesktopName(String);

impl DesktopName {
    /// The desktop name of `owner`, with the POSIX login as a readable hint.
    pub fn for_owner(owner: &DesktopOwner, posix_uid: &str) -> Self {
        Self(hinted(posix_uid, owner))
    }

    /// A name taken as is (names read back from the orchestrator, tests).
    pub fn from_existing(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for DesktopName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DesktopName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of one of a user's secrets: `auth-<kind>-<user hint>-<owner digest>`
/// (pyos's `auth-<kind>-<userid>`, made unique per owner, provider included).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretName(String);

impl SecretName {
    /// The secret of `kind` (`vnc`, `localaccount`…) of `owner`.
    pub fn new(kind: &str, owner: &DesktopOwner) -> Self {
        // Kinds come from code, never from users; still normalised to stay a DNS name.
        Self(format!(
            "auth-{}-{}",
            normalize_name(kind),
            hinted(owner.userid.as_str(), owner)
        ))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The folder of a user's home under a shared root (hostPath homes):
/// `<user hint>-<owner digest>`.
pub fn home_folder(owner: &DesktopOwner) -> String {
    hinted(owner.userid.as_str(), owner)
}

/// The name of a user's own home claim: `home-<user hint>-<owner digest>`.
pub fn home_claim_name(owner: &DesktopOwner) -> String {
    format!("home-{}", home_folder(owner))
}

/// The owner's part of cache keys: the base32 owner digest (52 characters), legal in
/// every cache's key syntax whatever the user id holds.
pub fn cache_key(owner: &DesktopOwner) -> String {
    owner_digest(owner)
}

/// Whether `text` has the shape of a hashed selector value (`h` + a base32 digest).
fn looks_hashed(text: &str) -> bool {
    text.len() == DIGEST_LEN + 1 && text.starts_with('h') && text[1..].bytes().all(|b| BASE32.contains(&b))
}

/// The label value standing for `text` (a user id or provider name) in selectors.
///
/// Injective: a text that is already a valid label value is kept (pyos's labels for
/// ordinary ids), unless it has the hashed shape; every other text becomes `h` followed by
/// the base32 SHA-256 of the text. Kept values never have the hashed shape, so a user whose
/// id is literally another user's hashed value is hashed too and cannot select that user.
pub fn selector_value(text: &str) -> String {
    if label_value(text) == text && !looks_hashed(text) {
        return text.to_owned();
    }
    format!("h{}", digest("deskplane/selector", &[text]))
}

#[cfg(test)]
mod tests;
