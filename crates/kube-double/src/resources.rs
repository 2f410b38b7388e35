//! The resources the double serves.

/// One resource type.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// URL plural.
    pub plural: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// `v1` or `group/version`.
    pub api_version: &'static str,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

/// Every resource served.
pub const RESOURCES: [Resource; 9] = [
    Resource {
        plural: "pods",
        kind: "Pod",
        api_version: "v1",
        namespaced: true,
    },
    Resource {
        plural: "secrets",
        kind: "Secret",
        api_version: "v1",
        namespaced: true,
    },
    Resource {
        plural: "configmaps",
        kind: "ConfigMap",
        api_version: "v1",
        namespaced: true,
    },
    Resource {
        plural: "persistentvolumeclaims",
        kind: "PersistentVolumeClaim",
        api_version: "v1",
        namespaced: true,
    },
    Resource {
        plural: "events",
        kind: "Event",
        api_version: "v1",
        namespaced: true,
    },
    Resource {
        plural: "namespaces",
        kind: "Namespace",
        api_version: "v1",
        namespaced: false,
    },
    Resource {
        plural: "nodes",
        kind: "Node",
        api_version: "v1",
        namespaced: false,
    },
    Resource {
        plural: "persistentvolumes",
        kind: "PersistentVolume",
        api_version: "v1",
        namespaced: false,
    },
    Resource {
        plural: "leases",
        kind: "Lease",
        api_version: "coordination.k8s.io/v1",
        namespaced: true,
    },
];

/// Looks a resource up by API group version and plural.
pub fn find(api_version: &str, plural: &str) -> Option<Resource> {
    RESOURCES
        .iter()
        .copied()
        .find(|r| r.api_version == api_version && r.plural == plural)
}
