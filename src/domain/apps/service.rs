//! Running applications for a user: the app list, `ocrun`, and the container routes.

use super::app::App;
use super::catalog::CatalogService;
use super::runtime::{AppRef, LaunchedApp, RunningApp};
use crate::domain::accounting::Counters;
use crate::domain::acl::Acl;
use crate::domain::auth::PosixDefaults;
use crate::domain::ban::BanService;
use crate::domain::desktop::Desktop;
use crate::domain::identity::Identity;
use crate::ports::{ApplicationRuntime, DesktopOrchestrator, OrchestratorError, Randomness, UserSecretStore};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use thiserror::Error;

/// Errors of the application routes, with pyos's messages.
#[derive(Debug, Error)]
pub enum AppError {
    /// `ocrun` without a desktop.
    #[error("openapp:findDesktopByUser not found")]
    NoDesktopForLaunch,
    /// Container routes without a desktop.
    #[error("desktop not found")]
    NoDesktop,
    /// No app the user may run matches.
    #[error("app {0} not found")]
    UnknownApp(String),
    /// The app's ACL refuses the user.
    #[error("Application access is denied by security policy")]
    Denied,
    /// `desktop.policies.max_app_counter` reached.
    #[error("policies {running}/{max} too much applications are running, stop one of them")]
    TooMany {
        /// Running now.
        running: usize,
        /// Allowed.
        max: usize,
    },
    /// The pod belongs to someone else.
    #[error("{0} invalid user")]
    NotOwner(String),
    /// No such pod or container.
    #[error("container not found")]
    NoSuchContainer,
    /// The runtime refused the launch.
    #[error("Failed to run application {0}")]
    LaunchFailed(String),
    /// The orchestrator failed.
    #[error(transparent)]
    Orchestrator(#[from] OrchestratorError),
}

/// Application settings.
#[derive(Debug, Clone)]
pub struct AppPolicy {
    /// At most this many applications Running or Waiting at once.
    pub max_app_counter: Option<usize>,
    /// `desktop.envlocal`, copied into every app.
    pub envlocal: Vec<(String, String)>,
    /// Dock entries from config with their ACLs, shown before catalog apps.
    pub dock: Vec<(Value, Acl)>,
    /// Balloon account, when the user has no POSIX secret.
    pub posix_defaults: PosixDefaults,
    /// `desktop.pulseaudiosocketpath`.
    pub pulseaudio_socket: String,
}

/// The `ocrun` request.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// App key: id, name, launch class, path, executable or MIME type.
    pub image: String,
    /// Arguments passed as `APPARGS`.
    pub args: Option<String>,
    /// Time zone.
    pub timezone: Option<String>,
    /// Locale from `Accept-Language`.
    pub locale: Option<String>,
}

/// Application use cases.
pub struct ApplicationService {
    catalog: Arc<CatalogService>,
    runtime: Arc<dyn ApplicationRuntime>,
    desktops: Arc<dyn DesktopOrchestrator>,
    pub(super) secrets: Arc<dyn UserSecretStore>,
    bans: BanService,
    counters: Counters,
    pub(super) random: Arc<dyn Randomness>,
    pub(super) policy: AppPolicy,
}

const RUNNING_STATES: [&str; 2] = ["Running", "Waiting"];
const LISTED_STATES: [&str; 5] = ["Running", "Terminated", "Waiting", "Completed", "Succeeded"];

impl ApplicationService {
    /// Builds the service (one argument per port it uses, plus its policy).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        catalog: Arc<CatalogService>,
        runtime: Arc<dyn ApplicationRuntime>,
        desktops: Arc<dyn DesktopOrchestrator>,
        secrets: Arc<dyn UserSecretStore>,
        bans: BanService,
        counters: Counters,
        random: Arc<dyn Randomness>,
        policy: AppPolicy,
    ) -> Self {
        Self {
            catalog,
            runtime,
            desktops,
            secrets,
            bans,
            counters,
            random,
            policy,
        }
    }

    /// Adds applications to the catalog, then starts pulling their images onto `node`, or
    /// onto every node desktops may run on (`PUT manager/image`). Returns the stored
    /// descriptors, each with `pulling`: whether a pull started.
    ///
    /// # Errors
    /// [`CatalogError`] when the body holds no application or the store fails; a pull
    /// that cannot start is `pulling: false`, not an error.
    pub async fn add_and_prepull(&self, body: &Value, node: Option<&str>) -> Result<Vec<Value>, super::CatalogError> {
        let added = self.catalog.add(body).await?;
        let mut answered = Vec::with_capacity(added.len());
        for app in added {
            let pulling = match self.runtime.prepull_image(&app.id, node.map(str::to_owned)).await {
                Ok(started) => started,
                Err(error) => {
                    tracing::warn!(%error, image = %app.id, "the image pre-pull did not start");
                    false
                }
            };
            let mut described = serde_json::to_value(&app).unwrap_or_default();
            if let Some(fields) = described.as_object_mut() {
                fields.insert("pulling".into(), Value::Bool(pulling));
            }
            answered.push(described);
        }
        Ok(answered)
    }

    /// The catalog.
    pub fn catalog(&self) -> &Arc<CatalogService> {
        &self.catalog
    }

    /// Dock entries then catalog apps the user may run, merged by id (`getuserapplist`).
    pub fn user_app_list(&self, identity: &Identity) -> Vec<Value> {
        let mut merged: Vec<(String, Value)> = Vec::new();
        let mut put = |id: String, view: Value| match merged.iter_mut().find(|(existing, _)| *existing == id) {
            Some(slot) => slot.1 = view,
            None => merged.push((id, view)),
        };
        for (entry, acl) in &self.policy.dock {
            if acl.allows(&identity.labels) {
                let id = entry.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                put(id, public_dock_view(entry));
            }
        }
        for app in self
            .catalog
            .snapshot()
            .iter()
            .filter(|app| app.acl().allows(&identity.labels))
        {
            put(app.id.clone(), app.public_view());
        }
        merged.into_iter().map(|(_, view)| view).collect()
    }

    async fn desktop_of(&self, identity: &Identity, missing: AppError) -> Result<Desktop, AppError> {
        self.desktops.find_desktop(&identity.owner()).await?.ok_or(missing)
    }

    /// Starts an application in the user's desktop (`ocrun`).
    ///
    /// # Errors
    /// See [`AppError`]; the order of checks is pyos's.
    pub async fn run(&self, identity: &Identity, request: &RunRequest) -> Result<LaunchedApp, AppError> {
        let desktop = self.desktop_of(identity, AppError::NoDesktopForLaunch).await?;
        let app = self
            .catalog
            .find_for_user(&request.image, &identity.labels)
            .ok_or_else(|| {
                // Keep unknown and forbidden apart for the counters, not for the client: an app
                // hidden by its ACL is reported as not found by the lookup above.
                AppError::UnknownApp(request.image.clone())
            })?;
        if !app.acl().allows(&identity.labels) {
            self.counters.bump("container", "accessdenied").await;
            return Err(AppError::Denied);
        }
        if let Some(max) = self.policy.max_app_counter {
            let running = self
                .runtime
                .list_applications(&desktop)
                .await?
                .iter()
                .filter(|a| RUNNING_STATES.contains(&a.status.as_str()))
                .count();
            // pyos refused only above the maximum (`>`), letting max+1 apps run; here max is the cap.
            if running >= max {
                return Err(AppError::TooMany { running, max });
            }
        }
        let spec = self.launch_spec(identity, &desktop, app, request).await?;
        match self.runtime.launch_application(&desktop, &spec).await {
            Ok(launched) => {
                self.counters.bump("container", "current").await;
                Ok(launched)
            }
            Err(OrchestratorError::StartFailed(reason) | OrchestratorError::Rejected(reason)) => {
                self.counters.bump("container", "error").await;
                Err(AppError::LaunchFailed(reason))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The user's applications in the listed phases, with catalog details (`listcontainer`).
    ///
    /// # Errors
    /// [`AppError::NoDesktop`] without a desktop.
    pub async fn list(&self, identity: &Identity) -> Result<Vec<Value>, AppError> {
        let desktop = self.desktop_of(identity, AppError::NoDesktop).await?;
        self.counters.bump("api", "list_container_app").await;
        let apps = self.runtime.list_applications(&desktop).await?;
        Ok(apps
            .iter()
            .filter(|a| LISTED_STATES.contains(&a.status.as_str()))
            .map(|a| self.describe(a))
            .collect())
    }

    /// Every application of a desktop, for the operator (identity taken from the desktop).
    ///
    /// # Errors
    /// [`AppError::Orchestrator`] when the orchestrator fails.
    pub async fn list_in(&self, desktop: &Desktop) -> Result<Vec<Value>, AppError> {
        Ok(self
            .runtime
            .list_applications(desktop)
            .await?
            .iter()
            .map(|a| self.describe(a))
            .collect())
    }

    /// Stops and removes one application of a desktop, for the operator.
    ///
    /// # Errors
    /// [`AppError::NoSuchContainer`] when it does not exist.
    pub async fn remove_in(&self, desktop: &Desktop, app: &AppRef) -> Result<(), AppError> {
        self.runtime
            .stop_application(desktop, app)
            .await
            .map_err(Self::not_found_as_missing)?;
        self.runtime
            .remove_application(desktop, app)
            .await
            .map_err(Self::not_found_as_missing)?;
        Ok(())
    }

    /// The user's applications in one phase (`list_applications_by_phase`).
    ///
    /// # Errors
    /// [`AppError::NoDesktop`] without a desktop.
    pub async fn list_by_phase(&self, identity: &Identity, phase: &str) -> Result<Vec<Value>, AppError> {
        let desktop = self.desktop_of(identity, AppError::NoDesktop).await?;
        let apps = self.runtime.list_applications(&desktop).await?;
        Ok(apps
            .iter()
            .filter(|a| a.status == phase)
            .map(|a| self.describe(a))
            .collect())
    }

    fn describe(&self, running: &RunningApp) -> Value {
        let app = self.catalog.get(&running.image);
        let field = |f: fn(&App) -> Option<String>| app.as_ref().and_then(f).map_or(Value::Null, Value::String);
        json!({
            "podname": running.podname, "id": running.id, "short_id": running.short_id, "status": running.status,
            "image": running.image, "oc.path": field(|a| a.path.clone()), "nodehostname": running.node,
            "architecture": field(|a| a.architecture.clone()), "os": field(|a| a.os.clone()),
            "oc.icondata": field(|a| a.icondata.clone()), "oc.args": field(|a| a.args.clone()),
            "oc.icon": field(|a| Some(a.icon.clone())), "oc.launch": field(|a| Some(a.launch.clone())),
            "oc.displayname": field(|a| Some(a.displayname.clone())), "runtime": "kubernetes",
            "type": running.engine.as_str(),
        })
    }

    /// Checks that the caller has a desktop and owns `app.podname`; a foreign pod counts a
    /// failure against the caller's login.
    async fn owned_desktop(&self, identity: &Identity, app: &AppRef) -> Result<Desktop, AppError> {
        let desktop = self.desktop_of(identity, AppError::NoDesktop).await?;
        let owner = self
            .runtime
            .owner_of(&app.podname)
            .await?
            .ok_or(AppError::NoSuchContainer)?;
        if owner.userid != identity.userid || owner.provider != identity.provider {
            self.bans.record_login_failure(identity.userid.as_str()).await;
            self.counters.bump("container", "accessdenied").await;
            return Err(AppError::NotOwner(app.podname.clone()));
        }
        Ok(desktop)
    }

    fn not_found_as_missing(error: OrchestratorError) -> AppError {
        match error {
            OrchestratorError::NotFound(_) => AppError::NoSuchContainer,
            other => other.into(),
        }
    }

    /// Log text of one application.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn logs(&self, identity: &Identity, app: &AppRef) -> Result<String, AppError> {
        let desktop = self.owned_desktop(identity, app).await?;
        self.counters.bump("api", "log_container_app").await;
        self.runtime
            .application_logs(&desktop, app)
            .await
            .map_err(Self::not_found_as_missing)
    }

    /// Environment of one application.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn env(&self, identity: &Identity, app: &AppRef) -> Result<Map<String, Value>, AppError> {
        let desktop = self.owned_desktop(identity, app).await?;
        self.counters.bump("api", "env_container_app").await;
        let env = self
            .runtime
            .application_env(&desktop, app)
            .await
            .map_err(Self::not_found_as_missing)?;
        Ok(env
            .into_iter()
            .map(|(k, v)| (k, v.map_or(Value::Null, Value::String)))
            .collect())
    }

    /// Stops one application; returns whether it was running.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn stop(&self, identity: &Identity, app: &AppRef) -> Result<bool, AppError> {
        let desktop = self.owned_desktop(identity, app).await?;
        self.counters.bump("api", "stop_container_app").await;
        self.runtime
            .stop_application(&desktop, app)
            .await
            .map_err(Self::not_found_as_missing)
    }

    /// Removes one application; returns whether something was removed.
    ///
    /// # Errors
    /// See [`AppError`].
    pub async fn remove(&self, identity: &Identity, app: &AppRef) -> Result<bool, AppError> {
        let desktop = self.owned_desktop(identity, app).await?;
        self.counters.bump("api", "remove_container_app").await;
        self.runtime
            .remove_application(&desktop, app)
            .await
            .map_err(Self::not_found_as_missing)
    }
}

fn public_dock_view(entry: &Value) -> Value {
    let object: Map<String, Value> = super::app::PUBLIC_ATTRIBUTES
        .iter()
        .map(|key| ((*key).to_owned(), entry.get(*key).cloned().unwrap_or(Value::Null)))
        .collect();
    Value::Object(object)
}
