//! Validation: every problem of a config, each named by its key.

use super::auth::parse_managers;
use super::model::Config;
use crate::domain::rules::parse_network;
use std::fmt;

/// One problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key, e.g. `fail2ban.protectednetworks[1]`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// Builds a problem.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

const WEBSOCKET_ROUTINGS: [&str; 5] = ["http_origin", "default_host_url", "bridge", "host", "http_host"];
const CONTROLLERS: [&str; 9] = [
    "AuthController",
    "ComposerController",
    "CoreController",
    "ManagerController",
    "StoreController",
    "UserController",
    "AccountingController",
    "KeyController",
    // deskplane's own: `GET /metrics`.
    "MetricsController",
];
/// Controllers pyos removed (`/API/desktop/dns`, `/API/printer`, 2022) that od.config 4.4
/// still configures: accepted and unused, so an operator's file keeps loading.
pub(crate) const RETIRED_CONTROLLERS: [&str; 2] = ["DesktopController", "PrinterController"];

fn check_networks(problems: &mut Vec<Problem>, key: &str, networks: &[String]) {
    for (index, network) in networks.iter().enumerate() {
        if parse_network(network).is_none() {
            problems.push(Problem::new(
                format!("{key}[{index}]"),
                format!("'{network}' is not a CIDR or an IP address"),
            ));
        }
    }
}

/// Lists every problem of `config` (empty when it is usable).
pub fn check(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !WEBSOCKET_ROUTINGS.contains(&config.websocketrouting.as_str()) {
        problems.push(Problem::new(
            "websocketrouting",
            format!("must be one of {}", WEBSOCKET_ROUTINGS.join(", ")),
        ));
    }
    if config.websocketrouting == "default_host_url" && config.default_host_url.is_none() {
        problems.push(Problem::new(
            "default_host_url",
            "required when websocketrouting is default_host_url",
        ));
    }
    check_networks(&mut problems, "trusted_proxy_cidr", &config.trusted_proxy_cidr);
    check_networks(
        &mut problems,
        "rate_limit.exempt_networks",
        &config.rate_limit.exempt_networks,
    );
    check_networks(
        &mut problems,
        "fail2ban.protectednetworks",
        &config.fail2ban.protectednetworks,
    );
    if !(1..=128).contains(&config.fail2ban.ipv6_prefix_length) {
        problems.push(Problem::new("fail2ban.ipv6_prefix_length", "must be between 1 and 128"));
    }
    if config.fail2ban.failsbeforeban == 0 {
        problems.push(Problem::new("fail2ban.failsbeforeban", "must be at least 1"));
    }
    if config.fail2ban.banexpireafterseconds <= 0 {
        problems.push(Problem::new("fail2ban.banexpireafterseconds", "must be positive"));
    }
    for (name, controller) in &config.controllers {
        if !CONTROLLERS.contains(&name.as_str()) && !RETIRED_CONTROLLERS.contains(&name.as_str()) {
            problems.push(Problem::new(
                format!("controllers.{name}"),
                format!("unknown controller (known: {})", CONTROLLERS.join(", ")),
            ));
        }
        if let Some(networks) = &controller.permitip {
            check_networks(&mut problems, &format!("controllers.{name}.permitip"), networks);
        }
        for (index, key) in controller.apikeys.iter().enumerate() {
            let at = format!("controllers.{name}.apikeys[{index}]");
            let hex = key.sha256.trim();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                problems.push(Problem::new(
                    format!("{at}.sha256"),
                    "must be the 64 hex digits of the key's SHA-256 (printf %s KEY | sha256sum)",
                ));
            }
            if key.scopes.is_empty() {
                problems.push(Problem::new(format!("{at}.scopes"), "give at least one scope"));
            }
            for scope in key
                .scopes
                .iter()
                .filter(|s| !super::API_KEY_SCOPES.contains(&s.as_str()))
            {
                problems.push(Problem::new(
                    format!("{at}.scopes"),
                    format!(
                        "unknown scope '{scope}' (available: {})",
                        super::API_KEY_SCOPES.join(", ")
                    ),
                ));
            }
        }
        if controller
            .apikey
            .as_ref()
            .is_some_and(|keys| keys.iter().any(String::is_empty))
        {
            problems.push(Problem::new(
                format!("controllers.{name}.apikey"),
                "keys must not be empty",
            ));
        }
    }
    for (key, value) in [
        ("jwt_token_user.exp", config.jwt_token_user.exp),
        ("jwt_token_desktop.exp", config.jwt_token_desktop.exp),
    ] {
        if value <= 0 {
            problems.push(Problem::new(key, "must be a positive number of seconds"));
        }
    }
    if config.jwt_token_user.leeway < 0 {
        problems.push(Problem::new("jwt_token_user.leeway", "must not be negative"));
    }
    let explicit = [
        (
            "jwt_token_user.jwtuserprivatekeyfile",
            config.jwt_token_user.jwtuserprivatekeyfile.is_some(),
        ),
        (
            "jwt_token_user.jwtuserpublickeyfile",
            config.jwt_token_user.jwtuserpublickeyfile.is_some(),
        ),
        (
            "jwt_token_desktop.jwtdesktopprivatekeyfile",
            config.jwt_token_desktop.jwtdesktopprivatekeyfile.is_some(),
        ),
        (
            "jwt_token_desktop.payloaddesktoppublickeyfile",
            config.jwt_token_desktop.payloaddesktoppublickeyfile.is_some(),
        ),
    ];
    if config.keys.directory.is_none() {
        for (key, set) in explicit {
            if !set {
                problems.push(Problem::new(key, "required unless keys.directory is set"));
            }
        }
    }
    if !matches!(config.backends.orchestrator.as_str(), "memory" | "kubernetes") {
        problems.push(Problem::new(
            "backends.orchestrator",
            format!(
                "unknown backend '{}' (available: memory, kubernetes)",
                config.backends.orchestrator
            ),
        ));
    }
    if config.backends.orchestrator == "kubernetes" && config.desktop.pod.pointer("/graphical/image").is_none() {
        problems.push(Problem::new(
            "desktop.pod.graphical.image",
            "required by the kubernetes orchestrator",
        ));
    }
    if config.garbage_collector.expirein_seconds < 0 {
        problems.push(Problem::new(
            "garbage_collector.expirein_seconds",
            "must not be negative",
        ));
    }
    if config.kubernetes.create_pod_timeout_seconds == 0 {
        problems.push(Problem::new(
            "kubernetes.create_pod_timeout_seconds",
            "must be positive",
        ));
    }
    backends::check_backends(config, &mut problems);
    home::check_home(config, &mut problems);
    policy_rules::check_volume_rules(config, &mut problems);
    policy_rules::check_network_rules(config, &mut problems);
    if config.memory.first_address.parse::<std::net::Ipv4Addr>().is_err() {
        problems.push(Problem::new("memory.first_address", "must be an IPv4 address"));
    }
    for (index, entry) in config.memory.geolocation.iter().enumerate() {
        if parse_network(&entry.network).is_none() {
            problems.push(Problem::new(
                format!("memory.geolocation[{index}].network"),
                format!("'{}' is not a CIDR", entry.network),
            ));
        }
    }
    if !matches!(config.logging.format.as_str(), "text" | "json") {
        problems.push(Problem::new("logging.format", "must be text or json"));
    }
    if config.server.geolocation_ipaddr.parse::<std::net::IpAddr>().is_err() {
        problems.push(Problem::new("server.geolocation_ipaddr", "must be an IP address"));
    }
    for (name, value) in &config.desktop.envlocalrules {
        if !value.is_object() {
            problems.push(Problem::new(
                format!("desktop.envlocalrules.{name}"),
                "must be a table of environment variables",
            ));
        }
    }
    let (managers, auth_problems, _) = parse_managers(&config.authmanagers);
    problems.extend(auth_problems);
    check_provider_approvals(&managers, &mut problems);
    check_metadirectory(&managers, &mut problems);
    check_dc_locators(&managers, &mut problems);
    check_prelogin(&config.prelogin, &mut problems);
    check_logmein(config, &mut problems);
    problems
}

/// Logmein trusts a proxy's header: it needs to know the proxies.
fn check_logmein(config: &Config, problems: &mut Vec<Problem>) {
    let logmein = &config.logmein;
    if !logmein.enable {
        return;
    }
    if logmein.network_list.is_empty() && config.trusted_proxy_cidr.is_empty() {
        problems.push(Problem::new(
            "logmein.network_list",
            "logmein trusts the proxy that calls it: name the proxies here or in trusted_proxy_cidr",
        ));
    }
    for network in &logmein.network_list {
        if network.parse::<ipnet::IpNet>().is_err() {
            problems.push(Problem::new(
                "logmein.network_list",
                format!("{network} is not a network (CIDR)"),
            ));
        }
    }
}

/// Prelogin needs its page and networks that parse (pyos silently turned it off).
fn check_prelogin(prelogin: &super::login_routes::PreloginConfig, problems: &mut Vec<Problem>) {
    if !prelogin.enable {
        return;
    }
    if prelogin.url.as_deref().is_none_or(|url| url.trim().is_empty()) {
        problems.push(Problem::new("prelogin.url", "required by prelogin.enable = true"));
    }
    for network in &prelogin.network_list {
        if network.parse::<ipnet::IpNet>().is_err() {
            problems.push(Problem::new(
                "prelogin.network_list",
                format!("{network} is not a network (CIDR)"),
            ));
        }
    }
}

/// `explicitproviderapproval` must name an enabled explicit provider.
fn check_provider_approvals(managers: &[super::auth::ManagerConfig], problems: &mut Vec<Problem>) {
    let explicit: Vec<&str> = managers
        .iter()
        .filter(|m| m.kind == crate::domain::auth::ManagerKind::Explicit)
        .flat_map(|m| m.providers.iter().map(|p| p.name.as_str()))
        .collect();
    for manager in managers {
        for provider in &manager.providers {
            if let Some(target) = &provider.explicitproviderapproval
                && !explicit.contains(&target.as_str())
            {
                problems.push(Problem::new(
                    format!(
                        "authmanagers.{}.providers.{}.explicitproviderapproval",
                        manager.kind.name(),
                        provider.name
                    ),
                    format!("{target} is not an enabled provider of the explicit manager"),
                ));
            }
        }
    }
}

/// The metadirectory provider is an Active Directory provider (`domain`) with a join
/// attribute and a service account: without them no meta-forest account can be read.
fn check_metadirectory(managers: &[super::auth::ManagerConfig], problems: &mut Vec<Problem>) {
    let metas = managers
        .iter()
        .filter(|m| m.kind == crate::domain::auth::ManagerKind::MetaExplicit)
        .flat_map(|m| m.providers.iter());
    for provider in metas {
        let key = format!("authmanagers.metaexplicit.providers.{}", provider.name);
        if provider.ldap.join_key_ldapattribut.as_deref().is_none_or(str::is_empty) {
            problems.push(Problem::new(
                format!("{key}.join_key_ldapattribut"),
                "required: the meta-forest attribute naming the home account (DOMAIN\\user)",
            ));
        }
        if provider.ldap.serviceaccount.is_none() {
            problems.push(Problem::new(
                format!("{key}.serviceaccount"),
                "required: meta-forest accounts are looked up with it",
            ));
        }
        if provider.domain.is_none() {
            problems.push(Problem::new(
                format!("{key}.domain"),
                "required: the metadirectory is an Active Directory forest",
            ));
        }
    }
}

/// `query_dcs` needs the domain's DNS name, and `dns_server` must be `host:port`.
fn check_dc_locators(managers: &[super::auth::ManagerConfig], problems: &mut Vec<Problem>) {
    for manager in managers {
        for provider in &manager.providers {
            let key = format!("authmanagers.{}.providers.{}", manager.kind.name(), provider.name);
            let ldap = &provider.ldap;
            if ldap.query_dcs && ldap.domain_fqdn.as_deref().is_none_or(str::is_empty) {
                problems.push(Problem::new(
                    format!("{key}.query_dcs"),
                    "needs domain_fqdn: the controllers are _ldap._tcp.<domain_fqdn>",
                ));
            }
            if let Some(server) = &ldap.dns_server
                && server.parse::<std::net::SocketAddr>().is_err()
            {
                problems.push(Problem::new(
                    format!("{key}.dns_server"),
                    format!("{server} is not an address and port (127.0.0.1:53)"),
                ));
            }
        }
    }
}

mod backends;
mod home;
mod policy_rules;

#[cfg(test)]
mod tests;
