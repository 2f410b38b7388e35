//! The simulated kubelet and scheduler: moves pods Pending → ContainerCreating → Running
//! with an IP and container statuses, emitting the events a cluster emits. Failure modes:
//! a nodeSelector the node lacks (Unschedulable), an image that never pulls (ErrImagePull,
//! then ImagePullBackOff); a secret volume whose secret is missing waits (FailedMount).
//! A pod annotation `deskplane.io/double-fault: never-pull | unschedulable` injects the
//! same failures for one pod.

use super::store::{Cluster, EVENTS, PODS};
use serde_json::{Value, json};
use std::sync::Arc;

/// Emits the events of one pod, as its kubelet does.
struct Reporter {
    cluster: Arc<Cluster>,
    namespace: String,
    name: String,
    uid: Value,
    created: Value,
}

impl Reporter {
    fn new(cluster: &Arc<Cluster>, namespace: &str, pod: &Value) -> Self {
        Self {
            cluster: cluster.clone(),
            namespace: namespace.to_owned(),
            name: pod
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            uid: pod.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
            created: pod
                .pointer("/metadata/creationTimestamp")
                .cloned()
                .unwrap_or(Value::Null),
        }
    }

    fn event(&self, kind: &str, reason: &str, message: String, field_path: Option<String>) {
        let (namespace, name) = (&self.namespace, &self.name);
        let mut involved = json!({"kind": "Pod", "namespace": namespace, "name": name, "uid": self.uid});
        if let Some(path) = field_path {
            involved["fieldPath"] = Value::String(path);
        }
        let body = json!({"metadata": {"generateName": format!("{name}.")}, "involvedObject": involved, "type": kind,
            "reason": reason, "message": message, "count": 1, "firstTimestamp": self.created,
            "lastTimestamp": self.created, "source": {"component": "kubelet"}});
        let _ = self.cluster.create(&EVENTS, Some(namespace), body);
    }
}

fn containers(pod: &Value, list: &str) -> Vec<(String, String)> {
    pod.pointer(&format!("/spec/{list}"))
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default().to_owned(),
                        c["image"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn waiting(name: &str, image: &str, reason: &str, message: &str) -> Value {
    // A kubelet always sends imageID, empty while the image is not pulled; clients that
    // model the field as required (the Python client) fail without it.
    json!({"name": name, "image": image, "imageID": "", "ready": false, "started": false, "restartCount": 0,
           "state": {"waiting": {"reason": reason, "message": message}}})
}

fn running(name: &str, image: &str, id: usize) -> Value {
    json!({"name": name, "image": image, "imageID": format!("docker-pullable://{image}"), "ready": true, "started": true, "restartCount": 0,
           "containerID": format!("containerd://{id:064x}"), "state": {"running": {"startedAt": null}}})
}

/// Whether the node satisfies the pod's nodeSelector.
fn schedulable(cluster: &Cluster, pod: &Value) -> bool {
    let Some(selector) = pod.pointer("/spec/nodeSelector").and_then(Value::as_object) else {
        return true;
    };
    selector.iter().all(|(k, v)| {
        cluster
            .settings
            .node_labels
            .iter()
            .any(|(nk, nv)| nk == k && Some(nv.as_str()) == v.as_str())
    })
}

/// The first secret a pod mounts that does not exist; an `optional` one may be missing,
/// as on a kubelet.
fn missing_secret(cluster: &Cluster, namespace: &str, pod: &Value) -> Option<String> {
    let volumes = pod.pointer("/spec/volumes").and_then(Value::as_array)?;
    volumes
        .iter()
        .filter(|v| v.pointer("/secret/optional") != Some(&Value::Bool(true)))
        .filter_map(|v| v.pointer("/secret/secretName").and_then(Value::as_str))
        .find(|secret| {
            cluster
                .get(&super::resources::RESOURCES[1], Some(namespace), secret)
                .is_err()
        })
        .map(str::to_owned)
}

/// Simulates the life of a new pod.
pub fn start_pod(cluster: Arc<Cluster>, namespace: String, name: String) {
    tokio::spawn(async move {
        let settings = cluster.settings.clone();
        tokio::time::sleep(settings.schedule_delay).await;
        let Ok(pod) = cluster.get(&PODS, Some(&namespace), &name) else {
            return;
        };
        let report = Reporter::new(&cluster, &namespace, &pod);
        let fault = pod
            .pointer("/metadata/annotations/deskplane.io~1double-fault")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !schedulable(&cluster, &pod) || fault == "unschedulable" {
            let message = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.".to_owned();
            report.event("Warning", "FailedScheduling", message.clone(), None);
            let _ = cluster.patch(
                &PODS,
                Some(&namespace),
                &name,
                &json!({"status": {"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}]}}),
                true,
            );
            return;
        }
        let node = settings.node.clone();
        let scheduled = json!({"spec": {"nodeName": node}, "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]}});
        let Ok(pod) = cluster.patch(&PODS, Some(&namespace), &name, &scheduled, true) else {
            return;
        };
        report.event(
            "Normal",
            "Scheduled",
            format!("Successfully assigned {namespace}/{name} to {node}"),
            None,
        );
        let all: Vec<(String, String)> = containers(&pod, "initContainers")
            .into_iter()
            .chain(containers(&pod, "containers"))
            .collect();
        let creating: Vec<Value> = containers(&pod, "containers")
            .iter()
            .map(|(n, i)| waiting(n, i, "ContainerCreating", ""))
            .collect();
        let _ = cluster.patch(
            &PODS,
            Some(&namespace),
            &name,
            &json!({"status": {"containerStatuses": creating}}),
            false,
        );
        // A secret volume whose secret is missing holds the pod in ContainerCreating with
        // FailedMount events until the secret appears, as the kubelet does.
        let mut reported = false;
        while let Some(secret) = missing_secret(&cluster, &namespace, &pod) {
            if !reported {
                let message =
                    format!("MountVolume.SetUp failed for volume \"{secret}\" : secret \"{secret}\" not found");
                report.event("Warning", "FailedMount", message, None);
                reported = true;
            }
            tokio::time::sleep(settings.pull_delay).await;
            if cluster.get(&PODS, Some(&namespace), &name).is_err() {
                return;
            }
        }
        for (container, image) in &all {
            let path = Some(format!("spec.containers{{{container}}}"));
            report.event("Normal", "Pulling", format!("Pulling image \"{image}\""), path.clone());
            tokio::time::sleep(settings.pull_delay).await;
            if fault == "never-pull" || settings.never_pull.iter().any(|bad| image.contains(bad.as_str())) {
                let message = format!(
                    "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to resolve reference"
                );
                report.event("Warning", "Failed", message.clone(), path.clone());
                report.event("Warning", "Failed", "Error: ErrImagePull".into(), path.clone());
                let statuses: Vec<Value> = containers(&pod, "containers")
                    .iter()
                    .map(|(n, i)| {
                        if i == image {
                            waiting(n, i, "ErrImagePull", &message)
                        } else {
                            waiting(n, i, "ContainerCreating", "")
                        }
                    })
                    .collect();
                let _ = cluster.patch(
                    &PODS,
                    Some(&namespace),
                    &name,
                    &json!({"status": {"containerStatuses": statuses.clone()}}),
                    false,
                );
                tokio::time::sleep(settings.pull_delay).await;
                let backoff: Vec<Value> = statuses
                    .into_iter()
                    .map(|mut s| {
                        if s.pointer("/state/waiting/reason") == Some(&json!("ErrImagePull")) {
                            s["state"]["waiting"]["reason"] = json!("ImagePullBackOff");
                        }
                        s
                    })
                    .collect();
                report.event("Normal", "BackOff", format!("Back-off pulling image \"{image}\""), path);
                let _ = cluster.patch(
                    &PODS,
                    Some(&namespace),
                    &name,
                    &json!({"status": {"containerStatuses": backoff}}),
                    false,
                );
                return;
            }
            report.event(
                "Normal",
                "Pulled",
                format!("Successfully pulled image \"{image}\""),
                path.clone(),
            );
            report.event(
                "Normal",
                "Created",
                format!("Created container {container}"),
                path.clone(),
            );
            report.event("Normal", "Started", format!("Started container {container}"), path);
            cluster
                .runtime
                .log(&namespace, &name, container, format!("{container}: started {image}"));
        }
        tokio::time::sleep(settings.start_delay).await;
        let statuses: Vec<Value> = containers(&pod, "containers")
            .iter()
            .enumerate()
            .map(|(i, (n, image))| running(n, image, i + 1))
            .collect();
        let ip = cluster.runtime.next_pod_ip();
        let status = json!({"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.168.49.2",
            "containerStatuses": statuses,
            "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"},
                           {"type": "ContainersReady", "status": "True"}, {"type": "Ready", "status": "True"}]}});
        let _ = cluster.patch(&PODS, Some(&namespace), &name, &status, true);
    });
}

/// Starts ephemeral containers added to a running pod.
pub fn start_ephemeral(cluster: Arc<Cluster>, namespace: String, name: String, added: Vec<(String, String)>) {
    tokio::spawn(async move {
        let Ok(pod) = cluster.get(&PODS, Some(&namespace), &name) else {
            return;
        };
        let report = Reporter::new(&cluster, &namespace, &pod);
        let mut statuses: Vec<Value> = pod
            .pointer("/status/ephemeralContainerStatuses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (container, image) in added {
            let path = Some(format!("spec.ephemeralContainers{{{container}}}"));
            report.event("Normal", "Pulling", format!("Pulling image \"{image}\""), path.clone());
            tokio::time::sleep(cluster.settings.pull_delay).await;
            let never = cluster
                .settings
                .never_pull
                .iter()
                .any(|bad| image.contains(bad.as_str()));
            if never {
                report.event("Warning", "Failed", "Error: ErrImagePull".into(), path);
                statuses.push(waiting(&container, &image, "ErrImagePull", "image not found"));
            } else {
                report.event(
                    "Normal",
                    "Pulled",
                    format!("Successfully pulled image \"{image}\""),
                    path.clone(),
                );
                report.event("Normal", "Started", format!("Started container {container}"), path);
                cluster
                    .runtime
                    .log(&namespace, &name, &container, format!("{container}: started {image}"));
                statuses.push(running(&container, &image, statuses.len() + 100));
            }
        }
        let _ = cluster.patch(
            &PODS,
            Some(&namespace),
            &name,
            &json!({"status": {"ephemeralContainerStatuses": statuses}}),
            false,
        );
    });
}

/// Removes a pod marked for deletion once its (shortened) grace period is over.
pub fn finish_deletion(cluster: Arc<Cluster>, namespace: String, name: String) {
    tokio::spawn(async move {
        tokio::time::sleep(cluster.settings.terminate_delay).await;
        let _ = cluster.remove(&PODS, Some(&namespace), &name);
    });
}

/// Marks the volume a deleted claim was bound to `Released`, as the `Retain` reclaim
/// policy does.
pub fn release_volume(cluster: &Cluster, claim: &Value) {
    if let Some(volume) = claim.pointer("/spec/volumeName").and_then(Value::as_str) {
        let volumes = super::resources::RESOURCES[7];
        let released = json!({"status": {"phase": "Released"}});
        let _ = cluster.patch(&volumes, None, volume, &released, false);
    }
}

/// Binds a new claim after the pull delay: to the volume its `spec.volumeName` names when
/// that volume exists and is free (static binding), else to a new volume, as a
/// provisioner does, unless its storage class contains `never-binds` (the claim then
/// stays Pending).
pub fn bind_claim(cluster: Arc<Cluster>, namespace: String, name: String) {
    tokio::spawn(async move {
        let claims = super::resources::RESOURCES[3];
        let volumes = super::resources::RESOURCES[7];
        let _ = cluster.patch(
            &claims,
            Some(&namespace),
            &name,
            &json!({"status": {"phase": "Pending"}}),
            false,
        );
        tokio::time::sleep(cluster.settings.pull_delay).await;
        let Ok(claim) = cluster.get(&claims, Some(&namespace), &name) else {
            return;
        };
        let class = claim
            .pointer("/spec/storageClassName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(named) = claim.pointer("/spec/volumeName").and_then(Value::as_str) {
            let free = cluster.get(&volumes, None, named).is_ok_and(|pv| {
                pv.pointer("/spec/claimRef").is_none_or(Value::is_null)
                    || pv.pointer("/spec/claimRef/name") == Some(&json!(name))
            });
            if free {
                let claim_ref =
                    json!({"spec": {"claimRef": {"namespace": namespace, "name": name}}, "status": {"phase": "Bound"}});
                let _ = cluster.patch(&volumes, None, named, &claim_ref, false);
                let _ = cluster.patch(
                    &claims,
                    Some(&namespace),
                    &name,
                    &json!({"status": {"phase": "Bound"}}),
                    false,
                );
            }
            return;
        }
        if class.contains("never-binds") {
            return;
        }
        let volume = format!("pv-{namespace}-{name}");
        let storage = claim
            .pointer("/spec/resources/requests/storage")
            .cloned()
            .unwrap_or_else(|| json!("1Gi"));
        let pv = json!({"metadata": {"name": volume}, "spec": {"capacity": {"storage": storage}, "accessModes": claim.pointer("/spec/accessModes"),
            "claimRef": {"namespace": namespace, "name": name}, "storageClassName": class}, "status": {"phase": "Bound"}});
        let _ = cluster.create(&volumes, None, pv);
        let bound =
            json!({"spec": {"volumeName": volume}, "status": {"phase": "Bound", "capacity": {"storage": storage}}});
        let _ = cluster.patch(&claims, Some(&namespace), &name, &bound, false);
    });
}
