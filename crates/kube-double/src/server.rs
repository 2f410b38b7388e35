//! The HTTP front of the double: Kubernetes REST paths, verbs, selectors, watches.

use super::DoubleSettings;
use super::resources;
use super::store::{ApiStatus, Cluster};
use super::verbs::{Target, respond};
use bytes::Bytes;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use warp::Filter;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method, StatusCode, header};
use warp::reply::{Reply, Response};

/// A running double.
pub struct DoubleServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state, for tests to inspect.
    pub cluster: Arc<Cluster>,
    /// The CA that signed its serving certificate (PEM), when it serves HTTPS.
    pub ca_pem: Option<String>,
    stop: Option<oneshot::Sender<()>>,
}

impl DoubleServer {
    /// The base URL (`https://127.0.0.1:<port>`, or `http://` without TLS).
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// A kubeconfig pointing at this double, with its CA and its token.
    pub fn kubeconfig(&self, namespace: &str) -> String {
        use base64::Engine as _;
        let token = self.cluster.settings.token.clone().unwrap_or_else(|| "none".into());
        let authority = self.ca_pem.as_ref().map_or_else(String::new, |pem| {
            format!(
                "    certificate-authority-data: {}\n",
                base64::engine::general_purpose::STANDARD.encode(pem)
            )
        });
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: double\n  cluster:\n    server: {}\n{authority}contexts:\n- name: double\n  context:\n    cluster: double\n    user: double\n    namespace: {namespace}\ncurrent-context: double\nusers:\n- name: double\n  user:\n    token: {token}\n",
            self.url()
        )
    }
}

impl Drop for DoubleServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the double on `listener` (HTTPS unless `settings.tls` is false).
pub fn start(settings: DoubleSettings, listener: TcpListener) -> std::io::Result<DoubleServer> {
    let addr = listener.local_addr()?;
    let tls = settings.tls.then(|| super::tls::serving_tls(addr.ip())).transpose()?;
    let ca_pem = tls.as_ref().map(|tls| tls.ca_pem.clone());
    let cluster = Cluster::new(settings);
    let shared = cluster.clone();
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    let routes = warp::any()
        .and(warp::method())
        .and(warp::path::full())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(warp::body::bytes())
        .then(
            move |method: Method, path: FullPath, query: String, headers: HeaderMap, body: Bytes| {
                let cluster = shared.clone();
                async move { handle(cluster, method, path.as_str(), &query, &headers, body).await }
            },
        );
    let exec_cluster = cluster.clone();
    let exec = warp::path!("api" / "v1" / "namespaces" / String / "pods" / String / "exec")
        .and(warp::query::raw())
        .and(warp::header::headers_cloned())
        .and(warp::ws())
        .map(
            move |namespace: String, pod: String, query: String, headers: HeaderMap, ws: warp::ws::Ws| {
                let cluster = exec_cluster.clone();
                if let Some(refused) = unauthorized(&cluster, &headers) {
                    return refused;
                }
                let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
                let request = super::exec::ExecRequest {
                    namespace,
                    pod,
                    container: params.iter().find(|(k, _)| k == "container").map(|(_, v)| v.clone()),
                    command: params
                        .iter()
                        .filter(|(k, _)| k == "command")
                        .map(|(_, v)| v.clone())
                        .collect(),
                };
                // kubectl offers only v5 (v4 plus a close signal this double does not need),
                // kube-rs v4; an API server answers the newest the client offers.
                let offered = headers
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let protocol = if offered.split(',').any(|p| p.trim() == "v5.channel.k8s.io") {
                    "v5.channel.k8s.io"
                } else {
                    "v4.channel.k8s.io"
                };
                let reply = ws.on_upgrade(move |socket| super::exec::run(cluster, request, socket));
                warp::reply::with_header(reply, "sec-websocket-protocol", protocol).into_response()
            },
        );
    let routes = exec.or(routes).unify();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(super::serve::accept_loop(listener, warp::service(routes), tls, stopped));
    Ok(DoubleServer {
        addr,
        cluster,
        ca_pem,
        stop: Some(stop),
    })
}

/// A JSON answer with a status.
pub fn json_response(status: u16, value: &Value) -> Response {
    let mut response = Response::new(value.to_string().into());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

fn failure(status: ApiStatus) -> Response {
    json_response(status.code, &status.to_json())
}

/// The 401 answer when a token is required and the request does not carry it.
fn unauthorized(cluster: &Cluster, headers: &HeaderMap) -> Option<Response> {
    let token = cluster.settings.token.as_ref()?;
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    (presented != Some(format!("Bearer {token}").as_str())).then(|| {
        failure(ApiStatus {
            code: 401,
            reason: "Unauthorized",
            message: "Unauthorized".into(),
        })
    })
}

fn status_reason(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Gone",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        _ => "InternalError",
    }
}

fn parse_target(path: &str) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (api_version, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("v1".to_owned(), rest),
        ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
        _ => return None,
    };
    let find = |plural: &str| resources::find(&api_version, plural);
    let owned = |s: &&str| (*s).to_owned();
    match rest {
        ["namespaces", ns, plural, tail @ ..] if find(plural).is_some_and(|r| r.namespaced) => Some(Target {
            resource: find(plural)?,
            namespace: Some((*ns).to_owned()),
            name: tail.first().map(owned),
            subresource: tail.get(1).map(owned),
        }),
        [plural, tail @ ..] => Some(Target {
            resource: find(plural)?,
            namespace: None,
            name: tail.first().map(owned),
            subresource: tail.get(1).map(owned),
        }),
        _ => None,
    }
}

async fn handle(
    cluster: Arc<Cluster>,
    method: Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = unauthorized(&cluster, headers) {
        return refused;
    }
    match path.trim_end_matches('/') {
        "/version" => {
            return json_response(
                200,
                &json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-deskplane-double", "platform": "linux/amd64"}),
            );
        }
        "/api" => {
            return json_response(
                200,
                &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}),
            );
        }
        "/apis" => {
            return json_response(
                200,
                &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "coordination.k8s.io",
                "versions": [{"groupVersion": "coordination.k8s.io/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "coordination.k8s.io/v1", "version": "v1"}}]}),
            );
        }
        other => {
            let group_version = other
                .strip_prefix("/api/")
                .or_else(|| other.strip_prefix("/apis/"))
                .filter(|gv| gv.matches('/').count() <= 1 && (gv.starts_with('v') || gv.contains('/')));
            if let Some(list) = group_version.and_then(super::resources::resource_list) {
                return json_response(200, &list);
            }
        }
    }
    let Some(target) = parse_target(path) else {
        return failure(ApiStatus {
            code: 404,
            reason: "NotFound",
            message: format!("the server could not find the requested resource ({path})"),
        });
    };
    let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    // The API server parses `watch` as a Go bool: the Python client sends `True`.
    let watching = params
        .get("watch")
        .is_some_and(|w| matches!(w.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"));
    let verb = match (&method, &target.name) {
        (&Method::GET, None) if watching => "watch",
        (&Method::GET, None) => "list",
        (&Method::GET, Some(_)) => "get",
        (&Method::POST, _) => "create",
        (&Method::PATCH, _) => "patch",
        (&Method::PUT, _) => "update",
        (&Method::DELETE, _) => "delete",
        _ => "other",
    };
    for latency in &cluster.settings.latencies {
        if (latency.verb == "*" || latency.verb == verb)
            && (latency.resource == "*" || latency.resource == target.resource.plural)
        {
            tokio::time::sleep(latency.delay).await;
        }
    }
    if let Some(code) = cluster
        .runtime
        .fault_for(&cluster.settings.faults, verb, target.resource.plural)
    {
        return failure(ApiStatus {
            code,
            reason: status_reason(code),
            message: format!("injected failure on {verb} {}", target.resource.plural),
        });
    }
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(e) => {
                return failure(ApiStatus {
                    code: 400,
                    reason: "BadRequest",
                    message: format!("invalid JSON body: {e}"),
                });
            }
        }
    };
    respond(&cluster, verb, &target, &params, headers, body).unwrap_or_else(failure)
}
