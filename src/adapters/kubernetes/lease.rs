//! Leader election with a `coordination.k8s.io/v1` Lease: the holder renews it; another
//! replica takes it over once it has not been renewed for its duration. Optimistic
//! concurrency (resourceVersion) makes two replicas never both win the same takeover.

use super::errors::from_kube;
use crate::domain::time::iso8601;
use crate::ports::leader::LeaderElection;
use crate::ports::orchestrator::OrchestratorError;
use async_trait::async_trait;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One replica's view of a lease.
pub struct LeaseElection {
    api: Api<Lease>,
    name: String,
    identity: String,
    duration: Duration,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl LeaseElection {
    /// A candidate named `identity` for lease `name` in `namespace`.
    pub fn new(client: Client, namespace: &str, name: &str, identity: &str, duration: Duration) -> Self {
        Self {
            api: Api::namespaced(client, namespace),
            name: name.into(),
            identity: identity.into(),
            duration,
        }
    }

    fn body(
        &self,
        acquired: i64,
        transitions: i32,
        resource_version: Option<String>,
    ) -> Result<Lease, OrchestratorError> {
        let mut metadata = json!({"name": self.name});
        if let Some(version) = resource_version {
            metadata["resourceVersion"] = json!(version);
        }
        serde_json::from_value(json!({
            "metadata": metadata,
            "spec": {"holderIdentity": self.identity, "leaseDurationSeconds": self.duration.as_secs(),
                     "acquireTime": iso8601(acquired), "renewTime": iso8601(now()), "leaseTransitions": transitions},
        }))
        .map_err(|e| OrchestratorError::Unexpected(e.into()))
    }
}

fn lost(error: kube::Error, name: &str) -> Result<bool, OrchestratorError> {
    match error {
        kube::Error::Api(status) if status.code == 409 => Ok(false),
        other => Err(from_kube(other, name)),
    }
}

#[async_trait]
impl LeaderElection for LeaseElection {
    async fn hold(&self) -> Result<bool, OrchestratorError> {
        let Some(current) = self
            .api
            .get_opt(&self.name)
            .await
            .map_err(|e| from_kube(e, &self.name))?
        else {
            return match self
                .api
                .create(&PostParams::default(), &self.body(now(), 0, None)?)
                .await
            {
                Ok(_) => Ok(true),
                Err(error) => lost(error, &self.name),
            };
        };
        let spec = current.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let renewed = spec.renew_time.as_ref().map_or(0, |t| t.0.as_second());
        let duration = spec
            .lease_duration_seconds
            .map_or(self.duration.as_secs() as i64, i64::from);
        let mine = holder == self.identity;
        if !mine && !holder.is_empty() && now() - renewed < duration {
            return Ok(false);
        }
        let acquired = if mine {
            spec.acquire_time.as_ref().map_or(now(), |t| t.0.as_second())
        } else {
            now()
        };
        let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
        let body = self.body(acquired, transitions, current.resource_version())?;
        match self.api.replace(&self.name, &PostParams::default(), &body).await {
            Ok(_) => Ok(true),
            Err(error) => lost(error, &self.name),
        }
    }
}
