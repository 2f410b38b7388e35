//! Authentication: managers and providers, the login flow, tokens and request guards.

mod account;
mod error;
mod login;
mod oauth;
mod provider;
mod registry;
mod session;

pub use account::{PosixDefaults, posix_account_from, posix_account_from_secret, shadow_hash, user_secrets};
pub use error::{AccessError, LoginError};
pub use login::{AuthorizationCode, LoginOutcome, LoginRequest, LoginService};
pub use oauth::{OAuthStates, PendingAuthorization, pkce_challenge};
pub use provider::{ManagerKind, Provider, ProviderDisplay, ProviderMethod};
pub use registry::{AuthManagers, Manager};
pub use session::{AuthFlowError, AuthSuccess, SessionService};
