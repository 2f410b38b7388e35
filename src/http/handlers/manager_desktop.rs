//! `/API/manager/desktop/*` and `/API/manager/garbagecollector`.

use crate::domain::apps::AppRef;
use crate::domain::desktop::{Desktop, GcRequest};
use crate::domain::naming::is_object_name;
use crate::domain::time::iso8601;
use crate::http::context::Ctx;
use crate::http::envelope::raw;
use crate::http::error::ApiError;
use serde_json::{Value, json};
use warp::http::Method;
use warp::reply::Response;

/// The serialised desktop of the list endpoints (orchestration.md §1.6), no VNC password.
fn document(desktop: &Desktop) -> Value {
    json!({
        "id": desktop.name, "ipAddr": desktop.ip_addr, "status": desktop.phase.as_str(),
        "container_id": desktop.container_id, "creation_timestamp": iso8601(desktop.created),
        "nodehostname": desktop.node, "vncPassword": null, "hostname": desktop.hostname,
        "container_name": desktop.container_name, "name": desktop.name, "fqdn": null,
        "desktop_interfaces": {}, "websocketroute": desktop.websocketroute, "websocketrouting": desktop.websocketrouting,
        "userid": desktop.owner.userid.as_str(), "provider": desktop.owner.provider,
    })
}

async fn desktop_named(ctx: &Ctx, name: &str) -> Result<Desktop, ApiError> {
    Ok(ctx.state.desktops.by_name(name).await?)
}

/// Lists, describes and removes desktops and their applications.
pub async fn desktop(ctx: &Ctx) -> Result<Response, ApiError> {
    let segments: Vec<&str> = ctx.extra.iter().map(String::as_str).collect();
    // Names go into orchestrator API paths: anything that is not an object name is refused.
    if !segments.iter().all(|s| is_object_name(s) || *s == "resources_usage") {
        return Err(ApiError::bad_request("invalid desktop or container name"));
    }
    let desktops = &ctx.state.desktops;
    match (&ctx.method, segments.as_slice()) {
        (&Method::GET | &Method::HEAD, []) => {
            let all = desktops.list_all().await?;
            Ok(raw(&all.iter().map(document).collect::<Vec<_>>()))
        }
        (&Method::GET | &Method::HEAD, [name]) => Ok(raw(&desktops.describe_by_name(name).await?)),
        (&Method::GET | &Method::HEAD, [name, "resources_usage"]) => {
            Ok(raw(&desktops.resources_usage(name, None).await?))
        }
        (&Method::GET | &Method::HEAD, [name, "container" | "pod", id, "resources_usage"]) => {
            Ok(raw(&desktops.resources_usage(name, Some(id)).await?))
        }
        (&Method::GET | &Method::HEAD, [name, "container" | "pod"]) => {
            let desktop = desktop_named(ctx, name).await?;
            Ok(raw(&ctx.state.apps.list_in(&desktop).await?))
        }
        (&Method::GET | &Method::HEAD, [name, "container" | "pod", id]) => {
            let desktop = desktop_named(ctx, name).await?;
            let apps = ctx.state.apps.list_in(&desktop).await?;
            let app = apps
                .into_iter()
                .find(|a| a["id"] == *id || a["podname"] == *id)
                .ok_or_else(|| ApiError::not_found("container not found"))?;
            Ok(raw(&app))
        }
        (&Method::DELETE, [name]) => {
            desktops.remove_by_name(name, &ctx.facts).await?;
            Ok(raw(&true))
        }
        (&Method::DELETE, [name, kind @ ("container" | "pod"), id]) => {
            let desktop = desktop_named(ctx, name).await?;
            let podname = if *kind == "pod" {
                (*id).to_owned()
            } else {
                desktop.name.clone()
            };
            ctx.state
                .apps
                .remove_in(
                    &desktop,
                    &AppRef {
                        podname,
                        containerid: (*id).to_owned(),
                    },
                )
                .await?;
            Ok(raw(id))
        }
        _ => Err(ApiError::bad_request("Invalid parameters Bad Request")),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => Some(true),
        "n" | "no" | "f" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Removes idle and failed desktops; returns their names.
pub async fn garbagecollector(ctx: &Ctx) -> Result<Response, ApiError> {
    let expire_in = ctx
        .param("expirein", 0)
        .ok_or_else(|| ApiError::not_found("Missing parameters: expirein"))?;
    let expire_in: i64 = expire_in
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request("expirein must be an integer"))?;
    if expire_in < 0 {
        return Err(ApiError::bad_request("expirein must not be negative"));
    }
    let force = match ctx.param("force", usize::MAX) {
        Some(text) => parse_bool(text).ok_or_else(|| ApiError::bad_request("force must be a boolean"))?,
        None => false,
    };
    let request = GcRequest {
        expire_in,
        node: ctx.param("nodename", usize::MAX).map(str::to_owned),
        force,
    };
    Ok(raw(&ctx.state.desktops.collect_garbage(&request, &ctx.facts).await?))
}
