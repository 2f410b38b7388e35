//! Wiring: config → adapters → domain services → HTTP state. Backends are chosen here,
//! from `backends.*` and per-provider `directory`, and nothing else in the crate knows
//! which adapter is behind a port.

mod auth;
mod credentials;
mod oauth;
mod orchestration;
mod prelogin;
mod settings;
mod stores;

pub use orchestration::kubernetes_settings;

use crate::adapters::jwt::{KeyError, RsaTokenSigner, ensure_keys};
use crate::adapters::system::{OsRandom, SystemClock};
use crate::background::{BackgroundTasks, catalog_follower, scheduled_garbage_collection};
use crate::config::{Config, Problem, check};
use crate::domain::accounting::Counters;
use crate::domain::acl::Acl;
use crate::domain::apps::{AppPolicy, ApplicationService, CatalogService};
use crate::domain::auth::{LoginService, SessionService};
use crate::domain::ban::{BanPolicy, BanService};
use crate::domain::desktop::{DesktopPolicy, DesktopService, GcRequest};
use crate::domain::profile::ProfileService;
use crate::domain::progress::ProgressChannel;
use crate::domain::rate_limit::RateLimiter;
use crate::domain::rules::parse_network;
use crate::domain::tokens::TokenPolicy;
use crate::http::pipeline::client_address::ClientAddressPolicy;
use crate::http::pipeline::gate::Gates;
use crate::http::{AppState, HttpSettings};
use crate::ports::{CacheError, Geolocation, StoreError};
use auth::managers_of;
use orchestration::{orchestration_of, posix_defaults_of};
use serde_json::{Value, json};
use settings::{geolocation_of, key_files, keyinfo_of, text_pairs};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use stores::data_backends_of;
use thiserror::Error;

/// Why the application could not be built.
#[derive(Debug, Error)]
pub enum BootError {
    /// The configuration has problems (each names its key).
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Config(Vec<Problem>),
    /// JWT keys are missing or unusable.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The Kubernetes client could not be configured.
    #[error("kubernetes: {0}")]
    Kubernetes(String),
    /// A store could not be read at start-up.
    #[error("at start-up: {0}")]
    Store(#[from] StoreError),
    /// The cache could not be reached at start-up.
    #[error("at start-up: {0}")]
    Cache(#[from] CacheError),
    /// Prelogin is on and its page template cannot be read.
    #[error("{0}")]
    Prelogin(String),
}

/// Connects to the configured data backends and asks each for an answer, for
/// `config check`: the name of each backend with what went wrong, empty when all answer.
pub async fn unreachable_backends(config: &Config) -> Vec<String> {
    match data_backends_of(config).await {
        Err(error) => vec![error.to_string()],
        Ok(data) => {
            let mut failures = Vec::new();
            for backend in data.health {
                if let Err(reason) = backend.check().await {
                    failures.push(format!("{} does not answer: {reason}", backend.backend()));
                }
            }
            failures
        }
    }
}

/// Builds every service from a validated configuration.
///
/// # Errors
/// [`BootError`] for configuration problems, unusable keys or unreadable stores.
pub async fn build(config: &Config) -> Result<Arc<AppState>, BootError> {
    let problems = check(config);
    if !problems.is_empty() {
        return Err(BootError::Config(problems));
    }
    if let (true, Some(directory)) = (config.keys.generate, config.keys.directory.clone()) {
        let made = tokio::task::spawn_blocking(move || ensure_keys(&directory))
            .await
            .map_err(|e| KeyError::Generate(Default::default(), e.to_string()))??;
        if made {
            tracing::info!("generated JWT keys for the quick start");
        }
    }
    let tokens = Arc::new(RsaTokenSigner::from_files(&key_files(config)?)?);
    let clock = Arc::new(SystemClock);
    let random = Arc::new(OsRandom);
    let random_for_oauth: Arc<dyn crate::ports::Randomness> = random.clone();
    let metrics: Arc<dyn crate::ports::Metrics> = Arc::new(crate::adapters::prometheus::PrometheusMetrics::default());
    let data = data_backends_of(config).await?;
    let key_offers = crate::domain::key_offer::KeyOffers::new(
        crate::domain::key_offer::KeyOfferPorts {
            generator: Arc::new(crate::adapters::jwt::AwsLcKeyPairs),
            tokens: tokens.clone(),
            cache: data.cache.clone(),
            clock: clock.clone(),
            random: random.clone(),
        },
        Duration::from_secs(u64::try_from(config.jwt_token_desktop.exp).unwrap_or(180)),
    );
    let accounting = data.accounting.clone();
    let network_hooks = crate::domain::desktop::network::NetworkHooks::new(
        config.desktop.network_rules(),
        Arc::new(crate::adapters::system::ProcessWebhooks),
        data.cache.clone(),
        Duration::from_secs(config.desktop.webhook_timeout_seconds.max(1)),
    );
    // A desktop deleted outside deskplane (kubectl, an eviction) runs its destroy
    // webhooks too; the kept commands are taken once, whoever sees the deletion first.
    let gone_hooks = network_hooks.clone();
    let on_desktop_gone: crate::adapters::kubernetes::DesktopGone = Arc::new(move |name: String| {
        let hooks = gone_hooks.clone();
        tokio::spawn(async move { hooks.desktop_removed(&name).await });
    });
    let listening = Arc::new(std::sync::OnceLock::new());
    let orchestration = orchestration_of(config, metrics.clone(), on_desktop_gone, listening.clone()).await?;
    let geolocation: Arc<dyn Geolocation> = geolocation_of(config)?;
    let counters = Counters::new(accounting.clone());
    let posix_defaults = posix_defaults_of(config);
    let token_policy = TokenPolicy {
        user_lifetime: config.jwt_token_user.exp,
        leeway: config.jwt_token_user.leeway,
        desktop_lifetime: config.jwt_token_desktop.exp,
    };
    let bans = BanService::new(
        BanPolicy {
            enabled: config.fail2ban.enable,
            fails_before_ban: config.fail2ban.failsbeforeban,
            ipv6_prefix_len: config.fail2ban.ipv6_prefix_length,
            ban_expire_after: config.fail2ban.banexpireafterseconds,
            protected_networks: config
                .fail2ban
                .protectednetworks
                .iter()
                .filter_map(|n| parse_network(n))
                .collect(),
        },
        data.bans.clone(),
        clock.clone(),
    )
    .with_metrics(metrics.clone());
    let login = LoginService::new(
        Arc::new(managers_of(config, &oauth::discovered_endpoints(config).await?)?),
        geolocation.clone(),
        random.clone(),
        clock.clone(),
        posix_defaults.clone(),
    )
    .with_credential_artefacts(credentials::credential_artefacts_of(config)?);
    let exempt: Vec<_> = config
        .rate_limit
        .exempt_networks
        .iter()
        .filter_map(|n| parse_network(n))
        .collect();
    let limiter_clock = clock.clone();
    let rate_limiter = |per_minute| Arc::new(RateLimiter::new(per_minute, exempt.clone(), limiter_clock.clone()));
    let sessions = SessionService::new(
        login,
        tokens.clone(),
        token_policy,
        bans.clone(),
        orchestration.secrets.clone(),
        data.login_history.clone(),
        counters.clone(),
    )
    .with_anonymous_login_limit(rate_limiter(config.rate_limit.anonymous_logins_per_minute))
    .with_failure_floor(std::time::Duration::from_millis(config.fail2ban.failed_login_min_ms))
    .with_cifs_rules(
        config
            .desktop
            .policies
            .rules
            .get("volumes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    )
    .with_metrics(metrics.clone());
    let (sessions, prelogin_page) = match prelogin::prelogin_of(config, data.cache.clone(), random.clone()).await? {
        Some((prelogin, page)) => (sessions.with_prelogin(prelogin), Some(page)),
        None => (sessions, None),
    };
    let envlocal = text_pairs(&config.desktop.envlocal);
    // Progress writes of this replica's launches reach its progress streams at once.
    let progress_cache = Arc::new(crate::adapters::memory::TappedCache::new(
        data.cache.clone(),
        crate::domain::progress::KEY_PREFIX,
    ));
    let progress_writes = progress_cache.writes();
    let desktops = Arc::new(
        DesktopService::new(
            orchestration.desktops.clone(),
            orchestration.secrets.clone(),
            tokens,
            token_policy,
            ProgressChannel::new(progress_cache, Duration::from_secs(60)),
            data.desktop_history.clone(),
            counters.clone(),
            clock,
            random.clone(),
            DesktopPolicy {
                resources_usage_cgroup_map: config.desktop.resources_usage_cgroup_map(),
                user_uniq_labels: config.desktop.policies.user_uniq_labels.clone(),
                envlocal: envlocal.clone(),
                envlocalrules: config
                    .desktop
                    .envlocalrules
                    .iter()
                    .map(|(label, env)| (label.clone(), env.as_object().map(text_pairs).unwrap_or_default()))
                    .collect(),
                websocketrouting: config.websocketrouting.clone(),
                default_host_url: config.default_host_url.clone(),
                websockettcpport: config.desktop.graphical_tcpport(),
                posix_defaults: posix_defaults.clone(),
                detect_os_family: matches!(config.desktop.theme.as_deref(), Some("auto" | "autodetect")),
            },
        )
        .with_creation_limit(rate_limiter(config.rate_limit.desktop_creations_per_minute))
        .with_concurrent_launch_cap(config.rate_limit.max_concurrent_launches)
        .with_user_launch_limit(rate_limiter(config.rate_limit.launches_per_user_per_minute))
        .with_metrics(metrics.clone())
        .with_network_hooks(network_hooks),
    );
    let catalog = Arc::new(CatalogService::load(data.catalog.clone(), config.namespace.clone()).await?);
    let dock = config
        .dock
        .values()
        .map(|entry| {
            (
                settings::with_icon_data(entry, &config.dock_icons_dir),
                entry.get("acl").and_then(Acl::from_json).unwrap_or_else(Acl::deny_all),
            )
        })
        .collect();
    let apps = Arc::new(ApplicationService::new(
        catalog,
        orchestration.applications,
        orchestration.desktops,
        orchestration.secrets,
        bans,
        counters,
        random,
        AppPolicy {
            max_app_counter: config.desktop.policies.max_app_counter,
            envlocal: envlocal.clone(),
            dock,
            posix_defaults,
            pulseaudio_socket: config.desktop.pulseaudiosocketpath.clone(),
        },
    ));
    let mut wrapped = config
        .controllers
        .get("StoreController")
        .map(|c| c.wrapped_key.clone())
        .unwrap_or_default();
    if let Some((_, color)) = envlocal.iter().find(|(k, _)| k == "SET_DEFAULT_COLOR") {
        wrapped.entry("color").or_insert_with(|| Value::String(color.clone()));
    }
    if envlocal.iter().any(|(k, _)| k == "SET_DEFAULT_WALLPAPER") {
        wrapped
            .entry("backgroundType")
            .or_insert_with(|| Value::String("img".into()));
    }
    let profiles = ProfileService::new(data.profiles.clone(), data.login_history.clone(), wrapped).with_limits(
        crate::domain::profile::ProfileLimits {
            max_value_bytes: config.store.max_value_bytes,
            max_keys: config.store.max_keys_per_user,
        },
    );
    let settings = HttpSettings {
        max_request_body: config.server.max_request_body_bytes,
        max_log_body_size: config.max_log_body_size,
        languages: config.language.clone(),
        keyinfo: keyinfo_of(config),
        features_submit: config.desktop.features_permissions.iter().any(|p| p == "submit"),
        // Refused unless explicitly false, as pyos.
        autologin_denied: config.services_http_request_denied.get("autologin") != Some(&false),
        server_geolocation_ip: config
            .server
            .geolocation_ipaddr
            .parse()
            .unwrap_or(IpAddr::from([127, 0, 0, 1])),
        desktop_description: config.desktop.description.clone(),
        version: json!({"date": option_env!("DESKPLANE_BUILD_DATE"), "commit": option_env!("DESKPLANE_COMMIT"), "version": env!("CARGO_PKG_VERSION")}),
        connections: crate::http::server::ConnectionLimits {
            max_connections: settings::connection_cap(config.server.max_connections),
            header_read_timeout: Duration::from_secs(config.server.header_read_timeout_seconds.max(1)),
        },
        body_read_timeout: Duration::from_secs(config.server.body_read_timeout_seconds.max(1)),
        default_host_url: config.default_host_url.clone().unwrap_or_else(|| "/".into()),
    };
    let mut background = BackgroundTasks::default();
    background.push(catalog_follower(apps.catalog().clone()));
    let gc = &config.garbage_collector;
    if gc.interval_seconds > 0 {
        let request = GcRequest {
            expire_in: gc.expirein_seconds,
            node: None,
            force: gc.force,
        };
        let interval = Duration::from_secs(gc.interval_seconds);
        background.push(scheduled_garbage_collection(
            desktops.clone(),
            orchestration.leader,
            interval,
            request,
            metrics.clone(),
        ));
    }
    Ok(Arc::new(AppState {
        background,
        sessions,
        desktops,
        apps,
        profiles,
        accounting,
        oauth_states: crate::domain::auth::OAuthStates::new(data.cache.clone(), random_for_oauth)
            .with_rate_limit(rate_limiter(config.rate_limit.oauth_states_per_minute)),
        readiness: data.health,
        write_behind: data.write_behind,
        progress_writes,
        metrics,
        geolocation,
        addresses: ClientAddressPolicy::new(&config.trusted_proxy_cidr),
        gates: Gates::new(&config.controllers),
        prelogin_page,
        logmein: config.logmein.enable.then(|| crate::http::state::LogmeinSettings {
            networks: config
                .logmein
                .network_list
                .iter()
                .filter_map(|n| parse_network(n))
                .collect(),
            header: config.logmein.http_attribut.clone(),
            permit_querystring: config.logmein.permit_querystring,
            oids: config.logmein.oid_list.clone(),
        }),
        authorized_keys: Arc::new(crate::domain::auth::AuthorizedKeys::new(
            config.authorized_keys.clone(),
            data.authorized_keys.clone(),
        )),
        user_history: crate::domain::user_history::UserHistory::new(
            data.login_history.clone(),
            data.desktop_history.clone(),
        ),
        datastore: crate::domain::datastore::DatastoreService::new(
            data.browser.clone(),
            config.mongodblist.clone(),
            config
                .controllers
                .get("ManagerController")
                .map(|manager| manager.database_acl.clone())
                .unwrap_or_default(),
        ),
        key_offers,
        replicas: crate::domain::replicas::Replicas::new(orchestration.replicas),
        listening,
        settings,
    }))
}
