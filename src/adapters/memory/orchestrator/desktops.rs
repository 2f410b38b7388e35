//! The desktop port of the simulation.

use super::{MemoryOrchestrator, SimDesktop, owner_key};
use crate::domain::desktop::{Desktop, DesktopOwner, DesktopPhase, DesktopSpec, RemovalScope, UserSecret};
use crate::ports::clock::UnixSeconds;
use crate::ports::orchestrator::{DesktopOrchestrator, OrchestratorError, ProgressSink};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

impl MemoryOrchestrator {
    fn with_password(sim: &SimDesktop) -> Desktop {
        Desktop {
            vnc_password: Some(sim.vnc_password.clone()),
            ..sim.desktop.clone()
        }
    }

    /// The existing desktop named in `spec`, adopted only when `spec.owner` owns it.
    fn adopt(existing: &SimDesktop, spec: &DesktopSpec) -> Result<Desktop, OrchestratorError> {
        if existing.desktop.owner.same_owner(&spec.owner) {
            Ok(Self::with_password(existing))
        } else {
            Err(OrchestratorError::OwnerMismatch(spec.name.to_string()))
        }
    }
}

#[async_trait]
impl DesktopOrchestrator for MemoryOrchestrator {
    /// The memory orchestrator's desktop is its name, labels, environment and account.
    fn describe_new_desktop(&self, spec: &DesktopSpec) -> Result<serde_json::Value, OrchestratorError> {
        let env: serde_json::Map<String, serde_json::Value> = spec
            .env
            .iter()
            .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
            .collect();
        Ok(serde_json::json!({
            "name": spec.name.to_string(),
            "labels": spec.labels,
            "env": env,
            "posix": spec.posix,
            "execute_class": spec.execute_class,
            "node": self.settings.node,
        }))
    }

    async fn find_desktop(&self, owner: &DesktopOwner) -> Result<Option<Desktop>, OrchestratorError> {
        Ok(self
            .state()
            .desktops
            .values()
            .find(|d| d.desktop.owner.same_owner(owner) && !d.desktop.terminating)
            .map(Self::with_password))
    }

    async fn create_desktop(
        &self,
        spec: &DesktopSpec,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<Desktop, OrchestratorError> {
        if let Some(existing) = self.state().desktops.get(spec.name.as_str()) {
            // Idempotent on the name for its owner: a concurrent create of the same desktop
            // adopts it; anyone else's desktop is never handed out.
            return Self::adopt(existing, spec);
        }
        progress.publish("b.Creating your desktop").await;
        if !self.settings.start_delay.is_zero() {
            progress.publish(&format!("b.Your pod {} is Pending", spec.name)).await;
            tokio::time::sleep(self.settings.start_delay).await;
        }
        let desktop = {
            let mut state = self.state();
            if let Some(existing) = state.desktops.get(spec.name.as_str()) {
                return Self::adopt(existing, spec);
            }
            let ip = state.allocate_address(self.settings.first_address);
            let container_id = state.allocate_container_id();
            let mut labels: BTreeMap<String, String> = spec.labels.clone();
            labels.insert("type".into(), "x11server".into());
            labels.insert("access_userid".into(), spec.owner.userid.to_string());
            labels.insert("access_provider".into(), spec.owner.provider.clone());
            labels.insert("access_providertype".into(), spec.owner.providertype.clone());
            labels.insert("xauthkey".into(), spec.cookies.xauth_key.expose().to_owned());
            labels.insert(
                "pulseaudio_cookie".into(),
                spec.cookies.pulseaudio_cookie.expose().to_owned(),
            );
            labels.insert(
                "broadcast_cookie".into(),
                spec.cookies.broadcast_cookie.expose().to_owned(),
            );
            let desktop = Desktop {
                name: spec.name.to_string(),
                owner: spec.owner.clone(),
                phase: DesktopPhase::Running,
                internal_uri: Some(ip.clone()),
                ip_addr: Some(ip),
                node: Some(self.settings.node.clone()),
                hostname: Some(spec.name.to_string()),
                vnc_password: None,
                container_id: Some(container_id),
                container_name: Some("x-graphical".into()),
                labels,
                websocketrouting: None,
                websocketroute: None,
                created: spec.now,
                last_login: Some(spec.now),
                terminating: false,
            };
            let vnc = UserSecret {
                files: Default::default(),
                kind: "vnc".into(),
                data: BTreeMap::from([("password".to_owned(), spec.vnc_password.expose().to_owned())]),
            };
            let cap = self.settings.max_secret_owners;
            state.secrets_of(owner_key(&spec.owner), cap).insert("vnc".into(), vnc);
            let sim = SimDesktop {
                desktop: desktop.clone(),
                vnc_password: spec.vnc_password.clone(),
                env: spec.env.clone(),
                apps: Vec::new(),
                logs: vec![format!(
                    "{} simulated desktop started for {}",
                    spec.name, spec.owner.userid
                )],
            };
            state.desktops.insert(spec.name.to_string(), sim);
            Desktop {
                vnc_password: Some(spec.vnc_password.clone()),
                ..desktop
            }
        };
        progress.publish("b.Your pod is Running.").await;
        Ok(desktop)
    }

    async fn resume_desktop(&self, desktop: &Desktop, now: UnixSeconds) -> Result<Desktop, OrchestratorError> {
        let mut state = self.state();
        let sim = state
            .desktops
            .get_mut(&desktop.name)
            .ok_or_else(|| OrchestratorError::NotFound(desktop.name.clone()))?;
        if sim.desktop.phase != DesktopPhase::Running {
            return Err(OrchestratorError::StartFailed(format!(
                "Your pod is in phase {}, resume pod failed",
                sim.desktop.phase.as_str()
            )));
        }
        sim.desktop.last_login = Some(now);
        Ok(Self::with_password(sim))
    }

    async fn remove_desktop(&self, desktop: &Desktop, scope: RemovalScope) -> Result<(), OrchestratorError> {
        let mut state = self.state();
        state
            .desktops
            .remove(&desktop.name)
            .ok_or_else(|| OrchestratorError::NotFound(desktop.name.clone()))?;
        if scope == RemovalScope::Everything {
            let key = owner_key(&desktop.owner);
            state.secrets.remove(&key);
            state.secret_order.retain(|o| *o != key);
            state.app_pods.retain(|_, app| !app.owner.same_owner(&desktop.owner));
        }
        Ok(())
    }

    async fn list_desktops(&self) -> Result<Vec<Desktop>, OrchestratorError> {
        Ok(self
            .state()
            .desktops
            .values()
            .filter(|d| !d.desktop.terminating)
            .map(|d| d.desktop.clone())
            .collect())
    }

    async fn get_desktop(&self, name: &str) -> Result<Option<Desktop>, OrchestratorError> {
        Ok(self.state().desktops.get(name).map(|d| d.desktop.clone()))
    }

    async fn describe_desktop(&self, name: &str) -> Result<Option<Value>, OrchestratorError> {
        let state = self.state();
        Ok(state.desktops.get(name).map(|sim| {
            let d = &sim.desktop;
            // Shaped like a pod, so operators see what a cluster would show; secrets omitted.
            let env: Vec<Value> = sim.env.iter().map(|(name, value)| json!({"name": name, "value": value})).collect();
            let visible_labels: BTreeMap<&String, &String> =
                d.labels.iter().filter(|(k, _)| !matches!(k.as_str(), "xauthkey" | "pulseaudio_cookie" | "broadcast_cookie")).collect();
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": d.name, "namespace": self.settings.namespace, "labels": visible_labels,
                             "annotations": {"lastlogin_datetime": d.last_login.map(crate::domain::time::iso8601)}},
                "spec": {"nodeName": d.node, "hostname": d.hostname, "containers": [{"name": d.container_name, "env": env}]},
                "status": {"phase": d.phase.as_str(), "podIP": d.ip_addr},
            })
        }))
    }

    async fn desktop_logs(&self, desktop: &Desktop) -> Result<String, OrchestratorError> {
        let state = self.state();
        let sim = state
            .desktops
            .get(&desktop.name)
            .ok_or_else(|| OrchestratorError::NotFound(desktop.name.clone()))?;
        Ok(sim.logs.join("\n"))
    }

    async fn count_connections(&self, desktop: &Desktop) -> Result<u32, OrchestratorError> {
        // Nobody can connect to a simulated desktop.
        if self.state().desktops.contains_key(&desktop.name) {
            Ok(0)
        } else {
            Err(OrchestratorError::NotFound(desktop.name.clone()))
        }
    }

    /// A simulated desktop has the cgroup v2 files of an idle container and nothing else.
    async fn read_desktop_file(
        &self,
        desktop: &Desktop,
        _container: Option<String>,
        path: &str,
    ) -> Result<Option<String>, OrchestratorError> {
        if !self.state().desktops.contains_key(&desktop.name) {
            return Err(OrchestratorError::NotFound(desktop.name.clone()));
        }
        Ok(match path {
            "/sys/fs/cgroup/memory.current" => Some("52428800\n".into()),
            "/sys/fs/cgroup/memory.max" => Some("max\n".into()),
            "/sys/fs/cgroup/cpu.stat" => Some("usage_usec 1500000\nuser_usec 1000000\n".into()),
            "/sys/fs/cgroup/cpu.max" => Some("400000 100000\n".into()),
            _ => None,
        })
    }
}
