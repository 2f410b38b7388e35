//! Wiring: config → adapters → domain services → HTTP state. Backends are chosen here,
//! from `backends.*` and per-provider `directory`, and nothing else in the crate knows
//! which adapter is behind a port.

use crate::adapters::jwt::{JwtKeyFiles, KeyError, RsaTokenSigner, ensure_keys};
use crate::adapters::kubernetes::{KubernetesOrchestrator, KubernetesSettings, LeaseElection, PodSettings};
use crate::adapters::memory::SoleReplica;
use crate::adapters::memory::{
    MemoryAccounting, MemoryBanStore, MemoryCache, MemoryCatalogStore, MemoryDirectory, MemoryDirectoryUser,
    MemoryGeolocation, MemoryHistory, MemoryOrchestrator, MemoryProfileStore, NetworkLocation, SimulationSettings,
};
use crate::adapters::system::{OsRandom, SystemClock};
use crate::background::{BackgroundTasks, scheduled_garbage_collection};
use crate::config::{Config, ManagerConfig, Problem, ProviderConfig, check, parse_managers};
use crate::domain::accounting::Counters;
use crate::domain::acl::Acl;
use crate::domain::apps::{AppPolicy, ApplicationService, CatalogService};
use crate::domain::auth::{
    AuthManagers, LoginService, Manager, ManagerKind, PosixDefaults, Provider, ProviderDisplay, ProviderMethod,
    SessionService,
};
use crate::domain::ban::{BanPolicy, BanService};
use crate::domain::desktop::{DesktopPolicy, DesktopService, GcRequest};
use crate::domain::profile::ProfileService;
use crate::domain::progress::ProgressChannel;
use crate::domain::rules::parse_network;
use crate::domain::secret::Secret;
use crate::domain::tokens::TokenPolicy;
use crate::http::pipeline::client_address::ClientAddressPolicy;
use crate::http::pipeline::gate::Gates;
use crate::http::{AppState, HttpSettings, KeyInfo};
use crate::ports::{
    ApplicationRuntime, DesktopOrchestrator, DirectoryEntry, Geolocation, LeaderElection, Location, StoreError,
    UserSecretStore,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
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
    #[error("store unavailable at start-up: {0}")]
    Store(#[from] StoreError),
}

fn key_files(config: &Config) -> Result<JwtKeyFiles, BootError> {
    let generated = config.keys.directory.as_deref().map(JwtKeyFiles::in_directory);
    let pick = |explicit: &Option<std::path::PathBuf>, key: &str, from_dir: fn(&JwtKeyFiles) -> &std::path::PathBuf| {
        explicit
            .clone()
            .or_else(|| generated.as_ref().map(|g| from_dir(g).clone()))
            .ok_or_else(|| BootError::Config(vec![Problem::new(key, "required unless keys.directory is set")]))
    };
    Ok(JwtKeyFiles {
        user_private: pick(
            &config.jwt_token_user.jwtuserprivatekeyfile,
            "jwt_token_user.jwtuserprivatekeyfile",
            |g| &g.user_private,
        )?,
        user_public: pick(
            &config.jwt_token_user.jwtuserpublickeyfile,
            "jwt_token_user.jwtuserpublickeyfile",
            |g| &g.user_public,
        )?,
        desktop_private: pick(
            &config.jwt_token_desktop.jwtdesktopprivatekeyfile,
            "jwt_token_desktop.jwtdesktopprivatekeyfile",
            |g| &g.desktop_private,
        )?,
        payload_public: pick(
            &config.jwt_token_desktop.payloaddesktoppublickeyfile,
            "jwt_token_desktop.payloaddesktoppublickeyfile",
            |g| &g.payload_public,
        )?,
    })
}

fn text_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect()
}

fn directory_of(provider: &ProviderConfig) -> MemoryDirectory {
    let users = provider
        .users
        .iter()
        .map(|user| {
            let attributes = user
                .attributes
                .iter()
                .map(|(k, v)| {
                    let values = match v {
                        Value::Array(items) => items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect(),
                        other => vec![other.as_str().map_or_else(|| other.to_string(), str::to_owned)],
                    };
                    (k.clone(), values)
                })
                .collect();
            MemoryDirectoryUser {
                login: user.login.clone(),
                password: Secret::new(user.password.clone()),
                entry: DirectoryEntry {
                    dn: user.dn.clone(),
                    attributes,
                },
            }
        })
        .collect();
    let groups = provider
        .groups
        .iter()
        .map(|(dn, members)| {
            let (dns, uids): (Vec<String>, Vec<String>) = members.iter().cloned().partition(|m| m.contains('='));
            DirectoryEntry {
                dn: dn.clone(),
                attributes: [("member".to_owned(), dns), ("memberUid".to_owned(), uids)].into(),
            }
        })
        .collect();
    MemoryDirectory::new(users, groups)
}

fn provider_of(manager: &ManagerConfig, config: &ProviderConfig) -> Result<Provider, BootError> {
    let key = format!("authmanagers.{}.providers.{}", manager.kind.name(), config.name);
    let policy = config
        .policy(manager.kind, &key)
        .map_err(|p| BootError::Config(vec![p]))?;
    let (providertype, method) = match manager.kind {
        ManagerKind::Implicit => (
            config.providertype.clone().unwrap_or_else(|| config.name.clone()),
            ProviderMethod::Anonymous {
                uid: config.uid.clone().unwrap_or_else(|| config.name.clone()),
                username: config.username.clone().unwrap_or_else(|| config.name.clone()),
                allow_caller_userid: config.allow_caller_userid,
            },
        ),
        ManagerKind::Explicit | ManagerKind::MetaExplicit => {
            let active_directory = config.domain.is_some();
            (
                if active_directory { "activedirectory" } else { "ldap" }.to_owned(),
                ProviderMethod::Directory {
                    directory: Arc::new(directory_of(config)),
                    domain: config.domain.as_ref().map(|d| d.to_uppercase()),
                    userid_attribute: config
                        .useruidattr
                        .clone()
                        .unwrap_or_else(|| if active_directory { "sAMAccountName" } else { "uid" }.into()),
                    name_attribute: config
                        .useridattr
                        .clone()
                        .unwrap_or_else(|| if active_directory { "name" } else { "cn" }.into()),
                    memberof_attribute: config
                        .memberof_attribut_name
                        .clone()
                        .unwrap_or_else(|| "memberOf".into()),
                },
            )
        }
        ManagerKind::External => {
            return Err(BootError::Config(vec![Problem::new(
                key,
                "OAuth2 providers are not available yet",
            )]));
        }
    };
    let displayname = config.displayname.clone().unwrap_or_else(|| config.name.clone());
    Ok(Provider {
        name: config.name.clone(),
        manager: manager.kind,
        providertype,
        display: ProviderDisplay {
            caption: config.caption.clone().unwrap_or_else(|| displayname.clone()),
            displayname,
            icon: config.icon.clone(),
            backgroundcolor: config.backgroundcolor.clone(),
            textcolor: config.textcolor.clone(),
            dialog_url: config.dialog_url.clone(),
        },
        showclientdata: config.showclientdata,
        default: config.default,
        acl: policy.acl,
        rules: policy.rules,
        roles: policy.roles,
        method,
    })
}

fn managers_of(config: &Config) -> Result<AuthManagers, BootError> {
    let (managers, problems, warnings) = parse_managers(&config.authmanagers);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    if !problems.is_empty() {
        return Err(BootError::Config(problems));
    }
    let managers = managers
        .iter()
        .map(|m| {
            let providers = m
                .providers
                .iter()
                .map(|p| provider_of(m, p))
                .collect::<Result<_, _>>()?;
            Ok(Manager {
                kind: m.kind,
                providers,
                show_domains: m.show_domains,
                rules: m.rules.clone(),
            })
        })
        .collect::<Result<_, BootError>>()?;
    Ok(AuthManagers::new(managers))
}

fn geolocation_of(config: &Config) -> MemoryGeolocation {
    MemoryGeolocation::new(
        config
            .memory
            .geolocation
            .iter()
            .filter_map(|g| {
                Some(NetworkLocation {
                    network: parse_network(&g.network)?,
                    location: Location {
                        country: g.country.clone(),
                        country_code: g.country_code.clone(),
                        timezone: g.timezone.clone(),
                        location: g.location,
                        autonomous_system_number: g.autonomous_system_number,
                        autonomous_system_organization: g.autonomous_system_organization.clone(),
                        datasource: Some("memory".into()),
                        ..Location::default()
                    },
                })
            })
            .collect(),
    )
}

fn keyinfo_of(config: &Config) -> KeyInfo {
    let mut classes = config.executeclasses.clone();
    classes.entry("default").or_insert_with(|| json!({}));
    KeyInfo {
        colors: json!(config.desktop.defaultbackgroundcolors),
        menuconfig: config.front.menuconfig.clone(),
        geolocation: config.geolocation.clone(),
        zoom: json!(config.desktop.zoom),
        tipsinfo: config.tipsinfo.clone(),
        welcomeinfo: config.welcomeinfo.clone(),
        imagenotificationconfig: config.front.imagenotification.clone(),
        executeclasses: if config.desktop.features_permissions.iter().any(|p| p == "read") {
            Value::Object(classes)
        } else {
            Value::Null
        },
    }
}

/// The three orchestrator ports, backed by one adapter.
struct Orchestration {
    desktops: Arc<dyn DesktopOrchestrator>,
    applications: Arc<dyn ApplicationRuntime>,
    secrets: Arc<dyn UserSecretStore>,
    leader: Arc<dyn LeaderElection>,
}

impl Orchestration {
    fn of<O: DesktopOrchestrator + ApplicationRuntime + UserSecretStore + 'static>(adapter: O) -> Self {
        let adapter = Arc::new(adapter);
        Self {
            desktops: adapter.clone(),
            applications: adapter.clone(),
            secrets: adapter,
            leader: Arc::new(SoleReplica),
        }
    }
}

/// The Kubernetes adapter's settings, from the config.
pub fn kubernetes_settings(config: &Config) -> KubernetesSettings {
    let desktop = &config.desktop;
    KubernetesSettings {
        namespace: config.namespace.clone(),
        create_pod_timeout: Duration::from_secs(config.kubernetes.create_pod_timeout_seconds),
        bound_claim_timeout: Duration::from_secs(config.kubernetes.bound_pvc_timeout_seconds),
        pod: PodSettings {
            pod: desktop.pod.clone(),
            execute_classes: config.executeclasses.clone(),
            node_selector: desktop.nodeselector.clone(),
            home_directory_type: desktop.homedirectorytype.clone(),
            host_path_root: desktop.host_path_root.clone(),
            local_account_path: desktop.secretslocalaccount.clone(),
            secrets_root: desktop.secretsrootdirectory.clone(),
            pulseaudio_socket: desktop.pulseaudiosocketpath.clone(),
            home_claim: desktop.persistentvolumeclaim.clone(),
            remove_home_claim: desktop.removepersistentvolumeclaim,
            dns_policy: desktop.dnspolicy.clone(),
            dns_config: desktop.dnsconfig.clone(),
        },
    }
}

async fn orchestration_of(config: &Config) -> Result<Orchestration, BootError> {
    if config.backends.orchestrator != "kubernetes" {
        return Ok(Orchestration::of(MemoryOrchestrator::new(SimulationSettings {
            namespace: config.namespace.clone(),
            start_delay: Duration::from_millis(config.memory.start_delay_ms),
            first_address: config
                .memory
                .first_address
                .parse()
                .unwrap_or(SimulationSettings::default().first_address),
            node: config.memory.node.clone(),
        })));
    }
    let settings = kubernetes_settings(config);
    let client = match &config.kubernetes.kubeconfig {
        Some(path) => {
            let kubeconfig =
                Kubeconfig::read_from(path).map_err(|e| BootError::Kubernetes(format!("{}: {e}", path.display())))?;
            let options = KubeConfigOptions::default();
            let client_config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| BootError::Kubernetes(format!("{}: {e}", path.display())))?;
            kube::Client::try_from(client_config).map_err(|e| BootError::Kubernetes(e.to_string()))?
        }
        None => kube::Client::try_default()
            .await
            .map_err(|e| BootError::Kubernetes(e.to_string()))?,
    };
    // The lease outlives a few missed runs, so a healthy leader keeps it between runs.
    let lease_duration = Duration::from_secs((config.garbage_collector.interval_seconds * 3).max(30));
    let identity = format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "deskplane".into()),
        std::process::id()
    );
    let leader = LeaseElection::new(
        client.clone(),
        &config.namespace,
        &config.kubernetes.lease_name,
        &identity,
        lease_duration,
    );
    let mut orchestrator = KubernetesOrchestrator::new(client, settings);
    if config.kubernetes.watch {
        orchestrator = orchestrator.with_watcher();
    }
    Ok(Orchestration {
        leader: Arc::new(leader),
        ..Orchestration::of(orchestrator)
    })
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
    let cache = Arc::new(MemoryCache::default());
    let history = Arc::new(MemoryHistory::default());
    let accounting = Arc::new(MemoryAccounting::default());
    let orchestration = orchestration_of(config).await?;
    let geolocation: Arc<dyn Geolocation> = Arc::new(geolocation_of(config));
    let counters = Counters::new(accounting.clone());
    let posix_defaults = PosixDefaults {
        username: config.desktop.username.clone(),
        groupname: config.desktop.groupname.clone(),
        uid_number: config.desktop.userid,
        gid_number: config.desktop.groupid,
        home_root: config.desktop.homerootdirectory.clone(),
        shell: config.desktop.shell.clone(),
    };
    let token_policy = TokenPolicy {
        user_lifetime: config.jwt_token_user.exp,
        leeway: config.jwt_token_user.leeway,
        desktop_lifetime: config.jwt_token_desktop.exp,
    };
    let bans = BanService::new(
        BanPolicy {
            enabled: config.fail2ban.enable,
            fails_before_ban: config.fail2ban.failsbeforeban,
            ban_expire_after: config.fail2ban.banexpireafterseconds,
            protected_networks: config
                .fail2ban
                .protectednetworks
                .iter()
                .filter_map(|n| parse_network(n))
                .collect(),
        },
        Arc::new(MemoryBanStore::default()),
        clock.clone(),
    );
    let login = LoginService::new(
        Arc::new(managers_of(config)?),
        geolocation.clone(),
        random.clone(),
        clock.clone(),
        posix_defaults.clone(),
    );
    let sessions = SessionService::new(
        login,
        tokens.clone(),
        token_policy,
        bans.clone(),
        orchestration.secrets.clone(),
        history.clone(),
        counters.clone(),
    );
    let envlocal = text_pairs(&config.desktop.envlocal);
    let desktops = Arc::new(DesktopService::new(
        orchestration.desktops.clone(),
        orchestration.secrets.clone(),
        tokens,
        token_policy,
        ProgressChannel::new(cache, Duration::from_secs(60)),
        history.clone(),
        counters.clone(),
        clock,
        random.clone(),
        DesktopPolicy {
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
    ));
    let catalog =
        Arc::new(CatalogService::load(Arc::new(MemoryCatalogStore::default()), config.namespace.clone()).await?);
    let dock = config
        .dock
        .values()
        .map(|entry| {
            (
                entry.clone(),
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
    let profiles = ProfileService::new(Arc::new(MemoryProfileStore::default()), history, wrapped);
    let settings = HttpSettings {
        max_request_body: config.server.max_request_body_bytes,
        max_log_body_size: config.max_log_body_size,
        languages: config.language.clone(),
        keyinfo: keyinfo_of(config),
        features_submit: config.desktop.features_permissions.iter().any(|p| p == "submit"),
        server_geolocation_ip: config
            .server
            .geolocation_ipaddr
            .parse()
            .unwrap_or(IpAddr::from([127, 0, 0, 1])),
        desktop_description: config.desktop.description.clone(),
        version: json!({"date": option_env!("DESKPLANE_BUILD_DATE"), "commit": option_env!("DESKPLANE_COMMIT"), "version": env!("CARGO_PKG_VERSION")}),
    };
    let mut background = BackgroundTasks::default();
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
        ));
    }
    Ok(Arc::new(AppState {
        background,
        sessions,
        desktops,
        apps,
        profiles,
        accounting,
        geolocation,
        addresses: ClientAddressPolicy::new(&config.trusted_proxy_cidr),
        gates: Gates::new(&config.controllers),
        settings,
    }))
}
