//! Per-user home claims (orchestration.md §5.5): created from the template when absent,
//! then waited for until Bound. A claim that does not bind in time is reported to the
//! user and the launch goes on, as pyos does.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use super::names::{is_owned_by, stamp_owner};
use super::template::render_json;
use crate::domain::auth::posix_account_from_secret;
use crate::domain::desktop::{DesktopOwner, DesktopSpec};
use crate::ports::orchestrator::{OrchestratorError, ProgressSink};
use crate::ports::user_secrets::UserSecretStore;
use futures::StreamExt;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, DeleteParams, PostParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

fn describe(claim: &PersistentVolumeClaim) -> (String, String) {
    let phase = claim
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let class = claim
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default();
    (phase, class)
}

impl KubernetesOrchestrator {
    fn claims(&self) -> Api<PersistentVolumeClaim> {
        Api::namespaced(self.client.clone(), &self.settings.namespace)
    }

    /// Makes sure the user's home claim exists and is bound (template mode only).
    pub(super) async fn ensure_home_claim(
        &self,
        spec: &DesktopSpec,
        progress: &dyn ProgressSink,
    ) -> Result<(), OrchestratorError> {
        let settings = &self.settings.pod;
        let (Some(template), Some(name)) = (
            settings.home_claim_template(),
            settings.home_claim_name(&spec.owner, &spec.posix),
        ) else {
            return Ok(());
        };
        progress.publish("b.Creating your own volume to store files").await;
        let volume = self.ensure_home_volume(spec).await?;
        let existing = self.claims().get_opt(&name).await.map_err(|e| from_kube(e, &name))?;
        if let Some(claim) = &existing
            && !is_owned_by(claim.metadata.annotations.as_ref(), &spec.owner)
        {
            return Err(OrchestratorError::OwnerMismatch(name));
        }
        if existing.is_none() {
            let mut body = render_json(&Value::Object(template.clone()), &spec.posix, &spec.owner);
            stamp_owner(&mut body, &name, &spec.owner);
            if let Some(volume) = &volume
                && body.pointer("/spec/volumeName").is_none()
            {
                body["spec"]["volumeName"] = json!(volume);
            }
            let claim: PersistentVolumeClaim = serde_json::from_value(body)
                .map_err(|e| OrchestratorError::Rejected(format!("desktop.persistentvolumeclaim: {e}")))?;
            match self.claims().create(&PostParams::default(), &claim).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.code == 409 => {
                    // Created meanwhile: by another replica for this user, or by someone else.
                    let raced = self.claims().get_opt(&name).await.map_err(|e| from_kube(e, &name))?;
                    if !raced.is_some_and(|c| is_owned_by(c.metadata.annotations.as_ref(), &spec.owner)) {
                        return Err(OrchestratorError::OwnerMismatch(name));
                    }
                }
                Err(error) => return Err(from_kube(error, &name)),
            }
        }
        let seconds = u32::try_from(self.settings.bound_claim_timeout.as_secs().max(1)).unwrap_or(u32::MAX);
        let params = WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(seconds);
        let stream = self
            .claims()
            .watch(&params, "0")
            .await
            .map_err(|e| from_kube(e, &name))?;
        let mut stream = std::pin::pin!(stream);
        let deadline = tokio::time::sleep(self.settings.bound_claim_timeout);
        tokio::pin!(deadline);
        loop {
            let event = tokio::select! { event = stream.next() => event, () = &mut deadline => None };
            match event {
                Some(Ok(WatchEvent::Added(claim) | WatchEvent::Modified(claim))) => {
                    let (phase, class) = describe(&claim);
                    progress.publish(&format!("b.Reading your persistent volume claim {name}, status is {phase}, using storage class {class} ")).await;
                    if phase == "Bound" {
                        progress
                            .publish(&format!(
                                "b. Your persistent volume claim {name} is Bound using storage class {class} "
                            ))
                            .await;
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => tracing::warn!(%error, claim = %name, "claim watch error"),
                None => break,
            }
        }
        progress
            .publish(&format!(
                "e.Your persistent volume claim {name} is not bound after {} s",
                self.settings.bound_claim_timeout.as_secs()
            ))
            .await;
        Ok(())
    }

    /// Deletes the user's home claim when the config asks for it (template mode only).
    pub(super) async fn remove_home_claim(
        &self,
        owner: &DesktopOwner,
        posix: &crate::domain::desktop::PosixAccount,
    ) -> Result<(), OrchestratorError> {
        let settings = &self.settings.pod;
        if !settings.remove_home_claim || settings.home_claim_template().is_none() {
            return Ok(());
        }
        let Some(name) = settings.home_claim_name(owner, posix) else {
            return Ok(());
        };
        let Some(claim) = self.claims().get_opt(&name).await.map_err(|e| from_kube(e, &name))? else {
            return Ok(());
        };
        if !is_owned_by(claim.metadata.annotations.as_ref(), owner) {
            return Err(OrchestratorError::OwnerMismatch(name));
        }
        // The uid precondition makes sure the claim checked above is the one deleted.
        let params = DeleteParams {
            preconditions: Some(kube::api::Preconditions {
                uid: claim.metadata.uid.clone(),
                resource_version: None,
            }),
            ..DeleteParams::foreground()
        };
        match self.claims().delete(&name, &params).await {
            Ok(_) | Err(kube::Error::Api(_)) => Ok(()),
            Err(error) => Err(from_kube(error, &name)),
        }
    }
}

/// The POSIX account recorded in the user's secret (balloon defaults when absent).
pub(super) async fn posix_of(
    orchestrator: &KubernetesOrchestrator,
    owner: &DesktopOwner,
) -> Result<crate::domain::desktop::PosixAccount, OrchestratorError> {
    {
        let defaults = &orchestrator.settings.pod.posix_defaults;
        let data = orchestrator
            .read_user_secret(owner, "posixaccount")
            .await?
            .map(|s| s.data)
            .unwrap_or_default();
        Ok(posix_account_from_secret(&data, defaults))
    }
}
