//! The pod watcher (orchestration.md §8.6): a kube-runtime reflector over desktop and
//! application pods, with back-off on errors and relists after 410 Gone. It keeps a
//! cache the desktop list is served from, deletes application pods that finished or were
//! OOM-killed while their pod still runs, and logs desktop deletions.
//!
//! It also tells launches what happens to their pod: every pod change and every pod
//! Event of the namespace (one shared Events watch) is broadcast, and a launch waiting for
//! its desktop listens to that instead of opening two watches of its own, so the number
//! of watches on the API server does not grow with the number of launches.

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event as PodEvent, Pod};
use kube::ResourceExt as _;
use kube::api::{Api, DeleteParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// What the watcher tells a waiting launch.
#[derive(Debug, Clone)]
pub enum PodSignal {
    /// A pod was created or changed (its state is in the cache: signals stay small, so
    /// the channel's buffer never holds old copies of big pod objects).
    Changed(String),
    /// A pod is gone.
    Deleted(String),
    /// An Event about a pod.
    Event(Arc<PodEvent>),
}

/// Told the name of each desktop pod the watch sees deleted, whoever deleted it (a
/// removal by deskplane, `kubectl delete`, an eviction): its destroy webhooks run.
pub type DesktopGone = Arc<dyn Fn(String) + Send + Sync>;

/// Room for signals a slow listener has not read yet; past it, the listener is told it
/// lagged and rereads its pod from the cache.
const SIGNAL_BUFFER: usize = 1024;

/// A running watcher and its cache. Dropping it stops the watches.
pub struct PodWatcher {
    store: Store<Pod>,
    namespace: String,
    synced: Arc<AtomicBool>,
    signals: broadcast::Sender<PodSignal>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for PodWatcher {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Tells the desktop of the application pod's owner that the application ended for
/// `reason` (orchestration.md §8.6): the desktop's `occall` shows it to the user.
async fn notify_desktop(api: &Api<Pod>, cached: &Store<Pod>, app: &Pod, reason: &str) {
    let Some(owner) = super::names::recorded_owner(app.metadata.annotations.as_ref()) else {
        return;
    };
    let desktop = cached
        .state()
        .iter()
        .filter(|pod| pod.labels().get("type").map(String::as_str) == Some("x11server"))
        .filter_map(|pod| super::convert::desktop_of(pod))
        .find(|desktop| desktop.owner.same_owner(&owner) && !desktop.terminating);
    let Some(desktop) = desktop else { return };
    let notice = serde_json::json!({"message": app.name_any(), "name": reason});
    let command = vec![
        "node".to_owned(),
        "/composer/node/occall/occall.js".into(),
        "container".into(),
        notice.to_string(),
    ];
    let container = desktop
        .container_name
        .clone()
        .unwrap_or_else(|| super::GRAPHICAL.into());
    if let Err(error) = super::exec::exec_in(api, &desktop.name, &container, command, Duration::from_secs(5)).await {
        tracing::warn!(%error, desktop = %desktop.name, "could not tell the desktop an application ended");
    }
}

/// Whether a pre-pull pod ended (its image is on the node), and is not being deleted.
fn ended_pull(pod: &Pod) -> bool {
    pod.labels().get("type").map(String::as_str) == Some("pod_application_pull")
        && pod.metadata.deletion_timestamp.is_none()
        && matches!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        )
}

/// Whether an application pod ended and should be cleaned up: its first container
/// terminated (`Completed`, `OOMKilled`, `Error`…) while the pod is `Running`, or the pod
/// `Failed`. Returns the reason.
fn finished_application(pod: &Pod) -> Option<&str> {
    let labels = pod.metadata.labels.as_ref()?;
    if labels.get("type").map(String::as_str) != Some("pod_application") || pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let status = pod.status.as_ref()?;
    let reason = status
        .container_statuses
        .as_ref()?
        .first()?
        .state
        .as_ref()?
        .terminated
        .as_ref()?
        .reason
        .as_deref()?;
    match status.phase.as_deref() {
        Some("Running" | "Failed") => Some(reason),
        _ => None,
    }
}

impl PodWatcher {
    /// Starts watching desktop and application pods of `api`. Every `resync` the watch is
    /// restarted: a new watcher lists everything again and that list replaces the cache, so
    /// an event missed for any reason is corrected within one period.
    pub fn start(
        api: Api<Pod>,
        events: Api<PodEvent>,
        namespace: &str,
        resync: Duration,
        metrics: Arc<dyn crate::ports::Metrics>,
        on_desktop_gone: Option<DesktopGone>,
    ) -> Self {
        let (store, mut writer) = reflector::store();
        let synced = Arc::new(AtomicBool::new(false));
        let flag = synced.clone();
        let (signals, _) = broadcast::channel(SIGNAL_BUFFER);
        let pod_signals = signals.clone();
        let pod_metrics = metrics.clone();
        let cached = store.clone();
        let pods = tokio::spawn(async move {
            let config = watcher::Config::default()
                .labels("type in (x11server,pod_application,pod_application_pull)")
                .timeout(290);
            loop {
                let stream = watcher::watcher(api.clone(), config.clone())
                    .default_backoff()
                    .modify(keep_what_is_read)
                    .take_until(tokio::time::sleep(resync));
                let mut stream = std::pin::pin!(stream);
                while let Some(event) = stream.next().await {
                    match event {
                        Ok(event) => {
                            writer.apply_watcher_event(&event);
                            signal(&pod_signals, &event);
                            react(&api, &cached, &flag, on_desktop_gone.as_ref(), event).await;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "pod watcher error; backing off");
                            pod_metrics.watch_restart("pods", "error");
                        }
                    }
                }
                tracing::debug!("pod watcher resync");
                pod_metrics.watch_restart("pods", "resync");
            }
        });
        let event_signals = signals.clone();
        let pod_events = tokio::spawn(async move {
            // Only new Events matter to a launch: the first list is not replayed.
            let config = watcher::Config::default()
                .fields("involvedObject.kind=Pod")
                .timeout(290);
            let stream = watcher::watcher(events, config).default_backoff();
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                match event {
                    Ok(Event::Apply(event)) => {
                        let _nobody_waits = event_signals.send(PodSignal::Event(Arc::new(event)));
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "pod event watcher error; backing off");
                        metrics.watch_restart("events", "error");
                    }
                }
            }
        });
        Self {
            store,
            namespace: namespace.to_owned(),
            synced,
            signals,
            tasks: vec![pods, pod_events],
        }
    }

    /// The cached pods, once the first list has completed.
    pub fn pods(&self) -> Option<Vec<Arc<Pod>>> {
        self.synced.load(Ordering::SeqCst).then(|| self.store.state())
    }

    /// Whether the first list has completed (the cache can be trusted).
    pub fn is_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }

    /// The cached pod named `name`.
    pub fn pod(&self, name: &str) -> Option<Arc<Pod>> {
        self.store
            .get(&kube::runtime::reflector::ObjectRef::new(name).within(&self.namespace))
    }

    /// Pod changes and pod Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PodSignal> {
        self.signals.subscribe()
    }
}

/// The cache keeps what deskplane reads of a pod: metadata (names, labels, the owner and
/// last-login annotations, timestamps), the node and host names, and the status. The rest
/// of the spec (containers, environment, volumes), the managed fields and the
/// last-applied copy are most of a desktop pod's size and never read from the cache: about
/// 100 KB a desktop otherwise.
fn keep_what_is_read(pod: &mut Pod) {
    pod.managed_fields_mut().clear();
    pod.annotations_mut()
        .remove("kubectl.kubernetes.io/last-applied-configuration");
    if let Some(spec) = pod.spec.as_mut() {
        *spec = k8s_openapi::api::core::v1::PodSpec {
            node_name: spec.node_name.take(),
            hostname: spec.hostname.take(),
            ..Default::default()
        };
    }
}

fn signal(signals: &broadcast::Sender<PodSignal>, event: &Event<Pod>) {
    let signal = match event {
        Event::Apply(pod) | Event::InitApply(pod) => PodSignal::Changed(pod.metadata.name.clone().unwrap_or_default()),
        Event::Delete(pod) => PodSignal::Deleted(pod.metadata.name.clone().unwrap_or_default()),
        _ => return,
    };
    let _nobody_waits = signals.send(signal);
}

async fn react(
    api: &Api<Pod>,
    cached: &Store<Pod>,
    synced: &AtomicBool,
    on_desktop_gone: Option<&DesktopGone>,
    event: Event<Pod>,
) {
    match event {
        Event::InitDone => synced.store(true, Ordering::SeqCst),
        Event::Apply(pod) => {
            if ended_pull(&pod) {
                // A pre-pull pod has done its work once it ended (pyos left them behind).
                if let Err(error) = api.delete(&pod.name_any(), &DeleteParams::default()).await {
                    tracing::warn!(%error, pod = %pod.name_any(), "could not delete an ended pull pod");
                }
            }
            if let (Some(reason), Some(name)) = (finished_application(&pod), pod.metadata.name.as_deref()) {
                tracing::info!(pod = name, reason, "deleting a finished application pod");
                match api.delete(name, &DeleteParams::foreground()).await {
                    // The replica whose delete started the deletion tells the user.
                    Ok(_) if reason != "Completed" => notify_desktop(api, cached, &pod, reason).await,
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, pod = name, "could not delete a finished application pod"),
                }
            }
        }
        Event::Delete(pod) => {
            let name = pod.name_any();
            tracing::info!(pod = %name, "pod deleted");
            if let Some(gone) = on_desktop_gone
                && pod.labels().get("type").map(String::as_str) == Some("x11server")
            {
                gone(name);
            }
        }
        _ => {}
    }
}
