//! Authentication: managers and providers, the login flow, tokens and request guards.

mod account;
mod artefacts;
mod authorized_keys;
mod directory_user;
mod error;
mod login;
mod oauth;
mod prelogin;
mod provider;
mod registry;
mod session;
mod upgrade;

pub use account::{
    AccountGroup, PosixDefaults, posix_account_from, posix_account_from_secret, shadow_hash, user_secrets,
};
pub use artefacts::{ArtefactSettings, KerberosArtefact, build_artefacts};
pub use authorized_keys::{AuthorizedKeys, MAX_LEARNT_KEYS};
pub use error::{AccessError, LoginError};
pub use login::{AuthorizationCode, LoginOutcome, LoginRequest, LoginService};
pub use oauth::{OAuthStates, PendingAuthorization, STATE_LIFETIME, pkce_challenge};
pub use prelogin::{Prelogin, PreloginError, PreloginPolicy};
pub use provider::{ManagerKind, Provider, ProviderDisplay, ProviderMethod};
pub use registry::{AuthManagers, Manager};
pub use session::{AuthFlowError, AuthSuccess, SessionService};
