//! Reads of desktops and user secrets that routes answer as they are: the operator's
//! list and descriptions, a user's own secret types and directory details. They live here
//! so the HTTP layer asks the domain, never the orchestrator or secret ports directly.

use super::model::{Desktop, DesktopOwner, UserSecret};
use super::service::{DesktopError, DesktopService};
use serde_json::Value;

impl DesktopService {
    /// Every desktop (no VNC password).
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the orchestrator fails.
    pub async fn list_all(&self) -> Result<Vec<Desktop>, DesktopError> {
        Ok(self.orchestrator.list_desktops().await?)
    }

    /// The desktop named `name`.
    ///
    /// # Errors
    /// [`DesktopError::NotFound`] when there is none, [`DesktopError::Orchestrator`] when
    /// the orchestrator fails.
    pub async fn by_name(&self, name: &str) -> Result<Desktop, DesktopError> {
        self.orchestrator.get_desktop(name).await?.ok_or(DesktopError::NotFound)
    }

    /// The orchestrator's own description of the desktop named `name` (the pod).
    ///
    /// # Errors
    /// [`DesktopError::NotFound`] when there is none, [`DesktopError::Orchestrator`] when
    /// the orchestrator fails.
    pub async fn describe_by_name(&self, name: &str) -> Result<Value, DesktopError> {
        self.orchestrator
            .describe_desktop(name)
            .await?
            .ok_or(DesktopError::NotFound)
    }

    /// The secret types `owner` has (`abcdesktop/vnc`, …), empty ones left out.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the secrets cannot be read.
    pub async fn secret_types(&self, owner: &DesktopOwner) -> Result<Vec<String>, DesktopError> {
        Ok(self.secrets.list_user_secret_types(owner).await?)
    }

    /// What the directory said of `owner` at login (the `ldif` secret), if kept.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the secret cannot be read, or belongs to
    /// another owner.
    pub async fn directory_details(&self, owner: &DesktopOwner) -> Result<Option<UserSecret>, DesktopError> {
        Ok(self.secrets.read_user_secret(owner, "ldif").await?)
    }
}
