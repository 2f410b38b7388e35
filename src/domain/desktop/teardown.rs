//! Removing desktops (logout, operator, garbage collector), their logs, and the history
//! of desktop events.

use super::model::{Desktop, RemovalScope};
use super::service::{DesktopError, DesktopService};
use crate::domain::history::{DesktopEvent, DesktopEventType};
use crate::domain::identity::Identity;
use crate::domain::labels::Labels;
use crate::domain::request::RequestFacts;
use crate::ports::OrchestratorError;

impl DesktopService {
    /// Removes the caller's desktop and everything that belongs to it (logout). Having no
    /// desktop is not an error.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when removal fails.
    pub async fn remove_for(&self, identity: &Identity, facts: &RequestFacts) -> Result<bool, DesktopError> {
        let _no_launch_meanwhile = self
            .launches
            .lock(&crate::domain::owner_names::cache_key(&identity.owner()))
            .await;
        let Some(desktop) = self.find(identity).await? else {
            // No desktop took the login's secrets with it (credentials among them).
            self.secrets.remove_user_resources(&identity.owner()).await?;
            return Ok(false);
        };
        self.remove(&desktop, facts, false).await?;
        Ok(true)
    }

    /// Removes the desktop named `name` (operator route).
    ///
    /// # Errors
    /// [`DesktopError::NotFound`] for an unknown name.
    pub async fn remove_by_name(&self, name: &str, facts: &RequestFacts) -> Result<(), DesktopError> {
        let desktop = self
            .orchestrator
            .get_desktop(name)
            .await?
            .ok_or(DesktopError::NotFound)?;
        self.remove(&desktop, facts, false).await
    }

    pub(super) async fn remove(
        &self,
        desktop: &Desktop,
        facts: &RequestFacts,
        garbaged: bool,
    ) -> Result<(), DesktopError> {
        match self
            .orchestrator
            .remove_desktop(desktop, RemovalScope::Everything)
            .await
        {
            Ok(()) => {
                self.counters.bump("desktop", "remove").await;
                if let Some(hooks) = &self.network_hooks {
                    hooks.desktop_removed(&desktop.name).await;
                }
                let identity = Identity {
                    provider: desktop.owner.provider.clone(),
                    providertype: desktop.owner.providertype.clone(),
                    domain: None,
                    labels: Labels::new(),
                    userid: desktop.owner.userid.clone(),
                    name: desktop.owner.name.clone(),
                    roles: Vec::new(),
                };
                self.record(&identity, facts, desktop, DesktopEventType::Stop, Some(garbaged))
                    .await;
                Ok(())
            }
            Err(OrchestratorError::NotFound(_)) => Err(DesktopError::NotFound),
            Err(error) => Err(error.into()),
        }
    }

    /// The desktop log text (`getlogs`); empty without a desktop.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the orchestrator fails.
    pub async fn logs(&self, identity: &Identity) -> Result<String, DesktopError> {
        match self.find(identity).await? {
            Some(desktop) => Ok(self.orchestrator.desktop_logs(&desktop).await?),
            None => Ok(String::new()),
        }
    }

    pub(super) async fn record(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        desktop: &Desktop,
        eventtype: DesktopEventType,
        garbaged: Option<bool>,
    ) {
        let event = DesktopEvent {
            userid: identity.userid.to_string(),
            name: identity.name.clone(),
            provider: identity.provider.clone(),
            providertype: identity.providertype.clone(),
            labels: identity.labels.clone(),
            eventtype,
            isgarbaged: garbaged,
            desktop_id: desktop.name.clone(),
            node: desktop.node.clone(),
            date: self.clock.now(),
            useragent: facts.user_agent().map(str::to_owned),
            ipaddr: facts.client_ip.to_string(),
        };
        if let Err(error) = self.history.append(&event).await {
            tracing::warn!(%error, "could not record a desktop event");
        }
    }
}
