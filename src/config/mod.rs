//! The typed configuration, with pyos's key names where pyos has one.
//!
//! Layers: built-in defaults (the `Default` impls here) → a TOML file → environment
//! variables (see [`load`]). [`check`] lists every problem with the key it concerns.

mod auth;
mod check;
mod controllers;
mod desktop;
mod import;
mod ldap;
mod load;
mod login_routes;
mod model;
mod oauth;
mod provider_keys;
mod runtime;
mod stores;

pub use auth::{DirectoryUserConfig, ManagerConfig, ProviderConfig, parse_managers};
pub use check::{Problem, check};
pub use controllers::{API_KEY_SCOPES, ControllerConfig, ScopedKeyConfig, default_controllers};
pub use desktop::*;
pub use import::{Dropped, ImportError, Imported, import};
pub use ldap::{LdapProviderConfig, ServiceAccountConfig};
pub use load::{ConfigError, Loaded, load, load_str};
pub use login_routes::{LogmeinConfig, PreloginConfig};
pub use model::*;
pub use oauth::OAuthProviderConfig;
pub use runtime::*;
pub use stores::*;
