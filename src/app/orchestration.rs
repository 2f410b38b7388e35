//! Choosing and building the orchestrator adapter (memory or Kubernetes) and leader election.

use super::BootError;
use crate::adapters::kubernetes::{
    EndpointsDirectory, HomeLayout, KubernetesOrchestrator, KubernetesSettings, LeaseElection, PodSettings,
};
use crate::adapters::memory::{MemoryOrchestrator, SimulationSettings};
use crate::adapters::memory::{SoleReplica, ThisProcessOnly};
use crate::config::Config;
use crate::domain::auth::{AccountGroup, PosixDefaults};
use crate::ports::{ApplicationRuntime, DesktopOrchestrator, LeaderElection, ReplicaDirectory, UserSecretStore};
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::Duration;

/// The orchestrator ports: desktops, applications and secrets backed by one adapter, and
/// the replicas' lease and directory.
pub(super) struct Orchestration {
    pub(super) desktops: Arc<dyn DesktopOrchestrator>,
    pub(super) applications: Arc<dyn ApplicationRuntime>,
    pub(super) secrets: Arc<dyn UserSecretStore>,
    pub(super) leader: Arc<dyn LeaderElection>,
    pub(super) replicas: Arc<dyn ReplicaDirectory>,
}

impl Orchestration {
    fn of<O: DesktopOrchestrator + ApplicationRuntime + UserSecretStore + 'static>(
        adapter: O,
        listening: Arc<OnceLock<SocketAddr>>,
    ) -> Self {
        let adapter = Arc::new(adapter);
        Self {
            desktops: adapter.clone(),
            applications: adapter.clone(),
            secrets: adapter,
            leader: Arc::new(SoleReplica),
            replicas: Arc::new(ThisProcessOnly::new(listening)),
        }
    }
}

/// The balloon account of users without a POSIX account (`desktop.username`…).
pub(super) fn posix_defaults_of(config: &Config) -> PosixDefaults {
    let desktop = &config.desktop;
    PosixDefaults {
        username: desktop.username.clone(),
        groupname: desktop.groupname.clone(),
        uid_number: desktop.userid,
        gid_number: desktop.groupid,
        home_root: desktop.homerootdirectory.clone(),
        shell: desktop.shell.clone(),
        account_groups: desktop
            .account_groups
            .iter()
            .map(|group| AccountGroup {
                name: group.name.clone(),
                gid: group.gid,
            })
            .collect(),
    }
}

/// The Kubernetes adapter's settings, from the config.
pub fn kubernetes_settings(config: &Config) -> KubernetesSettings {
    let desktop = &config.desktop;
    KubernetesSettings {
        namespace: config.namespace.clone(),
        create_pod_timeout: Duration::from_secs(config.kubernetes.create_pod_timeout_seconds),
        bound_claim_timeout: Duration::from_secs(config.kubernetes.bound_pvc_timeout_seconds),
        pod: PodSettings {
            pod: desktop.pod.clone(),
            execute_classes: config.executeclasses.clone(),
            node_selector: desktop.nodeselector.clone(),
            home_directory_type: desktop.homedirectorytype.clone(),
            host_path_root: desktop.host_path_root.clone(),
            local_account_path: desktop.secretslocalaccount.clone(),
            secrets_root: desktop.secretsrootdirectory.clone(),
            pulseaudio_socket: desktop.pulseaudiosocketpath.clone(),
            home_claim: desktop.persistentvolumeclaim.clone(),
            remove_home_claim: desktop.removepersistentvolumeclaim,
            home_volume: desktop.persistentvolume.clone(),
            remove_home_volume: desktop.removepersistentvolume,
            dns_policy: desktop.dnspolicy.clone(),
            dns_config: desktop.dnsconfig.clone(),
            posix_defaults: posix_defaults_of(config),
            network: desktop.network_rules(),
            app_env_command: desktop
                .overwrite_environment_variable_for_application
                .as_deref()
                .and_then(|line| crate::domain::desktop::network::split_words(line).ok())
                .filter(|words| !words.is_empty()),
            rule_volumes: desktop
                .policies
                .rules
                .get("volumes")
                .and_then(serde_json::Value::as_object)
                .cloned()
                .unwrap_or_default(),
            home: HomeLayout {
                sub_path: desktop.persistentvolumeclaimforcesubpath,
                mount_suffix: desktop.appendpathtomounthomevolume.clone(),
                memory_dirs: desktop.memory_folders(),
                memory_volume: desktop
                    .directorytomemory
                    .clone()
                    .unwrap_or_else(crate::adapters::kubernetes::default_memory_volume),
            },
        },
    }
}

pub(super) async fn orchestration_of(
    config: &Config,
    metrics: Arc<dyn crate::ports::Metrics>,
    on_desktop_gone: crate::adapters::kubernetes::DesktopGone,
    listening: Arc<OnceLock<SocketAddr>>,
) -> Result<Orchestration, BootError> {
    if config.backends.orchestrator != "kubernetes" {
        return Ok(Orchestration::of(
            MemoryOrchestrator::new(SimulationSettings {
                namespace: config.namespace.clone(),
                start_delay: Duration::from_millis(config.memory.start_delay_ms),
                first_address: config
                    .memory
                    .first_address
                    .parse()
                    .unwrap_or(SimulationSettings::default().first_address),
                node: config.memory.node.clone(),
                max_secret_owners: config.memory.max_users,
            }),
            listening,
        ));
    }
    let settings = kubernetes_settings(config);
    let client = match &config.kubernetes.kubeconfig {
        Some(path) => {
            let kubeconfig =
                Kubeconfig::read_from(path).map_err(|e| BootError::Kubernetes(format!("{}: {e}", path.display())))?;
            let options = KubeConfigOptions::default();
            let client_config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| BootError::Kubernetes(format!("{}: {e}", path.display())))?;
            kube::Client::try_from(client_config).map_err(|e| BootError::Kubernetes(e.to_string()))?
        }
        None => kube::Client::try_default()
            .await
            .map_err(|e| BootError::Kubernetes(e.to_string()))?,
    };
    // The lease outlives a few missed runs, so a healthy leader keeps it between runs.
    let lease_duration = Duration::from_secs((config.garbage_collector.interval_seconds * 3).max(30));
    let identity = format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "deskplane".into()),
        std::process::id()
    );
    let leader = LeaseElection::new(
        client.clone(),
        &config.namespace,
        &config.kubernetes.lease_name,
        &identity,
        lease_duration,
    );
    let replicas = EndpointsDirectory::new(client.clone(), &config.namespace, &config.kubernetes.replicas_endpoints);
    let mut orchestrator = KubernetesOrchestrator::new(client, settings);
    if config.kubernetes.watch {
        orchestrator = orchestrator.with_watcher(
            Duration::from_secs(config.kubernetes.resync_seconds.max(1)),
            metrics,
            Some(on_desktop_gone),
        );
    }
    Ok(Orchestration {
        leader: Arc::new(leader),
        replicas: Arc::new(replicas),
        ..Orchestration::of(orchestrator, listening)
    })
}
