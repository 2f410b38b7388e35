//! Applications as ephemeral containers of the desktop pod (orchestration.md §7.3.1), and
//! application pods for the `pod_application` engine.

use super::KubernetesOrchestrator;
use super::convert::owner_of;
use super::desktops::application_pods_of;
use super::errors::from_kube;
use super::pod::GRAPHICAL;
use super::template::security_context;
use crate::domain::apps::{AppLaunchSpec, AppRef, Engine, LaunchedApp, RunningApp};
use crate::domain::desktop::{Desktop, DesktopOwner};
use crate::ports::orchestrator::{ApplicationRuntime, OrchestratorError};
use async_trait::async_trait;
use k8s_openapi::api::core::v1::{Pod, PodSpec};
use kube::api::{DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn state_text(state: Option<&k8s_openapi::api::core::v1::ContainerState>) -> String {
    match state {
        Some(s) if s.running.is_some() => "Running".into(),
        Some(s) if s.terminated.is_some() => "Terminated".into(),
        Some(s) => s
            .waiting
            .as_ref()
            .and_then(|w| w.reason.clone())
            .unwrap_or_else(|| "Waiting".into()),
        None => "Application".into(),
    }
}

fn phase_of(state: Option<&k8s_openapi::api::core::v1::ContainerState>) -> String {
    match state {
        Some(s) if s.running.is_some() => "Running",
        Some(s) if s.terminated.is_some() => "Terminated",
        Some(s) if s.waiting.is_some() => "Waiting",
        _ => "Error",
    }
    .into()
}

impl KubernetesOrchestrator {
    /// The spec of pod `podname` and whether it has a container or ephemeral container
    /// named `container`.
    async fn pod_spec(&self, podname: &str, container: &str) -> Result<(PodSpec, bool), OrchestratorError> {
        let pod = self.pods().get(podname).await.map_err(|e| from_kube(e, podname))?;
        let spec = pod.spec.unwrap_or_default();
        let known = spec.containers.iter().any(|c| c.name == container)
            || spec.ephemeral_containers.iter().flatten().any(|c| c.name == container);
        Ok((spec, known))
    }
}

#[async_trait]
impl ApplicationRuntime for KubernetesOrchestrator {
    async fn launch_application(
        &self,
        desktop: &Desktop,
        spec: &AppLaunchSpec,
    ) -> Result<LaunchedApp, OrchestratorError> {
        let posix = &spec.posix;
        let engine_key = spec.engine.as_str();
        let engine = self.settings.pod.entry(engine_key).cloned().unwrap_or_default();
        let mut context = security_context(engine.get("securityContext"), posix).unwrap_or_else(|| json!({}));
        if let (Some(target), Some(extra)) = (context.as_object_mut(), spec.app.securitycontext.as_object()) {
            target.extend(extra.clone());
        }
        // Ephemeral containers mount volumes of the desktop pod; application pods declare
        // their own (the engine's default volumes, the same home, the local account).
        let defaults = super::pod::default_volumes(&self.settings.pod, engine_key);
        let (account, account_mount) = super::pod::local_account_volume(&self.settings.pod, &desktop.owner);
        if spec.engine == Engine::EphemeralContainer {
            super::home::check_ephemeral_home(&self.settings.pod, &desktop.owner, posix)?;
        }
        let mut mounts: Vec<Value> = defaults.iter().map(|(_, mount)| mount.clone()).collect();
        mounts.extend(
            super::home::home_mounts(&self.settings.pod, &desktop.owner, posix)
                .into_iter()
                .map(|(_, mount)| mount),
        );
        let mut pod_volumes: Vec<Value> = defaults.into_iter().map(|(volume, _)| volume).collect();
        pod_volumes.extend(super::home::home_volumes(&self.settings.pod, &desktop.owner, posix));
        // The volumes the desktop's labels grant: an ephemeral container mounts the
        // desktop pod's, an application pod declares its own.
        for (volume, mount) in super::rule_volumes::rule_volumes(
            &self.settings.pod.rule_volumes,
            &desktop.labels,
            posix,
            &desktop.owner,
            &self.settings.namespace,
        )? {
            pod_volumes.push(volume);
            mounts.push(mount);
        }
        if spec.engine == Engine::PodApplication {
            pod_volumes.push(account);
            mounts.push(account_mount);
        }
        let container = json!({
            "name": spec.name, "image": spec.app.id, "command": spec.app.cmd,
            "imagePullPolicy": engine.get("imagePullPolicy").and_then(Value::as_str).unwrap_or("IfNotPresent"),
            "env": self.app_env(desktop, spec).await, "volumeMounts": mounts, "workingDir": posix.home_directory, "securityContext": context,
        });
        match spec.engine {
            Engine::EphemeralContainer => {
                let mut container = container;
                container["targetContainerName"] =
                    Value::String(desktop.container_name.clone().unwrap_or_else(|| GRAPHICAL.into()));
                let patch = Patch::Strategic(json!({"spec": {"ephemeralContainers": [container]}}));
                let pod = self
                    .pods()
                    .patch_subresource("ephemeralcontainers", &desktop.name, &PatchParams::default(), &patch)
                    .await
                    .map_err(|e| match from_kube(e, &desktop.name) {
                        OrchestratorError::Rejected(reason) => OrchestratorError::StartFailed(reason),
                        other => other,
                    })?;
                let status = pod
                    .status
                    .as_ref()
                    .and_then(|s| s.ephemeral_container_statuses.as_ref())
                    .and_then(|all| all.iter().find(|c| c.name == spec.name));
                Ok(LaunchedApp {
                    container_id: spec.name.clone(),
                    state: state_text(status.and_then(|s| s.state.as_ref())),
                    kind: engine_key.into(),
                    wm_class: spec.app.launch.clone(),
                })
            }
            Engine::PodApplication => {
                let labels = json!({"access_userid": desktop.labels.get("access_userid"), "access_provider": desktop.labels.get("access_provider"),
                    "access_providertype": desktop.labels.get("access_providertype"), "type": "pod_application",
                    "uniquerunkey": spec.app.uniquerunkey.clone().unwrap_or_default()});
                let mut container = container;
                container["name"] = Value::String(spec.name.clone());
                let manifest: Pod = serde_json::from_value(json!({"metadata": {"name": spec.name, "labels": labels, "annotations": super::pod::owner_annotations(&desktop.owner, None)},
                    "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0, "automountServiceAccountToken": false,
                             "containers": [container], "volumes": pod_volumes,
                             "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1,
                                 "preference": {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [desktop.node]}]}}]}}}}))
                .map_err(|e| OrchestratorError::Rejected(e.to_string()))?;
                self.pods()
                    .create(&PostParams::default(), &manifest)
                    .await
                    .map_err(|e| from_kube(e, &spec.name))?;
                Ok(LaunchedApp {
                    container_id: spec.name.clone(),
                    state: "Pending".into(),
                    kind: engine_key.into(),
                    wm_class: spec.app.launch.clone(),
                })
            }
        }
    }

    async fn list_applications(&self, desktop: &Desktop) -> Result<Vec<RunningApp>, OrchestratorError> {
        let pod = self
            .pods()
            .get_subresource("ephemeralcontainers", &desktop.name)
            .await
            .map_err(|e| from_kube(e, &desktop.name))?;
        let statuses = pod
            .status
            .as_ref()
            .and_then(|s| s.ephemeral_container_statuses.clone())
            .unwrap_or_default();
        let specs = pod
            .spec
            .as_ref()
            .and_then(|s| s.ephemeral_containers.clone())
            .unwrap_or_default();
        let mut apps: Vec<RunningApp> = specs
            .iter()
            .map(|c| {
                let status = statuses.iter().find(|s| s.name == c.name);
                RunningApp {
                    podname: desktop.name.clone(),
                    id: c.name.clone(),
                    short_id: status.and_then(|s| s.container_id.clone()).unwrap_or_default(),
                    status: status.map_or_else(|| "Waiting".into(), |s| phase_of(s.state.as_ref())),
                    image: c.image.clone().unwrap_or_default(),
                    node: desktop.node.clone(),
                    engine: Engine::EphemeralContainer,
                }
            })
            .collect();
        let pods = self
            .pods()
            .list(&ListParams::default().labels(&application_pods_of(&desktop.owner)))
            .await
            .map_err(|e| from_kube(e, "pods"))?;
        let owned = pods
            .items
            .iter()
            .filter(|p| super::names::is_owned_by(p.metadata.annotations.as_ref(), &desktop.owner));
        apps.extend(owned.map(|p| {
            let name = p.metadata.name.clone().unwrap_or_default();
            RunningApp {
                podname: name.clone(),
                id: name.clone(),
                short_id: name,
                status: if p.metadata.deletion_timestamp.is_some() {
                    "Terminating".into()
                } else {
                    p.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default()
                },
                image: p
                    .spec
                    .as_ref()
                    .and_then(|s| s.containers.first())
                    .and_then(|c| c.image.clone())
                    .unwrap_or_default(),
                node: p.spec.as_ref().and_then(|s| s.node_name.clone()),
                engine: Engine::PodApplication,
            }
        }));
        Ok(apps)
    }

    async fn owner_of(&self, podname: &str) -> Result<Option<DesktopOwner>, OrchestratorError> {
        Ok(self
            .pods()
            .get_opt(podname)
            .await
            .map_err(|e| from_kube(e, podname))?
            .as_ref()
            .and_then(owner_of))
    }

    async fn application_logs(&self, _desktop: &Desktop, app: &AppRef) -> Result<String, OrchestratorError> {
        // The API server answers 400 for an unknown container; the port promises NotFound.
        let (_, known) = self.pod_spec(&app.podname, &app.containerid).await?;
        if !known {
            return Err(OrchestratorError::NotFound(app.containerid.clone()));
        }
        let params = LogParams {
            container: Some(app.containerid.clone()),
            ..LogParams::default()
        };
        self.pods()
            .logs(&app.podname, &params)
            .await
            .map_err(|e| from_kube(e, &app.containerid))
    }

    async fn application_env(
        &self,
        _desktop: &Desktop,
        app: &AppRef,
    ) -> Result<BTreeMap<String, Option<String>>, OrchestratorError> {
        let (spec, _) = self.pod_spec(&app.podname, &app.containerid).await?;
        let env = spec
            .ephemeral_containers
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.name == app.containerid)
            .map(|c| c.env)
            .or_else(|| {
                spec.containers
                    .into_iter()
                    .find(|c| c.name == app.containerid)
                    .map(|c| c.env)
            })
            .ok_or_else(|| OrchestratorError::NotFound(app.containerid.clone()))?;
        Ok(env.unwrap_or_default().into_iter().map(|e| (e.name, e.value)).collect())
    }

    async fn stop_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError> {
        // Kubernetes cannot remove or stop an ephemeral container through the API (pyos's
        // attempt was a silent no-op); only application pods can be stopped.
        if app.podname == desktop.name {
            return Ok(false);
        }
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            propagation_policy: Some(kube::api::PropagationPolicy::Foreground),
            ..DeleteParams::default()
        };
        self.pods()
            .delete(&app.podname, &params)
            .await
            .map_err(|e| from_kube(e, &app.podname))?;
        Ok(true)
    }

    async fn remove_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError> {
        self.stop_application(desktop, app).await
    }

    async fn prepull_image(&self, image: &str, node: Option<String>) -> Result<bool, OrchestratorError> {
        self.prepull(image, node).await
    }
}
