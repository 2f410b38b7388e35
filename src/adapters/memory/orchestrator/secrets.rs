//! The user-secret port of the simulation.

use super::{MemoryOrchestrator, owner_key};
use crate::domain::desktop::{DesktopOwner, UserSecret};
use crate::ports::orchestrator::OrchestratorError;
use crate::ports::user_secrets::UserSecretStore;
use async_trait::async_trait;

#[async_trait]
impl UserSecretStore for MemoryOrchestrator {
    async fn prepare_user_resources(
        &self,
        owner: &DesktopOwner,
        secrets: &[UserSecret],
    ) -> Result<(), OrchestratorError> {
        let mut state = self.state();
        let stored = state.secrets_of(owner_key(owner), self.settings.max_secret_owners);
        for secret in secrets {
            stored.insert(secret.kind.clone(), secret.clone());
        }
        Ok(())
    }

    async fn read_user_secret(
        &self,
        owner: &DesktopOwner,
        kind: &str,
    ) -> Result<Option<UserSecret>, OrchestratorError> {
        Ok(self
            .state()
            .secrets
            .get(&owner_key(owner))
            .and_then(|s| s.get(kind))
            .cloned())
    }

    async fn list_user_secret_types(&self, owner: &DesktopOwner) -> Result<Vec<String>, OrchestratorError> {
        let state = self.state();
        Ok(state
            .secrets
            .get(&owner_key(owner))
            .map(|secrets| {
                secrets
                    .values()
                    .filter(|s| !s.data.is_empty() || !s.files.is_empty())
                    .map(|s| format!("{}/{}", self.settings.namespace, s.kind))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn remove_user_resources(&self, owner: &DesktopOwner) -> Result<(), OrchestratorError> {
        self.state().secrets.remove(&owner_key(owner));
        Ok(())
    }
}
