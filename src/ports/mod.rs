//! Ports: the traits the domain core talks to. Adapters in `crate::adapters` implement them.
//!
//! Every trait is object safe and `Send + Sync`, so backends are chosen at boot and held as
//! `Arc<dyn Port>`. Each method documents what it returns and which error variants an adapter
//! must translate its driver's failures into; the domain never sees a driver type.

pub mod accounting;
pub mod authorized_key_store;
pub mod ban_store;
pub mod cache;
pub mod catalog_store;
pub mod clock;
pub mod credentials;
pub mod datastore_browser;
pub mod directory;
pub mod geolocation;
pub mod health;
pub mod history;
pub mod key_pairs;
pub mod leader;
pub mod metrics;
pub mod oauth;
pub mod orchestrator;
pub mod profile_store;
pub mod replicas;
pub mod tokens;
pub mod user_secrets;
pub mod webhooks;
pub mod write_behind;

pub use accounting::Accounting;
pub use authorized_key_store::AuthorizedKeyStore;
pub use ban_store::{BanCollection, BanRecord, BanStore};
pub use cache::{Cache, CacheError};
pub use catalog_store::CatalogStore;
pub use clock::{Clock, Randomness};
pub use credentials::{CredentialError, CredentialTools};
pub use datastore_browser::{DatastoreBrowser, DocumentQuery};
pub use directory::{Directory, DirectoryEntry, DirectoryError};
pub use geolocation::{GeoError, Geolocation, Location};
pub use health::HealthCheck;
pub use history::{DesktopHistory, LoginHistory};
pub use key_pairs::{GeneratedKeyPair, KeyPairGenerator};
pub use leader::LeaderElection;
pub use metrics::Metrics;
pub use oauth::{OAuthError, OAuthProvider, OAuthTokens};
pub use orchestrator::{ApplicationRuntime, DesktopOrchestrator, OrchestratorError};
pub use profile_store::ProfileStore;
pub use replicas::{ReplicaDirectory, ReplicaEndpoint};
pub use tokens::{TokenError, TokenSigner};
pub use user_secrets::UserSecretStore;
pub use webhooks::{WebhookError, WebhookRunner};
pub use write_behind::WriteBehind;

use thiserror::Error;

/// Errors shared by the persistence ports (history, catalog, profiles, bans, accounting,
/// authorized keys).
#[derive(Debug, Error)]
pub enum StoreError {
    /// The addressed record does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A record with the same unique key already exists.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The backend could not be reached or timed out; retrying later may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend reported.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
