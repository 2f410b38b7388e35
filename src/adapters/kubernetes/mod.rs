//! The Kubernetes orchestrator: desktops are pods, user secrets are Secrets, applications
//! are ephemeral containers of the desktop pod (or pods of their own).

mod app_env;
mod applications;
mod claims;
mod convert;
mod desktops;
mod endpoints;
mod errors;
mod exec;
mod home;
mod lease;
mod names;
mod pod;
mod prepull;
mod readiness;
mod rule_volumes;
mod secrets;
mod template;
mod volumes;
mod wait;
mod watcher;

pub use endpoints::EndpointsDirectory;
pub use home::{HomeLayout, default_memory_volume};
pub use lease::LeaseElection;
pub use pod::{GRAPHICAL, desktop_pod};
pub use template::PodSettings;
pub use watcher::{DesktopGone, PodWatcher};

use k8s_openapi::api::core::v1::{Event, Pod, Secret};
use kube::{Api, Client};
use std::time::Duration;

/// Timeouts and the rest of what the adapter needs beside the templates.
#[derive(Debug, Clone)]
pub struct KubernetesSettings {
    /// Namespace of every object.
    pub namespace: String,
    /// How long a desktop may take to start (`K8S_CREATE_POD_TIMEOUT_SECONDS`).
    pub create_pod_timeout: Duration,
    /// The desktop pod templates and related keys.
    pub pod: PodSettings,
    /// How long a per-user home claim may take to bind (`K8S_BOUND_PVC_TIMEOUT_SECONDS`).
    pub bound_claim_timeout: Duration,
}

/// The orchestrator ports on a Kubernetes cluster.
pub struct KubernetesOrchestrator {
    client: Client,
    settings: KubernetesSettings,
    watcher: Option<PodWatcher>,
}

impl KubernetesOrchestrator {
    /// Wraps a client (built once at boot; clones share its connection pool).
    pub fn new(client: Client, settings: KubernetesSettings) -> Self {
        Self {
            client,
            settings,
            watcher: None,
        }
    }

    /// Starts the pod watcher (resynced every `resync`); the desktop list is then served
    /// from its cache.
    /// `on_desktop_gone` is told each desktop pod deleted, whoever deleted it.
    pub fn with_watcher(
        mut self,
        resync: Duration,
        metrics: std::sync::Arc<dyn crate::ports::Metrics>,
        on_desktop_gone: Option<watcher::DesktopGone>,
    ) -> Self {
        self.watcher = Some(PodWatcher::start(
            self.pods(),
            self.events(),
            &self.settings.namespace,
            resync,
            metrics,
            on_desktop_gone,
        ));
        self
    }

    /// Connects with the in-cluster configuration, else `KUBECONFIG` / `~/.kube/config`.
    ///
    /// # Errors
    /// The kube error when no configuration can be found or used.
    pub async fn connect(settings: KubernetesSettings) -> Result<Self, kube::Error> {
        Ok(Self::new(Client::try_default().await?, settings))
    }

    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.settings.namespace)
    }

    fn secrets(&self) -> Api<Secret> {
        Api::namespaced(self.client.clone(), &self.settings.namespace)
    }

    fn events(&self) -> Api<Event> {
        Api::namespaced(self.client.clone(), &self.settings.namespace)
    }
}

#[cfg(test)]
mod tests;
