//! Test wiring: domain services on memory adapters, for the domain's unit tests. It lives
//! outside `src/domain` because wiring adapters to the core is not the core's business.

pub use crate::adapters::memory::{
    MemoryAccounting, MemoryBanStore, MemoryCache, MemoryDirectory, MemoryDirectoryUser, MemoryGeolocation,
    MemoryHistory, MemoryOrchestrator, RecordedWebhooks, SimulationSettings,
};
use crate::domain::accounting::Counters;
use crate::domain::auth::PosixDefaults;
use crate::domain::desktop::{DesktopPolicy, DesktopService};
use crate::domain::identity::{Identity, UserId};
use crate::domain::progress::ProgressChannel;
use crate::domain::tokens::{DesktopClaims, TokenPolicy, UserClaims};
use crate::ports::clock::{Clock, UnixSeconds};
use crate::ports::{DesktopOrchestrator, Randomness, TokenError, TokenSigner, UserSecretStore};
use async_trait::async_trait;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// A clock moved by hand.
#[derive(Default)]
pub struct HandClock(pub AtomicI64);

impl HandClock {
    /// A clock at `now`.
    pub fn at(now: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(now)))
    }
    /// Moves the clock.
    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for HandClock {
    fn now(&self) -> UnixSeconds {
        self.0.load(Ordering::SeqCst)
    }
}

/// Predictable "random" values.
#[derive(Default)]
pub struct CountingRandom(AtomicU64);

impl Randomness for CountingRandom {
    fn alphanumeric(&self, len: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        format!("{n:0>len$}").chars().rev().take(len).collect()
    }
    fn hex(&self, bytes: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        format!("{n:0>width$x}", width = bytes * 2)
    }
    fn uuid_v4(&self) -> String {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        format!("00000000-0000-4000-8000-{n:012x}")
    }
}

/// Tokens that are plain JSON, so domain tests need no keys.
pub struct PlainTokens;

#[async_trait]
impl TokenSigner for PlainTokens {
    async fn sign_user(&self, claims: &UserClaims) -> Result<String, TokenError> {
        serde_json::to_string(claims).map_err(|e| TokenError::Unexpected(e.into()))
    }
    async fn verify_user(&self, token: &str) -> Result<UserClaims, TokenError> {
        serde_json::from_str(token).map_err(|_| TokenError::Invalid)
    }
    async fn sign_desktop(&self, claims: &DesktopClaims) -> Result<String, TokenError> {
        serde_json::to_string(claims).map_err(|e| TokenError::Unexpected(e.into()))
    }
    async fn seal_desktop_address(&self, address: &str) -> Result<String, TokenError> {
        Ok(format!("sealed:{address}"))
    }
    async fn sign_key_offer(&self, claims: &crate::domain::key_offer::KeyOfferClaims) -> Result<String, TokenError> {
        serde_json::to_string(claims).map_err(|e| TokenError::Unexpected(e.into()))
    }
}

/// The balloon defaults.
pub fn posix_defaults() -> PosixDefaults {
    PosixDefaults {
        username: "balloon".into(),
        groupname: "balloon".into(),
        uid_number: 4096,
        gid_number: 4096,
        home_root: "/home".into(),
        shell: "/bin/bash".into(),
        account_groups: Vec::new(),
    }
}

/// A token policy.
pub fn token_policy() -> TokenPolicy {
    TokenPolicy {
        user_lifetime: 360,
        leeway: 20,
        desktop_lifetime: 240,
    }
}

/// A desktop policy comparing the `executeclassname` label on resume.
pub fn desktop_policy() -> DesktopPolicy {
    DesktopPolicy {
        resources_usage_cgroup_map: crate::domain::desktop::default_cgroup_map(),
        user_uniq_labels: Some(vec!["executeclassname".into()]),
        envlocal: vec![("X11LISTEN".into(), "tcp".into())],
        envlocalrules: Default::default(),
        websocketrouting: "http_origin".into(),
        default_host_url: None,
        websockettcpport: 6081,
        posix_defaults: posix_defaults(),
        detect_os_family: true,
    }
}

/// An identity.
pub fn identity(userid: &str) -> Identity {
    Identity {
        provider: "planet".into(),
        providertype: "ldap".into(),
        domain: None,
        labels: Default::default(),
        userid: UserId::parse(userid).unwrap(),
        name: format!("{userid} name"),
        roles: vec![],
    }
}

/// The desktop service and what tests look at.
pub struct DesktopKit {
    /// The service.
    pub service: Arc<DesktopService>,
    /// Its history.
    pub history: Arc<MemoryHistory>,
    /// Its cache.
    pub cache: Arc<MemoryCache>,
    /// Its clock.
    pub clock: Arc<HandClock>,
    /// The user secrets it reads.
    pub secrets: Arc<dyn UserSecretStore>,
}

impl DesktopKit {
    /// What a login leaves for `userid`: the POSIX account secret a launch reads.
    pub async fn sign_in(&self, userid: &str) -> Identity {
        let who = identity(userid);
        let account = crate::domain::desktop::UserSecret {
            files: Default::default(),
            kind: "posixaccount".into(),
            data: std::collections::BTreeMap::from([("uid".to_owned(), userid.to_owned())]),
        };
        self.secrets
            .prepare_user_resources(&who.owner(), &[account])
            .await
            .unwrap();
        who
    }
}

/// A desktop service on `orchestrator`.
pub fn desktop_kit(orchestrator: Arc<dyn DesktopOrchestrator>) -> DesktopKit {
    desktop_kit_with(orchestrator, memory_orchestrator())
}

/// A desktop service on `orchestrator`, reading user secrets from `secrets`.
pub fn desktop_kit_with(orchestrator: Arc<dyn DesktopOrchestrator>, secrets: Arc<dyn UserSecretStore>) -> DesktopKit {
    desktop_kit_shaped(orchestrator, secrets, |service, _| service)
}

/// A desktop service on `orchestrator`, finished by `shape` (given the kit's clock).
pub fn desktop_kit_shaped(
    orchestrator: Arc<dyn DesktopOrchestrator>,
    secrets: Arc<dyn UserSecretStore>,
    shape: impl FnOnce(DesktopService, Arc<HandClock>) -> DesktopService,
) -> DesktopKit {
    let history = Arc::new(MemoryHistory::default());
    let cache = Arc::new(MemoryCache::default());
    let clock = HandClock::at(10_000);
    let service = Arc::new(shape(
        DesktopService::new(
            orchestrator,
            secrets.clone(),
            Arc::new(PlainTokens),
            token_policy(),
            ProgressChannel::new(cache.clone(), Duration::from_secs(60)),
            history.clone(),
            Counters::new(Arc::new(MemoryAccounting::default())),
            clock.clone(),
            Arc::new(CountingRandom::default()),
            desktop_policy(),
        ),
        clock.clone(),
    ));
    DesktopKit {
        service,
        history,
        cache,
        clock,
        secrets,
    }
}

/// A memory orchestrator.
pub fn memory_orchestrator() -> Arc<MemoryOrchestrator> {
    Arc::new(MemoryOrchestrator::new(SimulationSettings::default()))
}

/// A memory orchestrator whose desktops take `delay` to start, so launches overlap.
pub fn slow_memory_orchestrator(delay: Duration) -> Arc<MemoryOrchestrator> {
    Arc::new(MemoryOrchestrator::new(SimulationSettings {
        start_delay: delay,
        ..SimulationSettings::default()
    }))
}
