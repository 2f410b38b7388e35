//! Reaching a desktop once the caller's is known or known to be missing (orchestration.md
//! §3.2): reuse it when its labels still match the policy, else replace it; create one.

use super::model::{Desktop, DesktopPhase, RemovalScope};
use super::service::{DesktopError, DesktopService, LaunchRequest};
use crate::domain::history::DesktopEventType;
use crate::domain::identity::Identity;
use crate::domain::labels::Labels;
use crate::domain::request::RequestFacts;
use crate::ports::OrchestratorError;
use std::collections::BTreeMap;
use std::sync::Arc;

impl DesktopService {
    pub(super) fn labels_match(&self, wanted: &Labels, running: &BTreeMap<String, String>) -> bool {
        self.policy
            .user_uniq_labels
            .as_ref()
            .is_none_or(|names| names.iter().all(|name| wanted.get(name) == running.get(name)))
    }

    pub(super) async fn reuse_or_replace(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
        found: Desktop,
    ) -> Result<Desktop, DesktopError> {
        let owner = identity.owner();
        self.progress.push(&owner, "b.Applying labels security policy").await;
        let labels_match = self.labels_match(&identity.labels, &found.labels);
        if labels_match && found.phase == DesktopPhase::Pending {
            // Another replica (or an earlier request) is starting this very desktop. pyos
            // failed to resume it and deleted it, which failed that other launch too; join
            // it instead: creating is idempotent for its owner and waits for it to run.
            self.progress
                .push(&owner, "b.Your desktop is starting, waiting for it")
                .await;
            return self.create(identity, facts, request).await;
        }
        if labels_match {
            self.progress
                .push(&owner, "c.Warm start, reconnecting to your running desktop")
                .await;
            self.counters.bump("desktop", "resumed").await;
            match self.orchestrator.resume_desktop(&found, self.clock.now()).await {
                Ok(desktop) => {
                    self.record(identity, facts, &desktop, DesktopEventType::Resume, None)
                        .await;
                    Ok(desktop)
                }
                Err(error) => {
                    self.progress.push(&owner, &format!("b. {error}")).await;
                    self.replace(
                        identity,
                        facts,
                        request,
                        &found,
                        "b.Your desktop is deleted. creating a new one",
                        "Your desktop can not be deleted",
                    )
                    .await
                }
            }
        } else {
            self.progress
                .push(
                    &owner,
                    "b.Deleting your running desktop. It does not match the security policies",
                )
                .await;
            self.replace(
                identity,
                facts,
                request,
                &found,
                "b.Your desktop is deleted. creating a new one with new security policies",
                "Your desktop can not be deleted to apply new security policies",
            )
            .await
        }
    }

    async fn replace(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
        old: &Desktop,
        deleted: &str,
        failed: &str,
    ) -> Result<Desktop, DesktopError> {
        match self.orchestrator.remove_desktop(old, RemovalScope::PodOnly).await {
            Ok(()) => {
                self.progress.push(&identity.owner(), deleted).await;
                self.counters.bump("desktop", "deletesuccess").await;
                self.create(identity, facts, request).await
            }
            Err(error) => {
                tracing::warn!(%error, desktop = %old.name, "could not delete a desktop to replace it");
                self.progress.push(&identity.owner(), &format!("e.{failed}")).await;
                self.counters.bump("desktop", "deletefailed").await;
                Err(DesktopError::CreationFailed(failed.to_owned()))
            }
        }
    }

    pub(super) async fn create(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
    ) -> Result<Desktop, DesktopError> {
        if let Some(limiter) = &self.creations {
            limiter.check(facts.client_ip)?;
        }
        let spec = self.spec_for(identity, facts, request).await?;
        let sink = Arc::new(self.progress.sink_for(&identity.owner()));
        match self.orchestrator.create_desktop(&spec, sink).await {
            Ok(desktop) => {
                self.progress
                    .push(&identity.owner(), "c.Starting up core services")
                    .await;
                self.progress.push(&identity.owner(), "c.Core services started").await;
                self.counters.bump("desktop", "new").await;
                self.counters.bump("desktop", "createsuccess").await;
                self.record(identity, facts, &desktop, DesktopEventType::Start, None)
                    .await;
                Ok(desktop)
            }
            Err(error) => {
                self.counters.bump("desktop", "createfailed").await;
                let text = match error {
                    OrchestratorError::StartFailed(text) => text,
                    OrchestratorError::Rejected(text) => format!("e.Create pod failed {text}"),
                    OrchestratorError::OwnerMismatch(name) => {
                        tracing::warn!(desktop = %name, "the desktop name is held by another owner; not adopted");
                        "e.Your desktop name is held by another user, please contact your administrator".to_owned()
                    }
                    other => {
                        tracing::error!(error = %other, "desktop creation failed");
                        "Desktop creation failed".to_owned()
                    }
                };
                let shown = if text.starts_with("e.") {
                    text.clone()
                } else {
                    format!("e. {text}")
                };
                self.progress.push(&identity.owner(), &shown).await;
                Err(DesktopError::CreationFailed(text))
            }
        }
    }
}
