//! Commands run in the desktop's graphical container (orchestration.md §9.1): the exec
//! call itself and the connection count for the garbage collector.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use crate::domain::desktop::Desktop;
use crate::ports::orchestrator::OrchestratorError;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Runs `command` in `container` of `pod` through `pods`; returns the exit code and stdout.
pub(super) async fn exec_in(
    pods: &Api<Pod>,
    pod: &str,
    container: &str,
    command: Vec<String>,
    timeout: Duration,
) -> Result<(i32, String), OrchestratorError> {
    let params = AttachParams::default()
        .container(container)
        .stdin(false)
        .stdout(true)
        .stderr(false);
    let run = async {
        let mut attached = pods.exec(pod, command, &params).await.map_err(|e| from_kube(e, pod))?;
        let mut stdout = String::new();
        if let Some(mut reader) = attached.stdout() {
            let _ = reader.read_to_string(&mut stdout).await;
        }
        let status = match attached.take_status() {
            Some(status) => status.await,
            None => None,
        };
        let code = match status {
            Some(status) if status.status.as_deref() == Some("Success") => 0,
            Some(status) => status
                .details
                .and_then(|d| d.causes)
                .and_then(|causes| causes.into_iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
                .and_then(|c| c.message?.parse().ok())
                .unwrap_or(-1),
            None => -1,
        };
        Ok((code, stdout))
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| OrchestratorError::Unavailable(format!("exec in {pod} timed out")))?
}

impl KubernetesOrchestrator {
    /// Runs `command` in `container` of `pod`; returns the exit code and stdout.
    pub(super) async fn exec(
        &self,
        pod: &str,
        container: &str,
        command: Vec<String>,
        timeout: Duration,
    ) -> Result<(i32, String), OrchestratorError> {
        exec_in(&self.pods(), pod, container, command, timeout).await
    }

    /// Reads `path` with `cat` in `container` (the graphical one by default) of the
    /// desktop pod, or in the application pod named `container` when the desktop pod
    /// has no such container.
    pub(super) async fn read_file(
        &self,
        desktop: &Desktop,
        container: Option<&str>,
        path: &str,
    ) -> Result<Option<String>, OrchestratorError> {
        let graphical = desktop
            .container_name
            .clone()
            .unwrap_or_else(|| super::GRAPHICAL.into());
        let (pod, container) = match container {
            None => (desktop.name.clone(), graphical),
            Some(id) => {
                let pod = self.pods().get_opt(&desktop.name).await.map_err(|e| from_kube(e, id))?;
                let spec = pod.and_then(|p| p.spec).unwrap_or_default();
                let in_desktop = spec.containers.iter().any(|c| c.name == id)
                    || spec.ephemeral_containers.iter().flatten().any(|c| c.name == id);
                if in_desktop {
                    (desktop.name.clone(), id.to_owned())
                } else {
                    // An application pod: its one container has the pod's name, and it
                    // must be the desktop owner's.
                    let app = self.pods().get_opt(id).await.map_err(|e| from_kube(e, id))?;
                    let owned = app
                        .as_ref()
                        .is_some_and(|p| super::names::is_owned_by(p.metadata.annotations.as_ref(), &desktop.owner));
                    if !owned {
                        return Err(OrchestratorError::NotFound(id.to_owned()));
                    }
                    (id.to_owned(), id.to_owned())
                }
            }
        };
        let command = vec!["cat".to_owned(), path.to_owned()];
        match self.exec(&pod, &container, command, Duration::from_secs(5)).await? {
            (0, text) => Ok(Some(text)),
            _ => Ok(None),
        }
    }

    /// The number of live websocket connections to the desktop (`connectcount.sh`).
    pub(super) async fn connections(&self, desktop: &Desktop) -> Result<u32, OrchestratorError> {
        let container = desktop
            .container_name
            .clone()
            .unwrap_or_else(|| super::GRAPHICAL.into());
        let (code, stdout) = self
            .exec(
                &desktop.name,
                &container,
                vec!["/composer/connectcount.sh".into()],
                Duration::from_secs(10),
            )
            .await?;
        if code != 0 {
            return Err(OrchestratorError::Unavailable(format!("connectcount exited {code}")));
        }
        stdout
            .trim()
            .parse()
            .map_err(|_| OrchestratorError::Unavailable(format!("connectcount printed {stdout:?}")))
    }
}
