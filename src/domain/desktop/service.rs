//! The desktop lifecycle (orchestration.md §3): find → resume, or recreate when the label
//! policy changed → create; desktop tokens; logout; operator removal.

use super::locks::KeyedLocks;
use super::model::{Desktop, RemovalScope};
use super::routing::target_host;
use crate::domain::accounting::Counters;
use crate::domain::auth::PosixDefaults;
use crate::domain::identity::Identity;
use crate::domain::progress::ProgressChannel;
use crate::domain::request::RequestFacts;
use crate::domain::secret::Secret;
use crate::domain::tokens::TokenPolicy;
use crate::ports::UserSecretStore;
use crate::ports::{
    Clock, DesktopHistory, DesktopOrchestrator, OrchestratorError, Randomness, TokenError, TokenSigner,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

/// Errors of the desktop use cases.
#[derive(Debug, Error)]
pub enum DesktopError {
    /// The desktop could not be created or reused; the text is user-facing (pyos answers
    /// HTTP 200 with `status` 500 and this text as `error`).
    #[error("{0}")]
    CreationFailed(String),
    /// The desktop exists but cannot be reached; it has been removed.
    #[error("Your desktop previous was unreachable. {0}. Please try to reload again.")]
    Unreachable(String),
    /// The user's session resources are gone (logout, operator or collector removal):
    /// the user must log in again (401).
    #[error("user session has ended, please log in again")]
    SessionEnded,
    /// Too many desktop creations from the client's address, launches of the user, or
    /// launches at once (HTTP 429 with `Retry-After`).
    #[error(transparent)]
    RateLimited(#[from] crate::domain::rate_limit::RateLimited),
    /// No desktop (404).
    #[error("desktop not found")]
    NotFound,
    /// The desktop cannot be reached for a new token (400).
    #[error("Your desktop is unreachable")]
    TokenUnreachable,
    /// The orchestrator failed.
    #[error(transparent)]
    Orchestrator(#[from] OrchestratorError),
    /// A token could not be signed.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Desktop settings from config.
#[derive(Debug, Clone)]
pub struct DesktopPolicy {
    /// Label names whose values must match for a running desktop to be reused; `None`
    /// means any desktop matches.
    pub user_uniq_labels: Option<Vec<String>>,
    /// `desktop.envlocal`.
    pub envlocal: Vec<(String, String)>,
    /// `desktop.envlocalrules`: label → extra env.
    pub envlocalrules: BTreeMap<String, Vec<(String, String)>>,
    /// Default websocket routing mode.
    pub websocketrouting: String,
    /// `default_host_url`.
    pub default_host_url: Option<String>,
    /// `desktop.pod.graphical.tcpport`.
    pub websockettcpport: u16,
    /// Balloon account.
    pub posix_defaults: PosixDefaults,
    /// Detect the browser OS family from `User-Agent` (`desktop.theme: auto`).
    pub detect_os_family: bool,
    /// `desktop.resources_usage_cgroup_map`: usage key → file read in the desktop.
    pub resources_usage_cgroup_map: Vec<(String, String)>,
}

/// `launchdesktop` input the domain uses.
#[derive(Debug, Clone, Default)]
pub struct LaunchRequest {
    /// Locale from `Accept-Language`.
    pub locale: Option<String>,
}

/// What `launchdesktop` returns.
#[derive(Debug, Clone)]
pub struct LaunchedDesktop {
    /// Host for the websocket.
    pub target_ip: String,
    /// VNC password.
    pub vncpassword: Secret,
    /// Desktop token.
    pub authorization: String,
    /// Routing mode.
    pub websocketrouting: String,
    /// Websocket port.
    pub websockettcpport: u16,
    /// Desktop token lifetime.
    pub expire_in: i64,
}

/// Desktop use cases.
pub struct DesktopService {
    pub(super) orchestrator: Arc<dyn DesktopOrchestrator>,
    pub(super) secrets: Arc<dyn UserSecretStore>,
    tokens: Arc<dyn TokenSigner>,
    token_policy: TokenPolicy,
    pub(super) progress: ProgressChannel,
    pub(super) history: Arc<dyn DesktopHistory>,
    pub(super) counters: Counters,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) random: Arc<dyn Randomness>,
    pub(super) policy: DesktopPolicy,
    pub(super) launches: KeyedLocks,
    pub(super) creations: Option<Arc<crate::domain::rate_limit::RateLimiter>>,
    launch_slots: Option<Arc<tokio::sync::Semaphore>>,
    user_launches: Option<Arc<crate::domain::rate_limit::RateLimiter>>,
    metrics: Option<Arc<dyn crate::ports::Metrics>>,
    pub(super) network_hooks: Option<super::network::NetworkHooks>,
}

impl DesktopService {
    /// Builds the service.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        orchestrator: Arc<dyn DesktopOrchestrator>,
        secrets: Arc<dyn UserSecretStore>,
        tokens: Arc<dyn TokenSigner>,
        token_policy: TokenPolicy,
        progress: ProgressChannel,
        history: Arc<dyn DesktopHistory>,
        counters: Counters,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
        policy: DesktopPolicy,
    ) -> Self {
        Self {
            orchestrator,
            secrets,
            tokens,
            token_policy,
            progress,
            history,
            counters,
            clock,
            random,
            policy,
            launches: KeyedLocks::default(),
            creations: None,
            launch_slots: None,
            user_launches: None,
            metrics: None,
            network_hooks: None,
        }
    }

    /// Runs the network rules' webhooks of created and removed desktops.
    #[must_use]
    pub fn with_network_hooks(mut self, hooks: super::network::NetworkHooks) -> Self {
        self.network_hooks = Some(hooks);
        self
    }

    /// Caps the launches running at once on this replica (`max` 0: no cap); past it a
    /// launch is refused at once with a retry delay instead of queueing behind the others.
    #[must_use]
    pub fn with_concurrent_launch_cap(mut self, max: usize) -> Self {
        self.launch_slots = (max > 0).then(|| Arc::new(tokio::sync::Semaphore::new(max)));
        self
    }

    /// Limits launches per user and minute (whatever their addresses).
    #[must_use]
    pub fn with_user_launch_limit(mut self, limiter: Arc<crate::domain::rate_limit::RateLimiter>) -> Self {
        self.user_launches = Some(limiter);
        self
    }

    /// How many desktops exist (for `GET /metrics`).
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the orchestrator cannot list them.
    pub async fn count_desktops(&self) -> Result<u64, DesktopError> {
        let desktops = self.orchestrator.list_desktops().await?;
        Ok(u64::try_from(desktops.len()).unwrap_or(u64::MAX))
    }

    /// Counts and times every launch by outcome.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<dyn crate::ports::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Limits desktop creations per client address.
    #[must_use]
    pub fn with_creation_limit(mut self, limiter: Arc<crate::domain::rate_limit::RateLimiter>) -> Self {
        self.creations = Some(limiter);
        self
    }

    /// The progress channel.
    pub fn progress(&self) -> &ProgressChannel {
        &self.progress
    }

    /// Finds the caller's desktop.
    ///
    /// # Errors
    /// [`DesktopError::Orchestrator`] when the orchestrator fails.
    pub async fn find(&self, identity: &Identity) -> Result<Option<Desktop>, DesktopError> {
        Ok(self.orchestrator.find_desktop(&identity.owner()).await?)
    }

    /// Opens the caller's desktop (launchdesktop): resume or create, then a desktop token.
    /// The progress channel always ends with `stopinfo`.
    ///
    /// # Errors
    /// See [`DesktopError`].
    pub async fn launch(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
    ) -> Result<LaunchedDesktop, DesktopError> {
        let started = std::time::Instant::now();
        let mut created = None;
        let result = self.launch_inner(identity, facts, request, &mut created).await;
        self.progress.stop(&identity.owner()).await;
        // The create webhooks' results follow `stopinfo` on the one-message progress
        // channel: started before it, a result could be overwritten by it and lost.
        // A desktop removed again (unreachable) gets none.
        if let (true, Some(created), Some(hooks)) = (result.is_ok(), created, &self.network_hooks) {
            hooks.desktop_created(&created, &identity.labels, &self.progress).await;
        }
        if let Some(metrics) = &self.metrics {
            let outcome = match &result {
                Ok(_) => "ok",
                Err(error) => launch_outcome(error),
            };
            metrics.launch(started.elapsed().as_secs_f64(), outcome);
        }
        result
    }

    async fn launch_inner(
        &self,
        identity: &Identity,
        facts: &RequestFacts,
        request: &LaunchRequest,
        created_now: &mut Option<Desktop>,
    ) -> Result<LaunchedDesktop, DesktopError> {
        let owner = identity.owner();
        let owner_key = crate::domain::owner_names::cache_key(&owner);
        if let Some(limiter) = &self.user_launches {
            limiter.check_key(&owner_key)?;
        }
        let _slot = match &self.launch_slots {
            Some(slots) => Some(
                slots
                    .clone()
                    .try_acquire_owned()
                    .map_err(|_| crate::domain::rate_limit::RateLimited { retry_after: 5 })?,
            ),
            None => None,
        };
        let _one_launch_per_user = self.launches.lock(&owner_key).await;
        self.progress.push(&owner, "b.Looking for your desktop").await;
        let desktop = match self.orchestrator.find_desktop(&owner).await? {
            Some(found) => self.reuse_or_replace(identity, facts, request, found).await?,
            None => {
                self.progress
                    .push(&owner, "b.Cold start, creating your new desktop")
                    .await;
                let created = self.create(identity, facts, request).await?;
                *created_now = Some(created.clone());
                created
            }
        };
        if let Some(reason) = desktop.unreachable_reason() {
            self.progress
                .push(
                    &owner,
                    "e.Your desktop is unreachabled. Delete desktop process is starting",
                )
                .await;
            if self
                .orchestrator
                .remove_desktop(&desktop, RemovalScope::Everything)
                .await
                .is_ok()
            {
                self.progress.push(&owner, "e.Delete desktop done.").await;
            }
            return Err(DesktopError::Unreachable(reason));
        }
        let authorization = self.desktop_token(&desktop).await?;
        let websocketrouting = desktop
            .websocketrouting
            .clone()
            .unwrap_or_else(|| self.policy.websocketrouting.clone());
        Ok(LaunchedDesktop {
            target_ip: target_host(
                &websocketrouting,
                &desktop,
                facts,
                self.policy.default_host_url.as_deref(),
            ),
            vncpassword: desktop.vnc_password.clone().unwrap_or_else(|| Secret::new("")),
            authorization,
            websocketrouting,
            websockettcpport: self.policy.websockettcpport,
            expire_in: self.token_policy.desktop_lifetime,
        })
    }

    async fn desktop_token(&self, desktop: &Desktop) -> Result<String, DesktopError> {
        let address = desktop.internal_uri.as_deref().ok_or(DesktopError::TokenUnreachable)?;
        let hash = self.tokens.seal_desktop_address(address).await?;
        let claims = self.token_policy.desktop_claims(hash, self.clock.now());
        Ok(self.tokens.sign_desktop(&claims).await?)
    }

    /// A new desktop token for the caller's desktop (`refreshdesktoptoken`).
    ///
    /// # Errors
    /// [`DesktopError::TokenUnreachable`] when there is no reachable desktop.
    pub async fn refresh_token(&self, identity: &Identity) -> Result<(String, i64), DesktopError> {
        let desktop = self.find(identity).await?.ok_or(DesktopError::TokenUnreachable)?;
        if desktop.unreachable_reason().is_some() {
            return Err(DesktopError::TokenUnreachable);
        }
        Ok((self.desktop_token(&desktop).await?, self.token_policy.desktop_lifetime))
    }

    pub(super) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}

#[cfg(test)]
mod tests;

/// Why a launch failed, as `deskplane_desktop_launches_total{outcome}` counts it: the
/// Kubernetes reason a start-up failure names, else the kind of error.
fn launch_outcome(error: &DesktopError) -> &'static str {
    const REASONS: [&str; 6] = [
        "ErrImagePull",
        "ImagePullBackOff",
        "Unschedulable",
        "CreateContainerConfigError",
        "OOMKilled",
        "CrashLoopBackOff",
    ];
    match error {
        DesktopError::Orchestrator(OrchestratorError::StartFailed(text)) | DesktopError::CreationFailed(text) => {
            REASONS.iter().find(|reason| text.contains(*reason)).copied().unwrap_or(
                if text.to_lowercase().contains("timeout") || text.contains("time out") {
                    "timeout"
                } else {
                    "start_failed"
                },
            )
        }
        DesktopError::Orchestrator(OrchestratorError::Unavailable(_)) => "unavailable",
        DesktopError::RateLimited(_) => "limited",
        DesktopError::SessionEnded => "session_ended",
        _ => "error",
    }
}
