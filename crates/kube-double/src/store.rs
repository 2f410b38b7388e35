//! The cluster state: objects, resource versions, and the change history watches read.

use super::DoubleSettings;
use super::kubelet;
use super::patch;
use super::resources::Resource;
pub use super::resources::{EVENTS, NAMESPACES, NODES, PODS};
use super::runtime::Runtime;
use super::selectors::{Selector, field, label};
pub use super::status::ApiStatus;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::broadcast;

/// What happened to an object.
#[derive(Debug, Clone)]
pub struct Change {
    /// Resource version after the change.
    pub revision: u64,
    /// Resource plural.
    pub resource: &'static str,
    /// Namespace.
    pub namespace: Option<String>,
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub kind: &'static str,
    /// The object after the change (before, for deletions), shared: every watcher and the
    /// resume history read the same copy instead of cloning the JSON tree.
    pub object: Arc<Value>,
    /// The object as JSON text, made once by the first watcher that sends it and shared by
    /// the others (serialising a pod per watcher was most of the double's CPU).
    pub text: Arc<std::sync::OnceLock<String>>,
}

impl Change {
    /// The object as JSON text.
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.object.to_string())
    }
}

type Key = (&'static str, Option<String>, String);

#[derive(Default)]
struct State {
    // Shared with the change history and the watchers: a write copies a pod once, not
    // once for the map, once for the history and once for the answer.
    objects: BTreeMap<Key, Arc<Value>>,
    revision: u64,
    history: VecDeque<Change>,
}

/// The cluster.
pub struct Cluster {
    state: Mutex<State>,
    changes: broadcast::Sender<Change>,
    gone: std::sync::atomic::AtomicU64,
    /// Watch streams open right now (see `open_watches`).
    pub(crate) open_watches: std::sync::atomic::AtomicUsize,
    /// Pod addresses, container logs and fault counts.
    pub runtime: Runtime,
    /// Behaviour.
    pub settings: DoubleSettings,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

impl Cluster {
    /// A cluster with the configured namespaces and node.
    pub fn new(settings: DoubleSettings) -> Arc<Self> {
        let (changes, _) = broadcast::channel(4096);
        let cluster = Arc::new(Self {
            state: Mutex::new(State::default()),
            changes,
            gone: Default::default(),
            open_watches: Default::default(),
            runtime: Runtime::default(),
            settings,
        });
        for namespace in cluster.settings.namespaces.clone() {
            let _ = cluster.create(&NAMESPACES, None, json!({"metadata": {"name": namespace}}));
        }
        let labels: serde_json::Map<String, Value> = cluster
            .settings
            .node_labels
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let node = json!({"metadata": {"name": cluster.settings.node, "labels": labels},
                          "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let _ = cluster.create(&NODES, None, node);
        cluster
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Subscribes to changes (before reading a snapshot, so nothing is missed).
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// The current resource version.
    pub fn revision(&self) -> u64 {
        self.lock().revision
    }

    fn record(
        &self,
        state: &mut State,
        resource: &Resource,
        namespace: Option<String>,
        kind: &'static str,
        object: Arc<Value>,
    ) {
        let change = Change {
            revision: state.revision,
            resource: resource.plural,
            namespace,
            kind,
            object,
            text: Arc::default(),
        };
        state.history.push_back(change.clone());
        while state.history.len() > self.settings.history_limit {
            state.history.pop_front();
        }
        let _no_watchers_is_fine = self.changes.send(change);
    }

    /// Changes after `revision` for a resume, or 410 when they are no longer kept.
    pub fn changes_since(&self, revision: u64) -> Result<Vec<Change>, ApiStatus> {
        let state = self.lock();
        let oldest = state
            .history
            .front()
            .map_or(state.revision, |c| c.revision.saturating_sub(1));
        if revision < oldest {
            self.gone.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Err(ApiStatus {
                code: 410,
                reason: "Expired",
                message: format!("too old resource version: {revision} ({oldest})"),
            });
        }
        Ok(state
            .history
            .iter()
            .filter(|c| c.revision > revision)
            .cloned()
            .collect())
    }

    /// How many watch streams are open now (a real API server's
    /// `apiserver_longrunning_requests{verb="WATCH"}`).
    pub fn open_watches(&self) -> usize {
        self.open_watches.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many watches were refused with 410 Gone.
    pub fn gone_served(&self) -> u64 {
        self.gone.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Creates an object.
    pub fn create(
        self: &Arc<Self>,
        resource: &Resource,
        namespace: Option<&str>,
        mut object: Value,
    ) -> Result<Arc<Value>, ApiStatus> {
        let mut state = self.lock();
        if object.pointer("/metadata/name").and_then(Value::as_str).is_none() {
            let prefix = object
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
                .unwrap_or("object-")
                .to_owned();
            object["metadata"]["name"] = Value::String(format!("{prefix}{:05}", state.revision + 1));
        }
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        let key = (resource.plural, namespace.map(str::to_owned), name.clone());
        if state.objects.contains_key(&key) {
            return Err(ApiStatus {
                code: 409,
                reason: "AlreadyExists",
                message: format!("{} \"{name}\" already exists", resource.plural),
            });
        }
        state.revision += 1;
        let metadata = &mut object["metadata"];
        metadata["resourceVersion"] = Value::String(state.revision.to_string());
        metadata["uid"] = Value::String(format!("00000000-0000-4000-8000-{:012x}", state.revision));
        metadata["creationTimestamp"] = Value::String(now_rfc3339());
        if let Some(namespace) = namespace {
            metadata["namespace"] = Value::String(namespace.to_owned());
        }
        object["kind"] = Value::String(resource.kind.into());
        object["apiVersion"] = Value::String(resource.api_version.into());
        super::admission::admit(resource.plural, &mut object);
        if resource.plural == "pods" && object.pointer("/status/phase").is_none() {
            object["status"] = json!({"phase": "Pending"});
        }
        let object = Arc::new(object);
        state.objects.insert(key, object.clone());
        self.record(
            &mut state,
            resource,
            namespace.map(str::to_owned),
            "ADDED",
            object.clone(),
        );
        drop(state);
        if resource.plural == "pods" {
            kubelet::start_pod(self.clone(), namespace.unwrap_or_default().to_owned(), name);
        } else if resource.plural == "persistentvolumeclaims" {
            kubelet::bind_claim(self.clone(), namespace.unwrap_or_default().to_owned(), name);
        }
        Ok(object)
    }

    /// Reads an object.
    pub fn get(&self, resource: &Resource, namespace: Option<&str>, name: &str) -> Result<Arc<Value>, ApiStatus> {
        self.lock()
            .objects
            .get(&(resource.plural, namespace.map(str::to_owned), name.to_owned()))
            .cloned()
            .ok_or_else(|| ApiStatus::not_found(resource, name))
    }

    /// Lists objects matching the selectors; returns them with the list's resource version.
    pub fn list(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        labels: &Selector,
        fields: &Selector,
    ) -> (Vec<Value>, u64) {
        let state = self.lock();
        // Keys sort by resource, then namespace: only that range is read, not every object
        // of every kind (thousands of Events and Secrets during a launch benchmark).
        let from: Key = (resource.plural, namespace.map(str::to_owned), String::new());
        let items = state
            .objects
            .range(from..)
            .take_while(|((plural, ns, _), _)| {
                *plural == resource.plural && (namespace.is_none() || ns.as_deref() == namespace)
            })
            .map(|(_, object)| object)
            .filter(|object| Self::selects(object, labels, fields))
            .map(|object| Value::clone(object))
            .collect();
        (items, state.revision)
    }

    /// Whether an object passes the selectors.
    pub fn selects(object: &Value, labels: &Selector, fields: &Selector) -> bool {
        labels.matches(|k| label(object, k)) && fields.matches(|k| field(object, k))
    }

    /// Changes an object with `change`, bumping its resource version.
    pub fn update(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        change: impl FnOnce(&mut Value) -> Result<(), ApiStatus>,
    ) -> Result<Arc<Value>, ApiStatus> {
        let mut state = self.lock();
        let key = (resource.plural, namespace.map(str::to_owned), name.to_owned());
        let mut object = state
            .objects
            .get(&key)
            .map(|object| Value::clone(object))
            .ok_or_else(|| ApiStatus::not_found(resource, name))?;
        change(&mut object)?;
        super::admission::admit(resource.plural, &mut object);
        state.revision += 1;
        object["metadata"]["resourceVersion"] = Value::String(state.revision.to_string());
        let object = Arc::new(object);
        state.objects.insert(key, object.clone());
        self.record(
            &mut state,
            resource,
            namespace.map(str::to_owned),
            "MODIFIED",
            object.clone(),
        );
        Ok(object)
    }

    /// Applies a merge or strategic merge patch.
    pub fn patch(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        body: &Value,
        strategic: bool,
    ) -> Result<Arc<Value>, ApiStatus> {
        self.update(resource, namespace, name, |object| {
            if strategic {
                patch::strategic(object, body)
            } else {
                patch::merge(object, body)
            }
            Ok(())
        })
    }

    /// Replaces an object; a stale `resourceVersion` is a 409 Conflict (leases rely on it).
    pub fn replace(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        body: Value,
    ) -> Result<Arc<Value>, ApiStatus> {
        self.update(resource, namespace, name, |object| {
            let sent = body.pointer("/metadata/resourceVersion").and_then(Value::as_str);
            if sent.is_some_and(|v| Some(v) != object.pointer("/metadata/resourceVersion").and_then(Value::as_str)) {
                return Err(ApiStatus {
                    code: 409,
                    reason: "Conflict",
                    message: format!("the object \"{name}\" has been modified"),
                });
            }
            let metadata = object["metadata"].clone();
            *object = body;
            for key in ["uid", "creationTimestamp", "namespace", "name"] {
                object["metadata"][key] = metadata[key].clone();
            }
            Ok(())
        })
    }

    /// Deletes an object. Pods with a grace period are marked and removed later by the kubelet.
    pub fn delete(
        self: &Arc<Self>,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
        grace_seconds: Option<i64>,
    ) -> Result<Arc<Value>, ApiStatus> {
        if resource.plural == "pods" && grace_seconds != Some(0) {
            let marked = self.update(resource, namespace, name, |pod| {
                if pod.pointer("/metadata/deletionTimestamp").is_none() {
                    pod["metadata"]["deletionTimestamp"] = Value::String(now_rfc3339());
                    pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace_seconds.unwrap_or(30));
                }
                Ok(())
            })?;
            kubelet::finish_deletion(self.clone(), namespace.unwrap_or_default().to_owned(), name.to_owned());
            return Ok(marked);
        }
        self.remove(resource, namespace, name)
    }

    /// Removes an object at once (a deleted claim releases its volume, as a kubelet's
    /// controller would).
    pub fn remove(&self, resource: &Resource, namespace: Option<&str>, name: &str) -> Result<Arc<Value>, ApiStatus> {
        let mut state = self.lock();
        let object = state
            .objects
            .remove(&(resource.plural, namespace.map(str::to_owned), name.to_owned()))
            .ok_or_else(|| ApiStatus::not_found(resource, name))?;
        state.revision += 1;
        let mut gone = Value::clone(&object);
        gone["metadata"]["resourceVersion"] = Value::String(state.revision.to_string());
        self.record(
            &mut state,
            resource,
            namespace.map(str::to_owned),
            "DELETED",
            Arc::new(gone),
        );
        drop(state);
        if resource.plural == "persistentvolumeclaims" {
            kubelet::release_volume(self, &object);
        }
        Ok(object)
    }

    /// Fault injection: drops an object without telling watchers (a lost event), so tests
    /// can show that clients resynchronise.
    pub fn remove_silently(&self, resource: &Resource, namespace: Option<&str>, name: &str) -> bool {
        self.lock()
            .objects
            .remove(&(resource.plural, namespace.map(str::to_owned), name.to_owned()))
            .is_some()
    }
}
