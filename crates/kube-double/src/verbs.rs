//! The API verbs on a parsed target: list, watch, get, log, create, patch, update, delete.

use super::kubelet;
use super::resources::Resource;
use super::selectors::Selector;
use super::store::{ApiStatus, Cluster, PODS};
use super::watch::{self, WatchRequest};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use warp::http::{HeaderMap, header};
use warp::reply::{Reply, Response};

/// A parsed API path.
pub struct Target {
    /// Resource.
    pub resource: Resource,
    /// Namespace.
    pub namespace: Option<String>,
    /// Object name.
    pub name: Option<String>,
    /// Subresource.
    pub subresource: Option<String>,
}

fn selector(params: &HashMap<String, String>, key: &str) -> Result<Selector, ApiStatus> {
    Selector::parse(params.get(key).map_or("", String::as_str)).ok_or_else(|| ApiStatus {
        code: 400,
        reason: "BadRequest",
        message: format!("unable to parse {key}"),
    })
}

pub fn respond(
    cluster: &Arc<Cluster>,
    verb: &str,
    target: &Target,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: Value,
) -> Result<Response, ApiStatus> {
    let resource = &target.resource;
    let namespace = target.namespace.as_deref();
    let name = target.name.as_deref().unwrap_or_default();
    match (verb, target.subresource.as_deref()) {
        ("list", None) => {
            let (items, revision) = cluster.list(
                resource,
                namespace,
                &selector(params, "labelSelector")?,
                &selector(params, "fieldSelector")?,
            );
            Ok(super::server::json_response(
                200,
                &json!({"kind": format!("{}List", resource.kind), "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": revision.to_string()}, "items": items}),
            ))
        }
        ("watch", None) => {
            let request = WatchRequest {
                resource: *resource,
                namespace: target.namespace.clone(),
                labels: selector(params, "labelSelector")?,
                fields: selector(params, "fieldSelector")?,
                since: params.get("resourceVersion").and_then(|v| v.parse().ok()),
                timeout: {
                    let asked = Duration::from_secs(
                        params
                            .get("timeoutSeconds")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1800),
                    );
                    cluster.settings.watch_max.map_or(asked, |max| asked.min(max))
                },
                bookmarks: params.get("allowWatchBookmarks").is_some_and(|v| v == "true"),
            };
            let mut response = warp::reply::stream(watch::stream(cluster.clone(), request)).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            Ok(response)
        }
        ("get", None) => Ok(super::server::json_response(
            200,
            cluster.get(resource, namespace, name)?.as_ref(),
        )),
        ("get", Some("log")) => {
            let pod = cluster.get(resource, namespace, name)?;
            let container = params
                .get("container")
                .cloned()
                .or_else(|| {
                    pod.pointer("/spec/containers/0/name")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let text = cluster
                .runtime
                .logs(namespace.unwrap_or_default(), name, &container)
                .ok_or_else(|| ApiStatus {
                    code: 400,
                    reason: "BadRequest",
                    message: format!("container \"{container}\" in pod \"{name}\" is waiting to start"),
                })?;
            let mut response = Response::new(text.into());
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
            Ok(response)
        }
        ("get", Some("ephemeralcontainers")) => Ok(super::server::json_response(
            200,
            cluster.get(resource, namespace, name)?.as_ref(),
        )),
        ("create", None) => {
            if resource.plural == PODS.plural {
                validate_pod(&body)?;
            }
            if params.get("dryRun").is_some_and(|d| d == "All") {
                return Ok(super::server::json_response(201, &body));
            }
            let from_body = body
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let namespace = namespace
                .map(str::to_owned)
                .or(from_body)
                .filter(|_| resource.namespaced);
            Ok(super::server::json_response(
                201,
                cluster.create(resource, namespace.as_deref(), body)?.as_ref(),
            ))
        }
        ("patch", subresource) => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let strategic = content_type.starts_with("application/strategic-merge-patch+json");
            if !strategic && !content_type.starts_with("application/merge-patch+json") {
                return Err(ApiStatus {
                    code: 415,
                    reason: "UnsupportedMediaType",
                    message: format!(
                        "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json ({content_type})"
                    ),
                });
            }
            let before: Vec<String> = ephemeral_names(cluster.get(resource, namespace, name)?.as_ref());
            if subresource == Some("ephemeralcontainers") {
                let mut preview = cluster.get(resource, namespace, name)?.as_ref().clone();
                super::patch::strategic(&mut preview, &body);
                validate_pod(&preview)?;
            }
            let patched = cluster.patch(resource, namespace, name, &body, strategic)?;
            if subresource == Some("ephemeralcontainers") {
                let added: Vec<(String, String)> = patched
                    .pointer("/spec/ephemeralContainers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        Some((
                            c["name"].as_str()?.to_owned(),
                            c["image"].as_str().unwrap_or_default().to_owned(),
                        ))
                    })
                    .filter(|(n, _)| !before.contains(n))
                    .collect();
                kubelet::start_ephemeral(
                    cluster.clone(),
                    namespace.unwrap_or_default().to_owned(),
                    name.to_owned(),
                    added,
                );
            }
            Ok(super::server::json_response(200, &patched))
        }
        ("update", None) => Ok(super::server::json_response(
            200,
            cluster.replace(resource, namespace, name, body)?.as_ref(),
        )),
        ("delete", None) => {
            let grace = params
                .get("gracePeriodSeconds")
                .and_then(|v| v.parse().ok())
                .or_else(|| body.get("gracePeriodSeconds").and_then(Value::as_i64));
            let deleted = cluster.delete(resource, namespace, name, grace)?;
            if resource.plural == PODS.plural {
                Ok(super::server::json_response(200, &deleted))
            } else {
                Ok(super::server::json_response(
                    200,
                    &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": {"name": name, "kind": resource.plural, "uid": deleted.pointer("/metadata/uid")}}),
                ))
            }
        }
        _ => Err(ApiStatus {
            code: 405,
            reason: "MethodNotAllowed",
            message: format!("{verb} is not supported here"),
        }),
    }
}

/// Rejects a pod whose containers mount volumes the pod does not declare (422), as the
/// API server's validation does.
fn validate_pod(pod: &Value) -> Result<(), ApiStatus> {
    let declared: Vec<&str> = pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for container in pod
            .pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for mount in container["volumeMounts"].as_array().into_iter().flatten() {
                let name = mount["name"].as_str().unwrap_or_default();
                if !declared.contains(&name) {
                    return Err(ApiStatus {
                        code: 422,
                        reason: "Invalid",
                        message: format!(
                            "Pod \"{}\" is invalid: spec.{list}[].volumeMounts[].name: Not found: \"{name}\"",
                            pod.pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

fn ephemeral_names(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/ephemeralContainers")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
