//! The replica directory of a single process: its own listener.

use crate::ports::orchestrator::OrchestratorError;
use crate::ports::replicas::{ReplicaDirectory, ReplicaEndpoint};
use async_trait::async_trait;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

/// This process, the only replica (memory backends cannot be shared between processes).
/// The HTTP server fills `listening` once it is bound, so port 0 reads as the real port.
#[derive(Debug, Default, Clone)]
pub struct ThisProcessOnly {
    listening: Arc<OnceLock<SocketAddr>>,
}

impl ThisProcessOnly {
    /// A directory that answers the address set into `listening`.
    pub fn new(listening: Arc<OnceLock<SocketAddr>>) -> Self {
        Self { listening }
    }
}

#[async_trait]
impl ReplicaDirectory for ThisProcessOnly {
    async fn endpoints(&self) -> Result<Vec<ReplicaEndpoint>, OrchestratorError> {
        Ok(self
            .listening
            .get()
            .map(|addr| ReplicaEndpoint {
                address: addr.ip().to_string(),
                port: addr.port(),
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lists_nothing_until_listening_then_its_own_address() {
        let listening = Arc::new(OnceLock::new());
        let directory = ThisProcessOnly::new(listening.clone());
        assert!(directory.endpoints().await.unwrap().is_empty());
        listening.set("127.0.0.1:41234".parse().unwrap()).unwrap();
        assert_eq!(
            directory.endpoints().await.unwrap(),
            vec![ReplicaEndpoint {
                address: "127.0.0.1".into(),
                port: 41234
            }]
        );
    }
}
