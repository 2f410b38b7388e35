//! Per-user secrets written at login and read back later (Kubernetes Secrets
//! `auth-<kind>-<userid>` in production).

use crate::domain::desktop::{DesktopOwner, UserSecret};
use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;

/// The user's secrets: local account, POSIX account, LDIF, VNC password, credentials.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait UserSecretStore: Send + Sync {
    /// Creates or replaces the user's login secrets (`auth-<kind>-<userid>`).
    ///
    /// # Errors
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
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn read_user_secret(&self, owner: &DesktopOwner, kind: &str)
    -> Result<Option<UserSecret>, OrchestratorError>;
}
