//! Where the other replicas of this service listen (`manager/pyosendpoints`).

use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;

/// One replica's HTTP listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaEndpoint {
    /// Its IP address (or host name, for a replica that only knows its listen host).
    pub address: String,
    /// Its HTTP port.
    pub port: u16,
}

/// Lists the replicas serving this API.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ReplicaDirectory: Send + Sync {
    /// Every ready replica's endpoint, this one's included; empty when none is known (the
    /// service's Endpoints object does not exist, or this process is not listening yet).
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the cluster cannot be reached;
    /// [`OrchestratorError::Rejected`] when it refuses to answer (missing RBAC);
    /// [`OrchestratorError::Unexpected`] for anything else.
    async fn endpoints(&self) -> Result<Vec<ReplicaEndpoint>, OrchestratorError>;
}
