//! Per-user persistent volumes (orchestration.md §5.5, `desktop.persistentvolume`): the
//! volume a user's home claim binds to, made from a template before the claim, reused
//! when it is `Released` by an earlier claim of the same user, and deleted with the claim
//! when `desktop.removepersistentvolume` asks for it.
//!
//! Volumes are cluster-wide, so a user's is named after the namespace and the user's own
//! claim name (owner digest included), and carries the owner annotations: a volume of
//! another user, or of another deskplane, is never bound or deleted.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use super::names::{is_owned_by, stamp_owner};
use super::template::render_json;
use crate::domain::desktop::{DesktopOwner, DesktopSpec};
use crate::ports::orchestrator::OrchestratorError;
use k8s_openapi::api::core::v1::PersistentVolume;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

impl KubernetesOrchestrator {
    fn persistent_volumes(&self) -> Api<PersistentVolume> {
        Api::all(self.client.clone())
    }

    /// The name of `owner`'s volume.
    fn home_volume_name(&self, owner: &DesktopOwner) -> String {
        format!(
            "{}-{}",
            self.settings.namespace,
            crate::domain::owner_names::home_claim_name(owner)
        )
    }

    /// Makes sure the user's volume exists and is free for their claim; returns its name,
    /// or `None` when there is no volume template.
    pub(super) async fn ensure_home_volume(&self, spec: &DesktopSpec) -> Result<Option<String>, OrchestratorError> {
        let Some(template) = self.settings.pod.home_volume_template() else {
            return Ok(None);
        };
        let name = self.home_volume_name(&spec.owner);
        let volumes = self.persistent_volumes();
        if let Some(volume) = volumes.get_opt(&name).await.map_err(|e| from_kube(e, &name))? {
            if !is_owned_by(volume.metadata.annotations.as_ref(), &spec.owner) {
                return Err(OrchestratorError::OwnerMismatch(name));
            }
            let released = volume.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released");
            if released {
                // The user's earlier claim is gone: free the volume for the new one.
                let free = Patch::Merge(json!({"spec": {"claimRef": null}}));
                volumes
                    .patch(&name, &PatchParams::default(), &free)
                    .await
                    .map_err(|e| from_kube(e, &name))?;
            }
            return Ok(Some(name));
        }
        let mut body = render_json(&Value::Object(template.clone()), &spec.posix, &spec.owner);
        stamp_owner(&mut body, &name, &spec.owner);
        let volume: PersistentVolume = serde_json::from_value(body)
            .map_err(|e| OrchestratorError::Rejected(format!("desktop.persistentvolume: {e}")))?;
        match volumes.create(&PostParams::default(), &volume).await {
            Ok(_) => Ok(Some(name)),
            Err(kube::Error::Api(status)) if status.code == 409 => {
                let raced = volumes.get_opt(&name).await.map_err(|e| from_kube(e, &name))?;
                if raced.is_some_and(|v| is_owned_by(v.metadata.annotations.as_ref(), &spec.owner)) {
                    Ok(Some(name))
                } else {
                    Err(OrchestratorError::OwnerMismatch(name))
                }
            }
            Err(error) => Err(from_kube(error, &name)),
        }
    }

    /// Deletes the user's volume when `desktop.removepersistentvolume` asks for it.
    pub(super) async fn remove_home_volume(&self, owner: &DesktopOwner) -> Result<(), OrchestratorError> {
        if !self.settings.pod.remove_home_volume || self.settings.pod.home_volume_template().is_none() {
            return Ok(());
        }
        let name = self.home_volume_name(owner);
        let volumes = self.persistent_volumes();
        let Some(volume) = volumes.get_opt(&name).await.map_err(|e| from_kube(e, &name))? else {
            return Ok(());
        };
        if !is_owned_by(volume.metadata.annotations.as_ref(), owner) {
            return Err(OrchestratorError::OwnerMismatch(name));
        }
        let params = DeleteParams {
            preconditions: Some(kube::api::Preconditions {
                uid: volume.metadata.uid.clone(),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match volumes.delete(&name, &params).await {
            Ok(_) | Err(kube::Error::Api(_)) => Ok(()),
            Err(error) => Err(from_kube(error, &name)),
        }
    }
}
