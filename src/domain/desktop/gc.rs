//! The garbage collector (orchestration.md §8.3): removes failed desktops and desktops idle
//! longer than `expirein` seconds with nobody connected.

use super::model::{Desktop, DesktopPhase};
use super::service::{DesktopError, DesktopService};
use crate::domain::request::RequestFacts;

/// What the collector is asked to do.
#[derive(Debug, Clone, Default)]
pub struct GcRequest {
    /// Idle seconds after the last login/resume before a desktop is collected.
    pub expire_in: i64,
    /// Only desktops on this node.
    pub node: Option<String>,
    /// Ignore live connections.
    pub force: bool,
}

impl DesktopService {
    /// Runs one collection; returns the names of the removed desktops.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when listing fails; a failed removal is logged and skipped.
    pub async fn collect_garbage(
        &self,
        request: &GcRequest,
        facts: &RequestFacts,
    ) -> Result<Vec<String>, DesktopError> {
        let now = self.clock().now();
        let mut removed = Vec::new();
        for desktop in self.orchestrator.list_desktops().await? {
            if request
                .node
                .as_ref()
                .is_some_and(|node| desktop.node.as_ref() != Some(node))
            {
                continue;
            }
            if !self.is_garbage(&desktop, request, now).await {
                continue;
            }
            match self.remove(&desktop, facts, true).await {
                Ok(()) => removed.push(desktop.name.clone()),
                Err(error) => {
                    tracing::warn!(%error, desktop = %desktop.name, "garbage collection could not remove a desktop")
                }
            }
        }
        Ok(removed)
    }

    async fn is_garbage(&self, desktop: &Desktop, request: &GcRequest, now: i64) -> bool {
        if desktop.phase == DesktopPhase::Failed {
            return true;
        }
        if desktop.terminating {
            return false;
        }
        if !request.force {
            match self.orchestrator.count_connections(desktop).await {
                Ok(0) => {}
                Ok(_) => return false,
                Err(error) => {
                    tracing::info!(%error, desktop = %desktop.name, "connection count unknown; keeping the desktop");
                    return false;
                }
            }
        }
        desktop.last_login.is_some_and(|last| now - last >= request.expire_in)
    }
}
