//! Per-user secrets written at login and read back later (Kubernetes Secrets
//! `auth-<kind>-<user hint>-<owner digest>` in production, see
//! [`crate::domain::owner_names::SecretName`]). Every secret records its exact owner and
//! every read and write checks it.

use crate::domain::desktop::{DesktopOwner, UserSecret};
use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;

/// The user's secrets: local account, POSIX account, LDIF, VNC password, credentials.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait UserSecretStore: Send + Sync {
    /// Creates or replaces the user's login secrets. An existing secret is only updated
    /// when its stored owner is `owner`.
    ///
    /// # Errors
    /// [`OrchestratorError::OwnerMismatch`] when a secret of that name belongs to another owner,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached,
    /// [`OrchestratorError::Rejected`] when a secret is refused.
    async fn prepare_user_resources(
        &self,
        owner: &DesktopOwner,
        secrets: &[UserSecret],
    ) -> Result<(), OrchestratorError>;
    /// Returns the secret types (`<namespace>/<kind>`) the user has, skipping empty secrets.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn list_user_secret_types(&self, owner: &DesktopOwner) -> Result<Vec<String>, OrchestratorError>;
    /// Returns the owner's secret of `kind` (e.g. `posixaccount`), or `None`.
    ///
    /// # Errors
    /// [`OrchestratorError::OwnerMismatch`] when the secret of that name belongs to another owner,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn read_user_secret(&self, owner: &DesktopOwner, kind: &str)
    -> Result<Option<UserSecret>, OrchestratorError>;
    /// Deletes every secret (and config map) of `owner`, as a logout does when the user
    /// has no desktop to remove them with. Objects of other owners are never touched.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn remove_user_resources(&self, owner: &DesktopOwner) -> Result<(), OrchestratorError>;
}
