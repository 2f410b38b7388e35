//! A Kubernetes API double: a program that speaks the API server's REST, watch and exec
//! protocols over HTTPS (a CA of its own, made at start) or plain HTTP, keeps objects in memory, and runs a simulated kubelet that
//! moves pods through their phases and emits the events a cluster emits. Used by the
//! Kubernetes adapter's tests and by anyone trying deskplane's Kubernetes path without a
//! cluster (`deskplane-kube-double`). It is a tool, not part of the product: its own
//! workspace crate, a dev-dependency of deskplane, never linked into the server.

mod admission;
mod exec;
mod kubelet;
mod patch;
mod resources;
mod runtime;
mod selectors;
mod serve;
mod server;
mod status;
mod store;
mod tls;
mod verbs;
mod watch;

pub use server::{DoubleServer, start};
pub use store::{Cluster, PODS};

use std::time::Duration;

/// An injected API failure: `verb` on `resource` answers `status` (`times` times, or always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `get`, `list`, `watch`, `create`, `patch`, `update`, `delete`, or `*`.
    pub verb: String,
    /// Resource plural (`pods`), or `*`.
    pub resource: String,
    /// HTTP status to answer.
    pub status: u16,
    /// How many requests fail; `None` for all.
    pub times: Option<u32>,
}

/// Added latency on `verb` of `resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latency {
    /// Verb or `*`.
    pub verb: String,
    /// Resource or `*`.
    pub resource: String,
    /// Delay.
    pub delay: Duration,
}

/// How the double behaves.
#[derive(Debug, Clone)]
pub struct DoubleSettings {
    /// Serve HTTPS with a CA made at start (the kubeconfig carries it), as a cluster does;
    /// `false` serves plain HTTP.
    pub tls: bool,
    /// Required bearer token (`Authorization: Bearer …`); `None` accepts anyone.
    pub token: Option<String>,
    /// Namespaces that exist at start.
    pub namespaces: Vec<String>,
    /// The one node's name and labels (pods whose nodeSelector it lacks are unschedulable).
    pub node: String,
    /// Labels of the node.
    pub node_labels: Vec<(String, String)>,
    /// Kubelet: delay before scheduling.
    pub schedule_delay: Duration,
    /// Kubelet: delay of each image pull.
    pub pull_delay: Duration,
    /// Kubelet: delay between containers started and the pod Running.
    pub start_delay: Duration,
    /// Kubelet: delay before a deleted pod disappears (graceful deletion).
    pub terminate_delay: Duration,
    /// Images whose name contains one of these never pull (ErrImagePull, ImagePullBackOff).
    pub never_pull: Vec<String>,
    /// Watch history kept for resuming; older resource versions get 410 Gone.
    pub history_limit: usize,
    /// Longest a watch stays open whatever timeoutSeconds asks (forces reconnects in tests).
    pub watch_max: Option<Duration>,
    /// Injected failures.
    pub faults: Vec<Fault>,
    /// Injected latency.
    pub latencies: Vec<Latency>,
    /// Scripted exec commands: first word → (exit code, stdout). Unknown commands exit 0.
    pub exec_scripts: Vec<(String, i32, String)>,
}

impl Default for DoubleSettings {
    fn default() -> Self {
        Self {
            tls: true,
            token: None,
            namespaces: vec!["default".into(), "abcdesktop".into()],
            node: "double-node-1".into(),
            node_labels: vec![("kubernetes.io/hostname".into(), "double-node-1".into())],
            schedule_delay: Duration::from_millis(20),
            pull_delay: Duration::from_millis(20),
            start_delay: Duration::from_millis(20),
            terminate_delay: Duration::from_millis(50),
            never_pull: vec!["never-pulls".into()],
            history_limit: 1000,
            watch_max: None,
            faults: Vec::new(),
            latencies: Vec::new(),
            exec_scripts: vec![("/composer/connectcount.sh".into(), 0, "0\n".into())],
        }
    }
}

#[cfg(test)]
mod tests;
