//! Waiting for a desktop pod to run (orchestration.md §4.10), watching the pod and its
//! Events together. Fails fast, with a clear message, when the pod cannot start: an image
//! that does not pull, a container config error, or no node to schedule on. pyos waited for
//! the whole timeout in those cases.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use crate::ports::orchestrator::{OrchestratorError, ProgressSink};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{WatchEvent, WatchParams};

/// Container waiting reasons that will not resolve by waiting.
const FATAL_WAITING: [&str; 5] = [
    "ErrImagePull",
    "ImagePullBackOff",
    "CreateContainerConfigError",
    "InvalidImageName",
    "CreateContainerError",
];

/// Why a pod will not start, if it will not.
pub fn start_failure(pod: &Pod) -> Option<String> {
    let status = pod.status.as_ref()?;
    if status.phase.as_deref() == Some("Failed") {
        return Some(format!(
            "e.Your pod does not start, status is Failed reason is {}",
            status.reason.clone().unwrap_or_default()
        ));
    }
    let unschedulable = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False" && c.reason.as_deref() == Some("Unschedulable"));
    if let Some(condition) = unschedulable {
        return Some(format!(
            "e.Your pod can not be scheduled: {}",
            condition.message.clone().unwrap_or_default()
        ));
    }
    status
        .container_statuses
        .iter()
        .flatten()
        .chain(status.init_container_statuses.iter().flatten())
        .find_map(|c| {
            let waiting = c.state.as_ref()?.waiting.as_ref()?;
            let reason = waiting.reason.as_deref()?;
            FATAL_WAITING.contains(&reason).then(|| {
                format!(
                    "e.Your pod does not start, container {} is {reason}: {}",
                    c.name,
                    waiting.message.clone().unwrap_or_default()
                )
            })
        })
}

fn is_running(pod: &Pod) -> bool {
    let Some(status) = pod.status.as_ref() else {
        return false;
    };
    status.phase.as_deref() == Some("Running")
        && status
            .container_statuses
            .as_ref()
            .is_some_and(|all| !all.is_empty() && all.iter().all(|c| c.ready || c.started == Some(true)))
}

/// What one Event means for a waiting launch: progress to show, or a failure.
async fn on_event(event: &Event, progress: &dyn ProgressSink) -> Result<(), OrchestratorError> {
    let message = event
        .message
        .clone()
        .unwrap_or_else(|| event.reason.clone().unwrap_or_default());
    progress.publish(&format!("b.{message}")).await;
    if event.type_.as_deref() == Some("Warning") && event.reason.as_deref() == Some("FailedScheduling") {
        return Err(OrchestratorError::StartFailed(format!(
            "e.Your pod can not be scheduled: {message}"
        )));
    }
    Ok(())
}

/// What one state of the pod means: started (`Some(Ok)`), failed, or keep waiting.
async fn on_pod(pod: &Pod, progress: &dyn ProgressSink) -> Option<Result<(), OrchestratorError>> {
    if let Some(failure) = start_failure(pod) {
        return Some(Err(OrchestratorError::StartFailed(failure)));
    }
    if is_running(pod) {
        progress.publish("b.Your pod is Running.").await;
        return Some(Ok(()));
    }
    None
}

fn deleted() -> OrchestratorError {
    OrchestratorError::StartFailed("e.Your pod was deleted while it was starting".into())
}

enum Seen {
    Pod(Box<Result<WatchEvent<Pod>, kube::Error>>),
    Event(Box<Result<WatchEvent<Event>, kube::Error>>),
}

impl KubernetesOrchestrator {
    /// Waits until pod `name` runs, publishing its events; returns the running pod.
    pub(super) async fn wait_started(&self, name: &str, progress: &dyn ProgressSink) -> Result<Pod, OrchestratorError> {
        match self.watcher.as_ref().filter(|w| w.is_synced()) {
            Some(watcher) => self.wait_with_shared_watch(watcher, name, progress).await,
            None => self.wait_with_own_watches(name, progress).await,
        }
    }

    /// Waits on the shared pod and Event watches: no API call until the end.
    async fn wait_with_shared_watch(
        &self,
        watcher: &super::PodWatcher,
        name: &str,
        progress: &dyn ProgressSink,
    ) -> Result<Pod, OrchestratorError> {
        use super::watcher::PodSignal;
        use tokio::sync::broadcast::error::RecvError;
        // Subscribe first, then look at the cache: a change between the two is not lost.
        let mut signals = watcher.subscribe();
        progress.publish("b.Watching for events").await;
        let deadline = tokio::time::sleep(self.settings.create_pod_timeout);
        tokio::pin!(deadline);
        let mut current = watcher.pod(name);
        loop {
            if let Some(pod) = current.take()
                && let Some(outcome) = on_pod(&pod, progress).await
            {
                return outcome.map(|()| Pod::clone(&pod));
            }
            let signal = tokio::select! {
                signal = signals.recv() => signal,
                () = &mut deadline => break,
            };
            match signal {
                Ok(PodSignal::Changed(changed)) if changed == name => current = watcher.pod(name),
                Ok(PodSignal::Deleted(gone)) if gone == name => return Err(deleted()),
                Ok(PodSignal::Event(event)) if event.involved_object.name.as_deref() == Some(name) => {
                    on_event(&event, progress).await?;
                }
                Ok(_) => {}
                // Too slow to read every signal: the cache has the pod's latest state.
                Err(RecvError::Lagged(_)) => current = watcher.pod(name),
                Err(RecvError::Closed) => break,
            }
        }
        self.final_verdict(name).await
    }

    /// Waits on a pod watch and an Event watch of its own (no shared watcher running).
    async fn wait_with_own_watches(&self, name: &str, progress: &dyn ProgressSink) -> Result<Pod, OrchestratorError> {
        let timeout = self.settings.create_pod_timeout;
        let seconds = u32::try_from(timeout.as_secs().max(1)).unwrap_or(u32::MAX);
        let pods = self
            .pods()
            .watch(
                &WatchParams::default()
                    .fields(&format!("metadata.name={name}"))
                    .timeout(seconds),
                "0",
            )
            .await
            .map_err(|e| from_kube(e, name))?;
        let events = self
            .events()
            .watch(
                &WatchParams::default()
                    .fields(&format!("involvedObject.name={name}"))
                    .timeout(seconds),
                "0",
            )
            .await
            .map_err(|e| from_kube(e, name))?;
        progress.publish("b.Watching for events").await;
        let mut seen = std::pin::pin!(futures::stream::select(
            pods.map(|p| Seen::Pod(Box::new(p))),
            events.map(|e| Seen::Event(Box::new(e)))
        ));
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            let item = tokio::select! {
                item = seen.next() => item,
                () = &mut deadline => None,
            };
            match item {
                None => break,
                Some(Seen::Event(seen)) => match *seen {
                    Ok(WatchEvent::Added(event) | WatchEvent::Modified(event)) => on_event(&event, progress).await?,
                    Err(error) => tracing::warn!(%error, pod = name, "event watch error while waiting for a desktop"),
                    Ok(_) => {}
                },
                Some(Seen::Pod(seen)) => match *seen {
                    Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => {
                        if let Some(outcome) = on_pod(&pod, progress).await {
                            return outcome.map(|()| pod);
                        }
                    }
                    Ok(WatchEvent::Deleted(_)) => return Err(deleted()),
                    Err(error) => tracing::warn!(%error, pod = name, "watch error while waiting for a desktop"),
                    Ok(_) => {}
                },
            }
        }
        self.final_verdict(name).await
    }

    /// After the deadline: one last read of the pod, and the reason it did not start.
    async fn final_verdict(&self, name: &str) -> Result<Pod, OrchestratorError> {
        let timeout = self.settings.create_pod_timeout;
        let pod = self.pods().get(name).await.map_err(|e| from_kube(e, name))?;
        if is_running(&pod) {
            return Ok(pod);
        }
        let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        Err(OrchestratorError::StartFailed(start_failure(&pod).unwrap_or_else(
            || {
                format!(
                    "e.Your pod does not start within {} s, status is {phase}",
                    timeout.as_secs()
                )
            },
        )))
    }
}
