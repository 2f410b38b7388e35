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
pub const RESOURCES: [Resource; 10] = [
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
    // Read by `manager/pyosendpoints` (appended: the constants below index this list).
    Resource {
        plural: "endpoints",
        kind: "Endpoints",
        api_version: "v1",
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

/// The verbs every served resource answers.
const VERBS: [&str; 7] = ["create", "delete", "get", "list", "patch", "update", "watch"];

/// The discovery document of one group version (`/api/v1`, `/apis/<group>/<version>`):
/// what `kubectl` and the official clients read before any request.
pub fn resource_list(group_version: &str) -> Option<serde_json::Value> {
    let served: Vec<&Resource> = RESOURCES.iter().filter(|r| r.api_version == group_version).collect();
    if served.is_empty() {
        return None;
    }
    let mut resources: Vec<serde_json::Value> = served
        .iter()
        .map(|r| {
            serde_json::json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
                               "kind": r.kind, "verbs": VERBS})
        })
        .collect();
    if group_version == "v1" {
        for (name, kind, verbs) in [
            ("pods/log", "Pod", vec!["get"]),
            ("pods/exec", "PodExecOptions", vec!["create", "get"]),
            ("pods/ephemeralcontainers", "Pod", vec!["get", "patch", "update"]),
        ] {
            resources.push(
                serde_json::json!({"name": name, "singularName": "", "namespaced": true, "kind": kind, "verbs": verbs}),
            );
        }
    }
    Some(
        serde_json::json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                            "resources": resources}),
    )
}

/// The `namespaces` resource.
pub const NAMESPACES: Resource = RESOURCES[5];
/// The `nodes` resource.
pub const NODES: Resource = RESOURCES[6];
/// The `pods` resource.
pub const PODS: Resource = RESOURCES[0];
/// The `events` resource.
pub const EVENTS: Resource = RESOURCES[4];
