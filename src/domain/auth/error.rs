//! Errors of the auth flows, with pyos's client-visible messages.

use thiserror::Error;

/// Why a login failed. Every message is safe to show the client: directory diagnostics
/// never get here (no user enumeration, no account-state disclosure).
#[derive(Debug, Error)]
pub enum LoginError {
    /// The request body is unusable.
    #[error("{0}")]
    InvalidParameters(String),
    /// No provider was named and none can be chosen.
    #[error("{0}")]
    NoProvider(String),
    /// The named manager does not exist.
    #[error("Undefined authentication manager {0}")]
    UnknownManager(String),
    /// No manager has the named provider.
    #[error("Authentication manager not found: manager={manager} provider={provider}, check your configuration file")]
    ManagerNotFound {
        /// Manager asked for.
        manager: String,
        /// Provider asked for.
        provider: String,
    },
    /// The manager has no such provider.
    #[error("undefined authentication provider {0}")]
    UnknownProvider(String),
    /// Wrong login or password (one message for every cause).
    #[error("Invalid credentials")]
    InvalidCredentials,
    /// Input refused by the provider's policy (length, characters, empty password).
    #[error("{0}")]
    Rejected(String),
    /// The provider ACL or a feature gate refused the user.
    #[error("{0}")]
    Denied(String),
    /// The identity service (directory, IdP) cannot be reached.
    #[error("authentication service unavailable")]
    Unavailable(String),
    /// Anything else; the detail is logged, not shown.
    #[error("Internal api server error")]
    Unexpected(#[source] anyhow::Error),
}

/// Why a request was refused by the ban, spoof or identity guards (all HTTP 401).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccessError {
    /// The client address is banned.
    #[error("ip address is banned")]
    IpBanned,
    /// The forwarded chain failed the spoof check.
    #[error("spoofed X-Forwarded-For header detected")]
    Spoofed,
    /// No valid user token.
    #[error("user is not authenticated")]
    NotAuthenticated,
    /// A valid token without a user id.
    #[error("user is not identified")]
    NotIdentified,
    /// The user's login is banned.
    #[error("user is banned")]
    UserBanned,
}
