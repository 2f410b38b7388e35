//! The desktop port on pods.

use super::KubernetesOrchestrator;
use super::convert::{desktop_of, owner_of};
use super::errors::from_kube;
use super::names::{is_owned_by, selector_value};
use super::pod::{GRAPHICAL, desktop_pod, lastlogin};
use super::secrets::owner_selector;
use crate::domain::desktop::{Desktop, DesktopOwner, DesktopPhase, DesktopSpec, RemovalScope, UserSecret};
use crate::domain::secret::Secret as Password;
use crate::ports::clock::UnixSeconds;
use crate::ports::orchestrator::{DesktopOrchestrator, OrchestratorError, ProgressSink};
use crate::ports::user_secrets::UserSecretStore;
use async_trait::async_trait;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, PropagationPolicy};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn desktops_of(owner: &DesktopOwner) -> String {
    format!("{},type=x11server", owner_selector(owner))
}

impl KubernetesOrchestrator {
    async fn with_password(&self, mut desktop: Desktop) -> Result<Desktop, OrchestratorError> {
        let vnc = self.read_user_secret(&desktop.owner, "vnc").await?;
        desktop.vnc_password = vnc.and_then(|s| s.data.get("password").cloned()).map(Password::new);
        Ok(desktop)
    }

    async fn delete_pod(&self, name: &str, grace_zero: bool) -> Result<(), OrchestratorError> {
        let mut params = DeleteParams {
            propagation_policy: Some(PropagationPolicy::Foreground),
            ..DeleteParams::default()
        };
        if grace_zero {
            params.grace_period_seconds = Some(0);
        }
        self.pods()
            .delete(name, &params)
            .await
            .map_err(|e| from_kube(e, name))?;
        Ok(())
    }

    /// Deletes every object of `api` selected by `selector` whose recorded owner is `owner`
    /// (the selector narrows, the annotations decide).
    pub(super) async fn delete_owned<K>(
        &self,
        api: Api<K>,
        selector: &str,
        owner: &DesktopOwner,
    ) -> Result<(), OrchestratorError>
    where
        K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let list = api
            .list(&ListParams::default().labels(selector))
            .await
            .map_err(|e| from_kube(e, selector))?;
        for item in list.items {
            if !is_owned_by(item.meta().annotations.as_ref(), owner) {
                continue;
            }
            if let Some(name) = item.meta().name.clone() {
                match api.delete(&name, &DeleteParams::default()).await {
                    Ok(_) | Err(kube::Error::Api(_)) => {}
                    Err(error) => return Err(from_kube(error, &name)),
                }
            }
        }
        Ok(())
    }

    /// Waits until a terminating pod of that name is gone, so it can be created again.
    async fn wait_gone(&self, name: &str) -> Result<(), OrchestratorError> {
        let deadline = tokio::time::Instant::now() + self.settings.create_pod_timeout;
        while tokio::time::Instant::now() < deadline {
            if self
                .pods()
                .get_opt(name)
                .await
                .map_err(|e| from_kube(e, name))?
                .is_none()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(OrchestratorError::StartFailed(format!(
            "e.Your previous desktop {name} is still terminating, please retry"
        )))
    }
}

#[async_trait]
impl DesktopOrchestrator for KubernetesOrchestrator {
    fn describe_new_desktop(&self, spec: &DesktopSpec) -> Result<serde_json::Value, OrchestratorError> {
        desktop_pod(&self.settings.pod, spec, &self.settings.namespace)
    }

    async fn find_desktop(&self, owner: &DesktopOwner) -> Result<Option<Desktop>, OrchestratorError> {
        let list = self
            .pods()
            .list(&ListParams::default().labels(&desktops_of(owner)))
            .await
            .map_err(|e| from_kube(e, "pods"))?;
        let found = list
            .items
            .iter()
            .filter_map(desktop_of)
            // The selector only narrows the list; the recorded owner decides.
            .find(|d| {
                d.owner.same_owner(owner)
                    && !d.terminating
                    && matches!(
                        d.phase,
                        DesktopPhase::Running | DesktopPhase::Pending | DesktopPhase::Succeeded
                    )
            });
        match found {
            Some(desktop) => Ok(Some(self.with_password(desktop).await?)),
            None => Ok(None),
        }
    }

    async fn create_desktop(
        &self,
        spec: &DesktopSpec,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<Desktop, OrchestratorError> {
        progress.publish("b.Building data storage for your desktop").await;
        self.ensure_home_claim(spec, progress.as_ref()).await?;
        let manifest: Pod = serde_json::from_value(desktop_pod(&self.settings.pod, spec, &self.settings.namespace)?)
            .map_err(|e| OrchestratorError::Rejected(format!("desktop pod template: {e}")))?;
        progress.publish("b.Creating your desktop").await;
        // The pod is created before its VNC secret (the kubelet waits for secret volumes), so
        // only the replica whose create succeeds writes the password: a replica that loses
        // the race adopts the pod and reads the winner's password instead of overwriting it.
        let created = match self.pods().create(&PostParams::default(), &manifest).await {
            Ok(_) => true,
            Err(kube::Error::Api(status)) if status.code == 409 => {
                let existing = self
                    .pods()
                    .get(&spec.name)
                    .await
                    .map_err(|e| from_kube(e, &spec.name))?;
                // Adopt (or wait out) only the owner's own pod: anyone else's is neither
                // handed out nor deleted.
                if !owner_of(&existing).is_some_and(|found| found.same_owner(&spec.owner)) {
                    return Err(OrchestratorError::OwnerMismatch(spec.name.to_string()));
                }
                if existing.metadata.deletion_timestamp.is_some() {
                    self.wait_gone(&spec.name).await?;
                    self.pods()
                        .create(&PostParams::default(), &manifest)
                        .await
                        .map_err(|e| from_kube(e, &spec.name))?;
                    true
                } else {
                    false
                }
            }
            Err(kube::Error::Api(status)) => {
                return Err(OrchestratorError::StartFailed(format!(
                    "e.Create pod failed {} {}",
                    status.reason, status.message
                )));
            }
            Err(error) => return Err(from_kube(error, &spec.name)),
        };
        if created {
            let password = BTreeMap::from([("password".to_owned(), spec.vnc_password.expose().to_owned())]);
            self.write_secret(
                &spec.owner,
                &UserSecret {
                    files: Default::default(),
                    kind: "vnc".into(),
                    data: password,
                },
            )
            .await?;
        }
        let pod = self.wait_started(&spec.name, progress.as_ref()).await?;
        let desktop = desktop_of(&pod)
            .filter(|d| d.owner.same_owner(&spec.owner))
            .ok_or_else(|| OrchestratorError::OwnerMismatch(spec.name.to_string()))?;
        if !self.wait_services(&desktop, progress.as_ref()).await {
            tracing::warn!(desktop = %desktop.name, "desktop services did not answer in time; going on");
        }
        if created {
            Ok(Desktop {
                vnc_password: Some(spec.vnc_password.clone()),
                ..desktop
            })
        } else {
            self.with_password(desktop).await
        }
    }

    async fn resume_desktop(&self, desktop: &Desktop, now: UnixSeconds) -> Result<Desktop, OrchestratorError> {
        if desktop.phase != DesktopPhase::Running {
            return Err(OrchestratorError::StartFailed(format!(
                "Your pod is in phase {}, resume pod failed",
                desktop.phase.as_str()
            )));
        }
        let patch = Patch::Strategic(json!({"metadata": {"annotations": {"lastlogin_datetime": lastlogin(now)}}}));
        let pod = self
            .pods()
            .patch(&desktop.name, &PatchParams::default(), &patch)
            .await
            .map_err(|e| from_kube(e, &desktop.name))?;
        let resumed = desktop_of(&pod)
            .filter(|d| d.owner.same_owner(&desktop.owner))
            .ok_or_else(|| OrchestratorError::OwnerMismatch(desktop.name.clone()))?;
        Ok(Desktop {
            vnc_password: desktop.vnc_password.clone(),
            ..resumed
        })
    }

    async fn remove_desktop(&self, desktop: &Desktop, scope: RemovalScope) -> Result<(), OrchestratorError> {
        match scope {
            RemovalScope::PodOnly => self.delete_pod(&desktop.name, true).await,
            RemovalScope::Everything => {
                self.delete_pod(&desktop.name, false).await?;
                let selector = owner_selector(&desktop.owner);
                let owner = &desktop.owner;
                self.delete_owned(self.pods(), &format!("{selector},type=pod_application"), owner)
                    .await?;
                crate::ports::UserSecretStore::remove_user_resources(self, owner).await?;
                if self.settings.pod.remove_home_claim && self.settings.pod.home_claim_template().is_some() {
                    let posix = super::claims::posix_of(self, &desktop.owner).await?;
                    self.remove_home_claim(&desktop.owner, &posix).await?;
                    // Only with its claim gone (pyos): a bound volume stays.
                    self.remove_home_volume(&desktop.owner).await?;
                }
                Ok(())
            }
        }
    }

    async fn read_desktop_file(
        &self,
        desktop: &Desktop,
        container: Option<String>,
        path: &str,
    ) -> Result<Option<String>, OrchestratorError> {
        self.read_file(desktop, container.as_deref(), path).await
    }

    async fn list_desktops(&self) -> Result<Vec<Desktop>, OrchestratorError> {
        if let Some(cached) = self.watcher.as_ref().and_then(super::PodWatcher::pods) {
            return Ok(cached
                .iter()
                .filter(|pod| pod.labels().get("type").map(String::as_str) == Some("x11server"))
                .filter_map(|pod| desktop_of(pod))
                .filter(|d| !d.terminating)
                .collect());
        }
        let list = self
            .pods()
            .list(&ListParams::default().labels("type=x11server"))
            .await
            .map_err(|e| from_kube(e, "pods"))?;
        Ok(list
            .items
            .iter()
            .filter_map(desktop_of)
            .filter(|d| !d.terminating)
            .collect())
    }

    async fn get_desktop(&self, name: &str) -> Result<Option<Desktop>, OrchestratorError> {
        let pod = self.pods().get_opt(name).await.map_err(|e| from_kube(e, name))?;
        Ok(pod
            .as_ref()
            .filter(|p| p.labels().get("type").map(String::as_str) == Some("x11server"))
            .and_then(desktop_of))
    }

    async fn describe_desktop(&self, name: &str) -> Result<Option<Value>, OrchestratorError> {
        let pod = self.pods().get_opt(name).await.map_err(|e| from_kube(e, name))?;
        Ok(pod.map(|p| serde_json::to_value(p).unwrap_or(Value::Null)))
    }

    async fn desktop_logs(&self, desktop: &Desktop) -> Result<String, OrchestratorError> {
        let params = LogParams {
            container: Some(desktop.container_name.clone().unwrap_or_else(|| GRAPHICAL.into())),
            ..LogParams::default()
        };
        self.pods()
            .logs(&desktop.name, &params)
            .await
            .map_err(|e| from_kube(e, &desktop.name))
    }

    async fn count_connections(&self, desktop: &Desktop) -> Result<u32, OrchestratorError> {
        self.connections(desktop).await
    }
}

use kube::ResourceExt as _;

/// The label selector of a user's application pods.
pub fn application_pods_of(owner: &DesktopOwner) -> String {
    format!(
        "access_userid={},type=pod_application,access_provider={}",
        selector_value(owner.userid.as_str()),
        selector_value(&owner.provider)
    )
}
