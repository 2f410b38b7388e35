//! The orchestrator: where desktops and their applications run (Kubernetes, or the memory
//! simulation). Split by capability: desktops, then applications.

use crate::domain::apps::{AppLaunchSpec, AppRef, LaunchedApp, RunningApp};
use crate::domain::desktop::{Desktop, DesktopOwner, DesktopSpec, RemovalScope};
use crate::ports::clock::UnixSeconds;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

/// Errors of the orchestrator ports.
#[derive(Debug, Error)]
pub enum OrchestratorError {
    /// The addressed desktop, pod or container does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The object already exists (a concurrent create won); callers adopt it.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The desktop or application could not start; the text is user-facing and starts with
    /// the `e.` severity prefix when it comes from a start-up failure.
    #[error("{0}")]
    StartFailed(String),
    /// The named object exists but belongs to another owner (provider + user id). Never
    /// resolved by adopting, patching or deleting the object: the caller gets an error.
    #[error("{0} belongs to another user")]
    OwnerMismatch(String),
    /// The orchestrator refused the request (invalid spec, quota, policy).
    #[error("rejected: {0}")]
    Rejected(String),
    /// The orchestrator API could not be reached or timed out.
    #[error("orchestrator unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Receives launch progress messages (`b.`/`c.`/`e.` prefixed) for the waiting user.
#[async_trait]
pub trait ProgressSink: Send + Sync {
    /// Publishes one message; failures are the sink's business and never abort a launch.
    async fn publish(&self, message: &str);
}

/// Desktop capability of the orchestrator.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait DesktopOrchestrator: Send + Sync {
    /// Finds the owner's live desktop (Running, Pending or Succeeded, not terminating) with
    /// its VNC password, or `None`. Only a desktop whose stored owner (provider + user id,
    /// not a selector value) is `owner` is returned.
    ///
    /// # Errors
    /// [`OrchestratorError::OwnerMismatch`] when the owner's VNC secret name is held by
    /// another owner, [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn find_desktop(&self, owner: &DesktopOwner) -> Result<Option<Desktop>, OrchestratorError>;
    /// Creates the desktop described by `spec` and waits until it runs, publishing progress.
    /// Idempotent on `spec.name` for its owner: if a desktop of that name already exists and
    /// its stored owner is `spec.owner`, it is adopted (with its own VNC password).
    ///
    /// # Errors
    /// [`OrchestratorError::OwnerMismatch`] when a desktop of that name belongs to another
    /// owner: it is neither adopted nor deleted,
    /// [`OrchestratorError::StartFailed`] when it cannot start (image pull, scheduling,
    /// timeout), [`OrchestratorError::Rejected`] for an invalid spec,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn create_desktop(
        &self,
        spec: &DesktopSpec,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<Desktop, OrchestratorError>;
    /// What [`Self::create_desktop`] would create for `spec` (on Kubernetes, the pod
    /// manifest), built without creating or reading anything (`manager/dry_run_desktop`).
    ///
    /// # Errors
    /// [`OrchestratorError::Rejected`] when this orchestrator cannot describe a desktop
    /// before creating it.
    fn describe_new_desktop(&self, spec: &DesktopSpec) -> Result<serde_json::Value, OrchestratorError> {
        let _ = spec;
        Err(OrchestratorError::Rejected(
            "this orchestrator cannot describe a desktop before creating it".into(),
        ))
    }
    /// Marks a running desktop as resumed at `now` and returns it refreshed.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when it vanished, [`OrchestratorError::StartFailed`]
    /// when it is not Running, [`OrchestratorError::OwnerMismatch`] when the pod now records
    /// another owner, [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn resume_desktop(&self, desktop: &Desktop, now: UnixSeconds) -> Result<Desktop, OrchestratorError>;
    /// Removes a desktop with the given scope; with [`RemovalScope::Everything`], only the
    /// user objects whose recorded owner is the desktop's owner go with it.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when the desktop does not exist,
    /// [`OrchestratorError::OwnerMismatch`] when the owner's home claim is held by another owner,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn remove_desktop(&self, desktop: &Desktop, scope: RemovalScope) -> Result<(), OrchestratorError>;
    /// Lists every desktop that is not terminating (no VNC passwords).
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn list_desktops(&self) -> Result<Vec<Desktop>, OrchestratorError>;
    /// Returns the desktop named `name` (no VNC password), or `None`.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn get_desktop(&self, name: &str) -> Result<Option<Desktop>, OrchestratorError>;
    /// Returns the orchestrator's own description of the desktop (the pod JSON), or `None`.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn describe_desktop(&self, name: &str) -> Result<Option<Value>, OrchestratorError>;
    /// Returns the log text of the desktop's graphical container (empty when none).
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when the desktop is gone,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn desktop_logs(&self, desktop: &Desktop) -> Result<String, OrchestratorError>;
    /// Counts the live user connections to the desktop (websocket sessions).
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the count cannot be read; the garbage
    /// collector then keeps the desktop.
    async fn count_connections(&self, desktop: &Desktop) -> Result<u32, OrchestratorError>;
    /// Reads the text file `path` inside the desktop: in its graphical container, or in
    /// the application container `container` (an ephemeral container of the desktop pod,
    /// or an application pod of the same owner). `None` when the file cannot be read.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when the desktop or the container is gone,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn read_desktop_file(
        &self,
        desktop: &Desktop,
        container: Option<String>,
        path: &str,
    ) -> Result<Option<String>, OrchestratorError>;
}

/// Application capability of the orchestrator.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ApplicationRuntime: Send + Sync {
    /// Starts an application for the desktop; returns as soon as it is scheduled.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when the desktop is gone,
    /// [`OrchestratorError::StartFailed`] when the launch is refused by the runtime,
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn launch_application(
        &self,
        desktop: &Desktop,
        spec: &AppLaunchSpec,
    ) -> Result<LaunchedApp, OrchestratorError>;
    /// Lists the applications of the desktop (ephemeral containers and application pods).
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn list_applications(&self, desktop: &Desktop) -> Result<Vec<RunningApp>, OrchestratorError>;
    /// Returns the owner recorded on pod `podname`, or `None` when there is no such pod.
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn owner_of(&self, podname: &str) -> Result<Option<DesktopOwner>, OrchestratorError>;
    /// Returns the log text of one application.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when it does not exist.
    async fn application_logs(&self, desktop: &Desktop, app: &AppRef) -> Result<String, OrchestratorError>;
    /// Returns the environment of one application (`None` for values taken from elsewhere).
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when it does not exist.
    async fn application_env(
        &self,
        desktop: &Desktop,
        app: &AppRef,
    ) -> Result<BTreeMap<String, Option<String>>, OrchestratorError>;
    /// Stops one application; returns whether it was running.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when it does not exist.
    async fn stop_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError>;
    /// Stops and forgets one application; returns whether something was removed.
    ///
    /// # Errors
    /// [`OrchestratorError::NotFound`] when it does not exist.
    async fn remove_application(&self, desktop: &Desktop, app: &AppRef) -> Result<bool, OrchestratorError>;
    /// Starts pulling `image` onto `node`, or onto every node desktops may run on: a
    /// short-lived pull pod per node. Returns whether any pull started (one already
    /// pulling counts).
    ///
    /// # Errors
    /// [`OrchestratorError::Unavailable`] when the API cannot be reached.
    async fn prepull_image(&self, image: &str, node: Option<String>) -> Result<bool, OrchestratorError>;
}
