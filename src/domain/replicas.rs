//! The replicas serving this API (`GET /API/manager/pyosendpoints`), as an operator or a
//! catalog broadcast reads them.

use crate::ports::orchestrator::OrchestratorError;
use crate::ports::replicas::{ReplicaDirectory, ReplicaEndpoint};
use serde::Serialize;
use std::sync::Arc;

/// One replica, as the route answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replica {
    /// Its address.
    pub address: String,
    /// Its HTTP port.
    pub port: u16,
    /// Its API root, `http://<address>:<port>/API` (brackets around an IPv6 address).
    pub url: String,
}

impl From<ReplicaEndpoint> for Replica {
    fn from(endpoint: ReplicaEndpoint) -> Self {
        let host = if endpoint.address.contains(':') {
            format!("[{}]", endpoint.address)
        } else {
            endpoint.address.clone()
        };
        Self {
            url: format!("http://{host}:{}/API", endpoint.port),
            address: endpoint.address,
            port: endpoint.port,
        }
    }
}

/// Lists the replicas.
pub struct Replicas {
    directory: Arc<dyn ReplicaDirectory>,
}

impl Replicas {
    /// Over the replica directory port.
    pub fn new(directory: Arc<dyn ReplicaDirectory>) -> Self {
        Self { directory }
    }

    /// Every known replica, sorted by address then port so two calls compare equal.
    ///
    /// # Errors
    /// The directory's [`OrchestratorError`].
    pub async fn list(&self) -> Result<Vec<Replica>, OrchestratorError> {
        let mut endpoints = self.directory.endpoints().await?;
        endpoints.sort_by(|a, b| (&a.address, a.port).cmp(&(&b.address, b.port)));
        endpoints.dedup();
        Ok(endpoints.into_iter().map(Replica::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::replicas::MockReplicaDirectory;

    fn endpoint(address: &str, port: u16) -> ReplicaEndpoint {
        ReplicaEndpoint {
            address: address.into(),
            port,
        }
    }

    #[tokio::test]
    async fn replicas_are_sorted_deduplicated_and_given_their_api_url() {
        let mut directory = MockReplicaDirectory::new();
        directory.expect_endpoints().returning(|| {
            Ok(vec![
                endpoint("10.0.0.9", 8000),
                endpoint("fd00::5", 8000),
                endpoint("10.0.0.2", 8000),
                endpoint("10.0.0.9", 8000),
            ])
        });
        let replicas = Replicas::new(Arc::new(directory)).list().await.unwrap();
        let urls: Vec<&str> = replicas.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://10.0.0.2:8000/API",
                "http://10.0.0.9:8000/API",
                "http://[fd00::5]:8000/API"
            ]
        );
    }

    #[tokio::test]
    async fn a_directory_failure_is_the_callers_to_report() {
        let mut directory = MockReplicaDirectory::new();
        directory
            .expect_endpoints()
            .returning(|| Err(OrchestratorError::Rejected("endpoints/pyos: forbidden".into())));
        let error = Replicas::new(Arc::new(directory)).list().await.unwrap_err();
        assert!(matches!(error, OrchestratorError::Rejected(_)), "{error:?}");
    }
}
