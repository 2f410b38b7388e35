//! Gate G, `is_permit_request` (api.md §5.2): controller switch, client networks, API key,
//! per-route switches. Checked in pyos 4.x order; the API key is compared in constant time.

use crate::config::ControllerConfig;
use crate::domain::rules::parse_network;
use crate::http::error::ApiError;
use ipnet::IpNet;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use subtle::ConstantTimeEq;
use warp::http::HeaderMap;

#[derive(Debug, Clone)]
struct ControllerGate {
    enabled: bool,
    permit: Option<Vec<IpNet>>,
    api_keys: Option<Vec<Vec<u8>>>,
    requests_allowed: Option<BTreeMap<String, bool>>,
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
                    requests_allowed: c.requestsallowed.clone(),
                };
                (name.clone(), gate)
            })
            .collect();
        Self { controllers }
    }

    /// Checks a request to `route_name` of `controller` from `client_ip`.
    ///
    /// # Errors
    /// 403 with pyos's `403.x` messages.
    pub fn check(
        &self,
        controller: &str,
        route_name: &str,
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
        if let Some(keys) = &gate.api_keys {
            let presented = headers.get("x-api-key").map(|v| v.as_bytes()).unwrap_or_default();
            // Compare with every key, without stopping at the first match.
            let matched = keys
                .iter()
                .fold(0u8, |found, key| found | key.as_slice().ct_eq(presented).unwrap_u8());
            if matched == 0 || presented.is_empty() {
                return Err(ApiError::forbidden("403.1 - Execute access forbidden"));
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
