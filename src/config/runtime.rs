//! Sections of the backends and of the process: memory simulation, Kubernetes, the
//! scheduled garbage collector, logging.

use serde::Deserialize;

use std::path::PathBuf;

/// `memory.*`: the simulation behind the memory backends.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MemoryConfig {
    /// How long a simulated desktop takes to start, milliseconds.
    pub start_delay_ms: u64,
    /// First address handed to simulated desktops.
    pub first_address: String,
    /// Node name of simulated desktops.
    pub node: String,
    /// Geolocation table.
    pub geolocation: Vec<MemoryGeolocationConfig>,
    /// Most users whose secrets the simulation keeps (oldest without a desktop go first).
    pub max_users: usize,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            start_delay_ms: 0,
            first_address: "10.244.0.10".into(),
            node: "memory-node".into(),
            geolocation: Vec::new(),
            max_users: 100_000,
        }
    }
}

/// One network of the memory geolocation table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MemoryGeolocationConfig {
    /// CIDR.
    pub network: String,
    /// Country.
    pub country: Option<String>,
    /// ISO code.
    pub country_code: Option<String>,
    /// Time zone.
    pub timezone: Option<String>,
    /// `[latitude, longitude]`.
    pub location: Option<[f64; 2]>,
    /// AS number.
    pub autonomous_system_number: Option<u32>,
    /// AS organisation.
    pub autonomous_system_organization: Option<String>,
}

/// `logging.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// Filter, `tracing` syntax (`info`, `deskplane=debug`); env `RUST_LOG` wins.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// `kubernetes.*`: the Kubernetes orchestrator (`backends.orchestrator = "kubernetes"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct KubernetesConfig {
    /// Kubeconfig file; absent: in-cluster configuration, else `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// Longest wait for a desktop pod to run (pyos `K8S_CREATE_POD_TIMEOUT_SECONDS`).
    pub create_pod_timeout_seconds: u64,
    /// Lease that elects the replica running the scheduled garbage collector.
    pub lease_name: String,
    /// Endpoints object listing this service's replicas (`manager/pyosendpoints`); pyos's
    /// Service, and so its Endpoints, is `pyos`.
    pub replicas_endpoints: String,
    /// Keep a watched cache of pods (desktop list, finished application pods).
    pub watch: bool,
    /// Seconds between full relists of the watched cache.
    pub resync_seconds: u64,
    /// Longest wait for a per-user home claim to bind (pyos `K8S_BOUND_PVC_TIMEOUT_SECONDS`).
    pub bound_pvc_timeout_seconds: u64,
}

impl Default for KubernetesConfig {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            create_pod_timeout_seconds: 300,
            lease_name: "deskplane-garbage-collector".into(),
            replicas_endpoints: "pyos".into(),
            watch: true,
            resync_seconds: 600,
            bound_pvc_timeout_seconds: 60,
        }
    }
}

/// `garbage_collector.*`: removing idle desktops on a schedule (pyos ran a CronJob calling
/// `manager/garbagecollector`; the route still exists).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GarbageCollectorConfig {
    /// Seconds between runs; 0 turns the schedule off.
    pub interval_seconds: u64,
    /// Idle seconds before a desktop nobody is connected to is removed.
    pub expirein_seconds: i64,
    /// Remove idle desktops even when someone is connected.
    pub force: bool,
}

impl Default for GarbageCollectorConfig {
    fn default() -> Self {
        Self {
            interval_seconds: 0,
            expirein_seconds: 900,
            force: false,
        }
    }
}
