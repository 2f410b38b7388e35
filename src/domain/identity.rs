//! Who the caller is, once a user token has been verified.

use crate::domain::desktop::DesktopOwner;
use crate::domain::labels::Labels;
use std::fmt;
use thiserror::Error;

/// A user id: non-empty, at most 256 characters, no control characters. It names the user's
/// desktop, secrets, history and cache keys, so once parsed nothing downstream re-checks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

/// Why a text is not a valid user id.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid userid: {0}")]
pub struct InvalidUserId(&'static str);

impl UserId {
    /// Longest accepted user id, in characters (as the OpenAPI document's `maxLength`
    /// counts them; at most 1 KiB of UTF-8).
    pub const MAX_LEN: usize = 256;

    /// Validates `text` as a user id.
    pub fn parse(text: &str) -> Result<Self, InvalidUserId> {
        if text.is_empty() {
            return Err(InvalidUserId("empty"));
        }
        if text.len() > Self::MAX_LEN && text.chars().count() > Self::MAX_LEN {
            return Err(InvalidUserId("longer than 256 characters"));
        }
        if text.chars().any(char::is_control) {
            return Err(InvalidUserId("contains control characters"));
        }
        Ok(Self(text.to_owned()))
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A verified caller: what the user token carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// Provider name (config key), e.g. `anonymous`, `planet`.
    pub provider: String,
    /// Provider type, e.g. `anonymous`, `ldap`, `oauth`.
    pub providertype: String,
    /// Active Directory domain, when the provider has one.
    pub domain: Option<String>,
    /// Auth labels computed at login.
    pub labels: Labels,
    /// User id.
    pub userid: UserId,
    /// Display name.
    pub name: String,
    /// Roles kept in the token (reduced group names).
    pub roles: Vec<String>,
}

impl Identity {
    /// The owner key of this user's desktop, secrets and applications.
    pub fn owner(&self) -> DesktopOwner {
        DesktopOwner {
            userid: self.userid.clone(),
            provider: self.provider.clone(),
            providertype: self.providertype.clone(),
            name: self.name.clone(),
        }
    }
}

/// What the request's `ABCAuthorization` header amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// No token, or a token that is malformed, forged, expired or not yet valid.
    Anonymous,
    /// A valid token whose provider is set but whose user id is empty or invalid.
    Unidentified,
    /// A valid token naming a user.
    Identified(Identity),
}

impl Caller {
    /// The identity, when the caller is identified.
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Self::Identified(identity) => Some(identity),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_validated_once() {
        assert!(UserId::parse("fry").is_ok());
        assert!(UserId::parse("Philip J. Fry").is_ok());
        assert_eq!(UserId::parse(""), Err(InvalidUserId("empty")));
        assert!(UserId::parse("a\nb").is_err());
        assert!(UserId::parse(&"x".repeat(257)).is_err());
    }
}
