//! The replicas behind the service: the addresses of its Endpoints object, as pyos read
//! `endpoints/pyos` to tell every instance to rebuild its catalog.

use super::errors::from_kube;
use crate::ports::orchestrator::OrchestratorError;
use crate::ports::replicas::{ReplicaDirectory, ReplicaEndpoint};
use async_trait::async_trait;
// core/v1 Endpoints is deprecated in favour of EndpointSlice from Kubernetes 1.33, but
// every supported cluster still serves it and pyos's RBAC grants exactly `endpoints get`.
#[allow(deprecated)]
use k8s_openapi::api::core::v1::Endpoints;
use kube::{Api, Client};

/// Reads the Endpoints object `name` in the namespace.
pub struct EndpointsDirectory {
    api: Api<Endpoints>,
    name: String,
}

impl EndpointsDirectory {
    /// The directory of the service `name` in `namespace` (pyos's is `pyos`).
    pub fn new(client: Client, namespace: &str, name: &str) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            name: name.into(),
        }
    }
}

#[async_trait]
impl ReplicaDirectory for EndpointsDirectory {
    async fn endpoints(&self) -> Result<Vec<ReplicaEndpoint>, OrchestratorError> {
        let what = format!("endpoints/{}", self.name);
        let Some(endpoints) = self.api.get_opt(&self.name).await.map_err(|e| from_kube(e, &what))? else {
            tracing::warn!(endpoints = %self.name, "no Endpoints object names the replicas");
            return Ok(Vec::new());
        };
        Ok(ready_endpoints(&endpoints))
    }
}

/// Every ready address of every subset, with that subset's first port (pyos read the
/// first subset only; a service whose pods expose ports in another order has several).
#[allow(deprecated)]
fn ready_endpoints(endpoints: &Endpoints) -> Vec<ReplicaEndpoint> {
    let mut found = Vec::new();
    for subset in endpoints.subsets.iter().flatten() {
        let Some(port) = subset
            .ports
            .iter()
            .flatten()
            .next()
            .and_then(|p| u16::try_from(p.port).ok())
        else {
            continue;
        };
        for address in subset.addresses.iter().flatten() {
            found.push(ReplicaEndpoint {
                address: address.ip.clone(),
                port,
            });
        }
    }
    found
}
