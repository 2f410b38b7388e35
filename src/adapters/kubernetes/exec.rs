//! Commands run in the desktop's graphical container (orchestration.md §9): the connection
//! count for the garbage collector and the service readiness wait after start.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use crate::domain::desktop::Desktop;
use crate::ports::orchestrator::{OrchestratorError, ProgressSink};
use kube::api::AttachParams;
use serde_json::Value;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Rounds of the readiness wait (pyos: 41 rounds, one second apart).
const READINESS_ROUNDS: u32 = 41;

impl KubernetesOrchestrator {
    /// Runs `command` in `container` of `pod`; returns the exit code and stdout.
    pub(super) async fn exec(
        &self,
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
            let mut attached = self
                .pods()
                .exec(pod, command, &params)
                .await
                .map_err(|e| from_kube(e, pod))?;
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

    /// Waits until the graphical and spawner services listen (`waitportbin`), publishing
    /// progress. Returns whether they did; like pyos, the launch goes on either way.
    pub(super) async fn wait_services(&self, desktop: &Desktop, progress: &dyn ProgressSink) -> bool {
        let Some(ip) = desktop.ip_addr.clone() else {
            return false;
        };
        let container = desktop
            .container_name
            .clone()
            .unwrap_or_else(|| super::GRAPHICAL.into());
        let services: Vec<(String, String, u64)> = ["graphical", "spawner"]
            .iter()
            .filter_map(|service| {
                let entry = self.settings.pod.entry(service)?;
                let bin = entry.get("waitportbin").and_then(Value::as_str)?;
                let port = entry.get("tcpport").and_then(Value::as_u64)?;
                Some(((*service).to_owned(), bin.to_owned(), port))
            })
            .collect();
        let mut pending = services;
        for round in 1..=READINESS_ROUNDS {
            let mut still = Vec::new();
            for (service, bin, port) in pending {
                progress
                    .publish(&format!(
                        "c.Waiting for desktop {service} service {round}/{}",
                        READINESS_ROUNDS + 1
                    ))
                    .await;
                let command = vec![bin.clone(), "-t".into(), "2000".into(), format!("{ip}:{port}")];
                match self
                    .exec(&desktop.name, &container, command, Duration::from_secs(3))
                    .await
                {
                    Ok((0, _)) => {}
                    _ => still.push((service, bin, port)),
                }
            }
            if still.is_empty() {
                progress
                    .publish(&format!("c.Desktop services are running after {round} s"))
                    .await;
                return true;
            }
            pending = still;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        false
    }
}
