//! Pre-pulling an application image onto the nodes (orchestration.md §7.6, `PUT
//! manager/image`): one pull pod per node (`type=pod_application_pull`, `restartPolicy:
//! Never`, the image with `imagePullPolicy: Always`), which the pod watcher deletes once
//! it has ended. Nodes are those `desktop.nodeselector` selects, or the one asked for.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use crate::domain::naming::dns_name;
use crate::ports::orchestrator::OrchestratorError;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams, PostParams};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

impl KubernetesOrchestrator {
    /// The pull pod of `image` on `node`: its name carries a digest of both, so two images
    /// whose names shorten alike never share one.
    fn pull_pod(&self, image: &str, node: Option<&str>) -> Result<Pod, OrchestratorError> {
        let digest = Sha256::digest(format!("{image}\\0{}", node.unwrap_or_default()).as_bytes());
        let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        let short = dns_name(&crate::domain::naming::image_short_name(image));
        let name = dns_name(&format!("pull-{}-{hex}", short.chars().take(40).collect::<String>()));
        let mut spec = json!({
            "automountServiceAccountToken": false, "restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
            "containers": [{"name": name, "image": image, "imagePullPolicy": "Always",
                            "command": ["/bin/sleep"], "args": ["42"]}],
        });
        match node {
            Some(node) => spec["nodeName"] = Value::String(node.to_owned()),
            None => spec["nodeSelector"] = Value::Object(self.settings.pod.node_selector.clone()),
        }
        if let Some(secrets) = self
            .settings
            .pod
            .entry("pod_application")
            .and_then(|e| e.get("imagePullSecrets"))
        {
            spec["imagePullSecrets"] = secrets.clone();
        }
        serde_json::from_value(
            json!({"metadata": {"name": name, "labels": {"type": "pod_application_pull"}}, "spec": spec}),
        )
        .map_err(|e| OrchestratorError::Rejected(format!("pull pod: {e}")))
    }

    /// The nodes desktops may run on (`desktop.nodeselector`); empty when they cannot be
    /// listed.
    async fn desktop_nodes(&self) -> Vec<String> {
        let selector: Vec<String> = self
            .settings
            .pod
            .node_selector
            .iter()
            .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
            .collect();
        let nodes: Api<Node> = Api::all(self.client.clone());
        match nodes.list(&ListParams::default().labels(&selector.join(","))).await {
            Ok(list) => list.items.into_iter().filter_map(|node| node.metadata.name).collect(),
            Err(error) => {
                tracing::warn!(%error, "nodes not listed; one pull pod goes where the node selector sends it");
                Vec::new()
            }
        }
    }

    pub(super) async fn prepull(&self, image: &str, node: Option<String>) -> Result<bool, OrchestratorError> {
        let nodes = match node {
            Some(node) => vec![Some(node)],
            None => {
                let listed = self.desktop_nodes().await;
                if listed.is_empty() {
                    vec![None]
                } else {
                    listed.into_iter().map(Some).collect()
                }
            }
        };
        let mut started = false;
        for node in nodes {
            let pod = self.pull_pod(image, node.as_deref())?;
            match self.pods().create(&PostParams::default(), &pod).await {
                Ok(_) => started = true,
                // The same pull is already under way.
                Err(kube::Error::Api(status)) if status.code == 409 => started = true,
                Err(error) => return Err(from_kube(error, "pull pod")),
            }
        }
        Ok(started)
    }
}
