//! Leader election among replicas, for work only one replica must do (scheduled GC).

use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;

/// Holds a cluster-wide lease.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait LeaderElection: Send + Sync {
    /// Acquires or renews the lease; returns whether this replica leads now. Call it more
    /// often than the lease lasts to keep leading.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the coordination API cannot be reached
    /// (callers then act as followers).
    async fn hold(&self) -> Result<bool, OrchestratorError>;
}
