//! Waiting for a started desktop to be usable (orchestration.md §9.3, the 4.x stages):
//! the supervisor's services of `desktop.pod.graphical.waitfor_services`, then the
//! processes of `waitfor_processes`, then the graphical and spawner services listening
//! (`waitportbin`). Each stage has 41 rounds a second apart; like pyos, the launch goes
//! on when a stage runs out.

use super::KubernetesOrchestrator;
use crate::domain::desktop::Desktop;
use crate::ports::orchestrator::ProgressSink;
use serde_json::Value;
use std::time::Duration;

/// Rounds of each stage (pyos: 41 rounds, one second apart).
const READINESS_ROUNDS: u32 = 41;

/// One thing to wait for: its name and the command that exits 0 once it is ready.
struct Check {
    name: String,
    command: Vec<String>,
}

impl KubernetesOrchestrator {
    /// The names listed under `desktop.pod.graphical.<key>`.
    fn graphical_list(&self, key: &str) -> Vec<String> {
        self.settings
            .pod
            .entry("graphical")
            .and_then(|entry| entry.get(key))
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Runs `checks` until each has passed once, at most [`READINESS_ROUNDS`] rounds;
    /// `waiting` names the progress message of a check still waited for.
    async fn wait_for(
        &self,
        desktop: &Desktop,
        checks: Vec<Check>,
        progress: &dyn ProgressSink,
        waiting: impl Fn(&str, u32) -> String,
    ) -> Option<u32> {
        let container = desktop
            .container_name
            .clone()
            .unwrap_or_else(|| super::GRAPHICAL.into());
        let mut pending = checks;
        for round in 1..=READINESS_ROUNDS {
            let mut still = Vec::new();
            for check in pending {
                progress.publish(&waiting(&check.name, round)).await;
                match self
                    .exec(&desktop.name, &container, check.command.clone(), Duration::from_secs(5))
                    .await
                {
                    Ok((0, _)) => {}
                    _ => still.push(check),
                }
            }
            if still.is_empty() {
                return Some(round);
            }
            pending = still;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        None
    }

    /// Waits for the desktop's services, processes and listening ports, publishing
    /// progress. Returns whether the ports listened.
    pub(super) async fn wait_services(&self, desktop: &Desktop, progress: &dyn ProgressSink) -> bool {
        let services = self.graphical_list("waitfor_services");
        if !services.is_empty() {
            let checks = services
                .iter()
                .map(|service| Check {
                    name: service.clone(),
                    command: vec!["/usr/bin/supervisorctl".into(), "status".into(), service.clone()],
                })
                .collect();
            if self
                .wait_for(desktop, checks, progress, |name, _| {
                    format!("c.Waiting desktop service {name}")
                })
                .await
                .is_some()
            {
                progress
                    .publish(&format!("c.Desktop services [{}] are started", services.join(", ")))
                    .await;
            }
        }
        let processes = self.graphical_list("waitfor_processes");
        if !processes.is_empty() {
            let checks = processes
                .iter()
                .map(|process| Check {
                    name: process.clone(),
                    command: vec!["/usr/bin/pidof".into(), process.clone()],
                })
                .collect();
            self.wait_for(desktop, checks, progress, |name, _| {
                format!("c.Waiting for desktop process {name}")
            })
            .await;
        }
        let Some(ip) = desktop.ip_addr.clone() else {
            return false;
        };
        let ports: Vec<Check> = ["graphical", "spawner"]
            .iter()
            .filter_map(|service| {
                let entry = self.settings.pod.entry(service)?;
                let bin = entry.get("waitportbin").and_then(Value::as_str)?;
                let port = entry.get("tcpport").and_then(Value::as_u64)?;
                Some(Check {
                    name: (*service).to_owned(),
                    command: vec![bin.to_owned(), "-t".into(), "2000".into(), format!("{ip}:{port}")],
                })
            })
            .collect();
        let listening = self
            .wait_for(desktop, ports, progress, |name, round| {
                format!("c.Waiting for desktop {name} service {round}/{}", READINESS_ROUNDS + 1)
            })
            .await;
        match listening {
            Some(round) => {
                progress
                    .publish(&format!("c.Desktop services are running after {round} s"))
                    .await;
                true
            }
            None => false,
        }
    }
}
