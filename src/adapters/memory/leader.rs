//! Leader election for a single replica: it always leads.

use crate::ports::leader::LeaderElection;
use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;

/// The only replica (memory backends cannot be shared between processes anyway).
#[derive(Debug, Default, Clone, Copy)]
pub struct SoleReplica;

#[async_trait]
impl LeaderElection for SoleReplica {
    async fn hold(&self) -> Result<bool, OrchestratorError> {
        Ok(true)
    }
}
