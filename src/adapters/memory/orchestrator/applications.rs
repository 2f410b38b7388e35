//! The application port of the simulation.

use super::{MemoryOrchestrator, SimApp};
use crate::domain::apps::{AppLaunchSpec, AppRef, Engine, LaunchedApp, RunningApp};
use crate::domain::desktop::{Desktop, DesktopOwner};
use crate::ports::orchestrator::{ApplicationRuntime, OrchestratorError};
use async_trait::async_trait;
use std::collections::BTreeMap;

fn running(app: &SimApp, podname: &str, node: Option<String>) -> RunningApp {
    RunningApp {
        podname: podname.to_owned(),
        id: app.name.clone(),
        short_id: app.container_id.clone(),
        status: app.status.clone(),
        image: app.image.clone(),
        node,
        engine: app.engine,
    }
}

impl MemoryOrchestrator {
    /// Runs `f` on the application `app` addresses, in the desktop or as a pod.
    fn with_app<T>(
        &self,
        desktop: &Desktop,
        app: &AppRef,
        f: impl FnOnce(&mut Vec<SimApp>, usize) -> T,
    ) -> Result<T, OrchestratorError> {
        let mut state = self.state();
        let not_found = || OrchestratorError::NotFound(app.containerid.clone());
        if app.podname == desktop.name {
            let sim = state.desktops.get_mut(&desktop.name).ok_or_else(not_found)?;
            let index = sim
                .apps
                .iter()
                .position(|a| a.name == app.containerid)
                .ok_or_else(not_found)?;
            return Ok(f(&mut sim.apps, index));
        }
        let pod = state.app_pods.remove(&app.podname).ok_or_else(not_found)?;
        let mut single = vec![pod];
        let result = f(&mut single, 0);
        if let Some(pod) = single.pop() {
            state.app_pods.insert(app.podname.clone(), pod);
        }
        Ok(result)
    }
}

#[async_trait]
impl ApplicationRuntime for MemoryOrchestrator {
    async fn launch_application(
        &self,
        desktop: &Desktop,
        spec: &AppLaunchSpec,
    ) -> Result<LaunchedApp, OrchestratorError> {
        let mut state = self.state();
        let container_id = state.allocate_container_id();
        let app = SimApp {
            name: spec.name.clone(),
            owner: desktop.owner.clone(),
            image: spec.app.id.clone(),
            status: "Running".into(),
            container_id,
            env: spec.env.clone(),
            logs: vec![format!("{} started ({})", spec.app.name, spec.app.cmd.join(" "))],
            engine: spec.engine,
        };
        match spec.engine {
            Engine::EphemeralContainer => {
                let sim = state
                    .desktops
                    .get_mut(&desktop.name)
                    .ok_or_else(|| OrchestratorError::NotFound(desktop.name.clone()))?;
                sim.logs.push(format!("ephemeral container {} added", spec.name));
                sim.apps.push(app);
            }
            Engine::PodApplication => {
                // Pod names are one namespace, as on a cluster: a taken name is refused,
                // never overwritten (it may be another user's application).
                if state.app_pods.contains_key(&spec.name) || state.desktops.contains_key(&spec.name) {
                    return Err(OrchestratorError::AlreadyExists(spec.name.clone()));
                }
                state.app_pods.insert(spec.name.clone(), app);
            }
        }
        Ok(LaunchedApp {
            container_id: spec.name.clone(),
            state: "Running".into(),
            kind: spec.engine.as_str().into(),
            wm_class: spec.app.launch.clone(),
        })
    }

    async fn list_applications(&self, desktop: &Desktop) -> Result<Vec<RunningApp>, OrchestratorError> {
        let state = self.state();
        let mut apps: Vec<RunningApp> = state
            .desktops
            .get(&desktop.name)
            .map(|sim| {
                sim.apps
                    .iter()
                    .map(|a| running(a, &desktop.name, desktop.node.clone()))
                    .collect()
            })
            .unwrap_or_default();
        apps.extend(
            state
                .app_pods
                .iter()
                .filter(|(_, a)| a.owner.same_owner(&desktop.owner))
                .map(|(pod, a)| running(a, pod, desktop.node.clone())),
        );
        Ok(apps)
    }

    async fn owner_of(&self, podname: &str) -> Result<Option<DesktopOwner>, OrchestratorError> {
        let state = self.state();
        Ok(state
            .desktops
            .get(podname)
            .map(|d| d.desktop.owner.clone())
            .or_else(|| state.app_pods.get(podname).map(|a| a.owner.clone())))
    }

    async fn application_logs(&self, desktop: &Desktop, app: &AppRef) -> Result<String, OrchestratorError> {
        self.with_app(desktop, app, |apps, i| apps[i].logs.join("\n"))
    }

    async fn application_env(
        &self,
        desktop: &Desktop,
        app: &AppRef,
    ) -> Result<BTreeMap<String, Option<String>>, OrchestratorError> {
        self.with_app(desktop, app, |apps, i| {
            apps[i].env.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect()
        })
    }

    async fn stop_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError> {
        self.with_app(desktop, app, |apps, i| {
            let was_running = apps[i].status == "Running";
            apps[i].status = "Terminated".into();
            apps[i].logs.push("terminated".into());
            was_running
        })
    }

    async fn remove_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError> {
        self.with_app(desktop, app, |apps, i| {
            apps.remove(i);
            true
        })
    }

    /// The simulation's one node pulls in no time: nothing to start.
    async fn prepull_image(&self, _image: &str, node: Option<String>) -> Result<bool, OrchestratorError> {
        Ok(node.is_none_or(|node| node == self.settings.node))
    }
}
