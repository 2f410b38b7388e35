//! The pipeline every request goes through, in pyos's order: route, method, path shape,
//! query, body length and type, client address, gate, token, guards, handler.

use super::context::Ctx;
use super::error::ApiError;
use super::handlers;
use super::pipeline::body::{has_body, parse_form, parse_json, read_limited, require_length};
use super::routes::{self, Guard, Input, RouteSpec};
use super::state::AppState;
use super::trace::loggable_body;
use crate::domain::identity::Caller;
use crate::domain::request::RequestFacts;
use bytes::Buf;
use futures::Stream;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use warp::reply::Response;

/// Everything warp extracted from one request.
pub struct RawRequest<S> {
    /// Method.
    pub method: Method,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers.
    pub headers: HeaderMap,
    /// TCP peer.
    pub peer: Option<SocketAddr>,
    /// Body stream.
    pub body: S,
}

/// Liveness and readiness probes.
fn is_probe(path: &str) -> bool {
    matches!(
        path.trim_end_matches('/'),
        "/API/healthz" | "/API/readyz" | "/API/manager/healthz" | "/API/manager/healtz"
    )
}

fn not_found(path: &str) -> ApiError {
    ApiError::not_found(format!("The path '{path}' was not found."))
}

/// Serves one request and writes its access log line.
pub async fn handle<S, B, E>(state: Arc<AppState>, request: RawRequest<S>) -> Response
where
    S: Stream<Item = Result<B, E>>,
    B: Buf,
{
    let started = Instant::now();
    let path = request.path.clone();
    let method = request.method.clone();
    let mut outcome = Outcome::default();
    let mut response = match process(&state, request, &mut outcome).await {
        Ok(response) => response,
        Err(error) => {
            outcome.error = Some(error.label());
            if let ApiError::Unavailable(backend) = error {
                state.metrics.backend_error(backend);
            }
            error.into_response()
        }
    };
    if let Some(allow) = outcome.allow.take() {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    if method == Method::HEAD {
        *response.body_mut() = bytes::Bytes::new().into();
    }
    if outcome.traced {
        log_response(&state, &path, &mut response).await;
    }
    let elapsed = started.elapsed();
    let latency_us = elapsed.as_micros() as u64;
    let userid = outcome.userid.as_deref().unwrap_or("-");
    let client_ip = ClientIp(outcome.client_ip);
    let error = outcome.error.unwrap_or("-");
    let status = response.status().as_u16();
    state
        .metrics
        .request(outcome.route.unwrap_or("none"), status, elapsed.as_secs_f64());
    // Probes come every few seconds from every load balancer and kubelet: they are
    // logged at debug, so the info log holds what users and operators did.
    if is_probe(&path) {
        tracing::debug!(target: "deskplane::access", method = %method, path = %path, status, latency_us, userid, client_ip = %client_ip, error);
    } else {
        tracing::info!(target: "deskplane::access", method = %method, path = %path, status, latency_us, userid, client_ip = %client_ip, error);
    }
    response
}

/// The client address for the access log, formatted only when a line is written.
struct ClientIp(Option<IpAddr>);

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

#[derive(Default)]
struct Outcome {
    route: Option<&'static str>,
    allow: Option<&'static str>,
    traced: bool,
    userid: Option<String>,
    client_ip: Option<IpAddr>,
    error: Option<&'static str>,
}

/// Writes the redacted response body to the trace (debug level only: it costs a copy).
async fn log_response(state: &AppState, path: &str, response: &mut Response) {
    if !tracing::enabled!(target: "deskplane::trace", tracing::Level::DEBUG) {
        return;
    }
    use http_body_util::BodyExt;
    let body = std::mem::take(response.body_mut());
    let bytes = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    tracing::debug!(target: "deskplane::trace", path = %path, body = %loggable_body(&bytes, state.settings.max_log_body_size), "response");
    *response.body_mut() = bytes.into();
}

fn split_path(path: &str) -> Option<(&str, String, Vec<String>)> {
    if path == "/metrics" {
        return Some((routes::PROMETHEUS_CONTROLLER, "metrics".into(), Vec::new()));
    }
    let rest = path.strip_prefix("/API/")?;
    let mut segments: Vec<&str> = rest.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    let route_name = |segment: &str| segment.replace(['-', '.'], "_");
    let decode = |segment: &&str| percent_decode(segment);
    match segments.as_slice() {
        [] => None,
        [only] => Some(("", route_name(only), Vec::new())),
        [controller, name, extra @ ..] => Some((controller, route_name(name), extra.iter().map(decode).collect())),
    }
}

fn percent_decode(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("abcauthorization")?.to_str().ok()?.strip_prefix("Bearer ")
}

async fn process<S, B, E>(
    state: &Arc<AppState>,
    request: RawRequest<S>,
    outcome: &mut Outcome,
) -> Result<Response, ApiError>
where
    S: Stream<Item = Result<B, E>>,
    B: Buf,
{
    let RawRequest {
        method,
        path,
        query,
        headers,
        peer,
        body,
    } = request;
    let (controller, name, extra) = split_path(&path).ok_or_else(|| not_found(&path))?;
    let spec: &RouteSpec = routes::find(controller, &name).ok_or_else(|| not_found(&path))?;
    outcome.allow = Some(spec.allow_header_for(&extra));
    outcome.route = Some(routes::label(spec.route));
    if !spec.allows(&method, &extra) {
        return Err(ApiError::method_not_allowed());
    }
    if extra.len() > spec.max_extra {
        return Err(not_found(&path));
    }
    let query: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let unexpected: Vec<&str> = query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !spec.accepts_parameter(k))
        .collect();
    if !unexpected.is_empty() {
        return Err(ApiError::not_found(format!(
            "Unexpected query string parameters: {}",
            unexpected.join(", ")
        )));
    }
    require_length(&method, &headers)?;
    let bytes = if has_body(&method) {
        // A slow body would hold its connection slot for ever: it gets a deadline too.
        tokio::time::timeout(
            state.settings.body_read_timeout,
            read_limited(&headers, body, state.settings.max_request_body),
        )
        .await
        .map_err(|_| ApiError::Http(StatusCode::REQUEST_TIMEOUT, "Request body timeout".into()))??
    } else {
        bytes::Bytes::new()
    };
    let json = if spec.input == Input::Json && has_body(&method) {
        Some(parse_json(&headers, &bytes)?)
    } else {
        None
    };
    let mut query = query;
    if spec.input == Input::Form && !bytes.is_empty() {
        for (key, value) in parse_form(&headers, &bytes)? {
            if !spec.accepts_parameter(&key) {
                return Err(ApiError::bad_request(format!("Unexpected form field: {key}")));
            }
            query.push((key, value));
        }
    }
    outcome.traced = spec.traced;
    if spec.traced && tracing::enabled!(target: "deskplane::trace", tracing::Level::DEBUG) && !bytes.is_empty() {
        tracing::debug!(target: "deskplane::trace", path = %path, body = %loggable_body(&bytes, state.settings.max_log_body_size), "request");
    }
    let peer_ip = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.ip());
    // Routes with no guard, gate, ban check or body (the probes, version, openapi) read
    // nothing of the request: they skip copying its headers into the facts.
    let bare = spec.guard == Guard::Open && !spec.gate && !spec.security_check && spec.input == Input::None;
    let facts = if bare {
        RequestFacts::from_ip(peer_ip.to_canonical())
    } else {
        state.addresses.facts(peer_ip, &headers)
    };
    outcome.client_ip = Some(facts.client_ip);
    if spec.gate {
        let scope = routes::required_scope(spec.route, &method);
        state
            .gates
            .check(spec.controller, &name, scope, facts.client_ip, &headers)?;
    }
    let caller = if spec.guard == Guard::Open {
        Caller::Anonymous
    } else {
        state.sessions.identify(bearer(&headers)).await
    };
    if spec.guard == Guard::Tool && caller == Caller::Anonymous {
        return Err(ApiError::unauthorized("Invalid token"));
    }
    // validate_env starts with the same ban and spoof check: run it once, or one spoofed
    // request would count two failures.
    if spec.security_check && matches!(spec.guard, Guard::Open | Guard::Soft) {
        state.sessions.security_check(&facts).await?;
    }
    let identity = match spec.guard {
        Guard::Validate | Guard::Tool => Some(state.sessions.validate(&facts, &caller).await?),
        Guard::Open | Guard::Soft => None,
    };
    outcome.userid = identity.as_ref().or(caller.identity()).map(|i| i.userid.to_string());
    let ctx = Ctx {
        state: state.clone(),
        method,
        extra,
        query,
        headers,
        facts,
        body: json,
        caller,
        identity,
        peer_port: peer.map(|p| p.port()),
    };
    handlers::run(spec.route, &ctx).await
}

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn paths_map_to_controller_route_and_extras() {
        assert_eq!(split_path("/API/healthz"), Some(("", "healthz".into(), vec![])));
        assert_eq!(
            split_path("/API/composer/launchdesktop/"),
            Some(("composer", "launchdesktop".into(), vec![]))
        );
        assert_eq!(
            split_path("/API/manager/dry-run.desktop"),
            Some(("manager", "dry_run_desktop".into(), vec![]))
        );
        assert_eq!(
            split_path("/API/manager/ban/login/fry%40planet"),
            Some(("manager", "ban".into(), vec!["login".into(), "fry@planet".into()]))
        );
        assert_eq!(split_path("/API/"), None);
        assert_eq!(split_path("/other"), None);
    }
}
