//! Gate G, `is_permit_request` (api.md §5.2): controller switch, client networks, API key,
//! per-route switches. Checked in pyos 4.x order; the API key is compared in constant time.

use crate::config::ControllerConfig;
use crate::domain::rules::parse_network;
use crate::http::error::ApiError;
use ipnet::IpNet;
use sha2::Digest as _;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use subtle::ConstantTimeEq;
use warp::http::HeaderMap;

#[derive(Debug, Clone)]
struct ControllerGate {
    enabled: bool,
    permit: Option<Vec<IpNet>>,
    api_keys: Option<Vec<Vec<u8>>>,
    /// SHA-256 of each scoped key, with its scopes.
    scoped_keys: Vec<([u8; 32], Vec<String>)>,
    requests_allowed: Option<BTreeMap<String, bool>>,
}

/// The 32 bytes of a lowercase or uppercase hex SHA-256; `None` for anything else.
fn digest_of_hex(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.trim().as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut digest = [0u8; 32];
    for (index, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        digest[index] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(digest)
}

/// What a gate asks of a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateRequirement {
    /// Every call is refused (controller disabled, route switched off, no rule).
    Closed,
    /// An `X-API-Key` (besides the client network, when `permitip` is set).
    ApiKey,
    /// Only the client network, when `permitip` is set.
    Network,
}

/// The gates of every controller, built once at boot.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    controllers: HashMap<String, ControllerGate>,
}

impl Gates {
    /// Builds the gates from `controllers`.
    pub fn new(config: &BTreeMap<String, ControllerConfig>) -> Self {
        let controllers = config
            .iter()
            .map(|(name, c)| {
                let gate = ControllerGate {
                    enabled: c.enable,
                    permit: c
                        .permitip
                        .as_ref()
                        .map(|nets| nets.iter().filter_map(|n| parse_network(n)).collect()),
                    api_keys: c
                        .apikey
                        .as_ref()
                        .map(|keys| keys.iter().map(|k| k.as_bytes().to_vec()).collect()),
                    scoped_keys: c
                        .apikeys
                        .iter()
                        .filter_map(|key| Some((digest_of_hex(&key.sha256)?, key.scopes.clone())))
                        .collect(),
                    requests_allowed: c.requestsallowed.clone(),
                };
                (name.clone(), gate)
            })
            .collect();
        Self { controllers }
    }

    /// What the gate of `controller` asks of a call to `route_name`, for the OpenAPI
    /// document: closed (refused whatever is sent), an `X-API-Key`, or nothing but the
    /// client's network.
    pub fn requirement(&self, controller: &str, route_name: &str) -> GateRequirement {
        let Some(gate) = self.controllers.get(controller).filter(|gate| gate.enabled) else {
            return GateRequirement::Closed;
        };
        if gate
            .requests_allowed
            .as_ref()
            .is_some_and(|allowed| allowed.get(route_name) == Some(&false))
        {
            return GateRequirement::Closed;
        }
        if gate.api_keys.is_some() || !gate.scoped_keys.is_empty() {
            return GateRequirement::ApiKey;
        }
        GateRequirement::Network
    }

    /// Checks a request to `route_name` of `controller` from `client_ip`, which needs
    /// `scope` from a scoped key (a key of the plain `apikey` list may do everything).
    ///
    /// # Errors
    /// 403 with pyos's `403.x` messages.
    pub fn check(
        &self,
        controller: &str,
        route_name: &str,
        scope: &str,
        client_ip: IpAddr,
        headers: &HeaderMap,
    ) -> Result<(), ApiError> {
        // Fail closed: a gated route of a controller without a rule is refused (the
        // defaults give every gated controller one; see `config::default_controllers`).
        let Some(gate) = self.controllers.get(controller) else {
            tracing::warn!(controller, "a gated route has no controller rule; refused");
            return Err(ApiError::forbidden("403.10 - Invalid configuration"));
        };
        if !gate.enabled {
            return Err(ApiError::forbidden("403.10 - Invalid configuration"));
        }
        if let Some(permit) = &gate.permit
            && !permit.iter().any(|net| net.contains(&client_ip))
        {
            return Err(ApiError::forbidden("403.7 - IP address access denied"));
        }
        if gate.api_keys.is_some() || !gate.scoped_keys.is_empty() {
            let presented = headers.get("x-api-key").map(|v| v.as_bytes()).unwrap_or_default();
            // Compare with every key, without stopping at the first match.
            let full = gate
                .api_keys
                .iter()
                .flatten()
                .fold(0u8, |found, key| found | key.as_slice().ct_eq(presented).unwrap_u8());
            let digest: [u8; 32] = sha2::Sha256::digest(presented).into();
            let mut scoped: Option<&Vec<String>> = None;
            for (hash, scopes) in &gate.scoped_keys {
                if bool::from(hash.ct_eq(&digest)) {
                    scoped = Some(scopes);
                }
            }
            if presented.is_empty() || (full == 0 && scoped.is_none()) {
                return Err(ApiError::forbidden("403.1 - Execute access forbidden"));
            }
            if full == 0
                && let Some(scopes) = scoped
                && !scopes.iter().any(|held| held == scope || held == "admin")
            {
                return Err(ApiError::forbidden(format!(
                    "403.1 - Execute access forbidden: this key lacks the '{scope}' scope"
                )));
            }
        }
        if let Some(allowed) = &gate.requests_allowed
            && allowed.get(route_name) == Some(&false)
        {
            return Err(ApiError::forbidden("403.8 - Site access denied"));
        }
        Ok(())
    }
}
