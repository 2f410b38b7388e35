//! The pod watcher (orchestration.md §8.6): a kube-runtime reflector over desktop and
//! application pods, with back-off on errors and relists after 410 Gone. It keeps a
//! cache the desktop list is served from, deletes application pods that finished or were
//! OOM-killed while their pod still runs, and logs desktop deletions.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A running watcher and its cache. Dropping it stops the watch.
pub struct PodWatcher {
    store: Store<Pod>,
    synced: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for PodWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether an application pod ended and should be cleaned up: its first container
/// terminated `Completed` or `OOMKilled` while the pod is still `Running`.
fn finished_application(pod: &Pod) -> Option<&'static str> {
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
    (status.phase.as_deref() == Some("Running")).then_some(())?;
    match reason {
        "Completed" => Some("Completed"),
        "OOMKilled" => Some("OOMKilled"),
        _ => None,
    }
}

impl PodWatcher {
    /// Starts watching desktop and application pods of `api`. Every `resync` the watch is
    /// restarted: a new watcher lists everything again and that list replaces the cache, so
    /// an event missed for any reason is corrected within one period.
    pub fn start(api: Api<Pod>, resync: Duration) -> Self {
        let (store, mut writer) = reflector::store();
        let synced = Arc::new(AtomicBool::new(false));
        let flag = synced.clone();
        let task = tokio::spawn(async move {
            let config = watcher::Config::default()
                .labels("type in (x11server,pod_application)")
                .timeout(290);
            loop {
                let stream = watcher::watcher(api.clone(), config.clone())
                    .default_backoff()
                    .take_until(tokio::time::sleep(resync));
                let mut stream = std::pin::pin!(stream);
                while let Some(event) = stream.next().await {
                    match event {
                        Ok(event) => {
                            writer.apply_watcher_event(&event);
                            react(&api, &flag, event).await;
                        }
                        Err(error) => tracing::warn!(%error, "pod watcher error; backing off"),
                    }
                }
                tracing::debug!("pod watcher resync");
            }
        });
        Self { store, synced, task }
    }

    /// The cached pods, once the first list has completed.
    pub fn pods(&self) -> Option<Vec<Arc<Pod>>> {
        self.synced.load(Ordering::SeqCst).then(|| self.store.state())
    }
}

async fn react(api: &Api<Pod>, synced: &AtomicBool, event: Event<Pod>) {
    match event {
        Event::InitDone => synced.store(true, Ordering::SeqCst),
        Event::Apply(pod) => {
            if let (Some(reason), Some(name)) = (finished_application(&pod), pod.metadata.name.as_deref()) {
                tracing::info!(pod = name, reason, "deleting a finished application pod");
                if let Err(error) = api.delete(name, &DeleteParams::foreground()).await {
                    tracing::warn!(%error, pod = name, "could not delete a finished application pod");
                }
            }
        }
        Event::Delete(pod) => tracing::info!(pod = pod.metadata.name.as_deref().unwrap_or_default(), "pod deleted"),
        _ => {}
    }
}
