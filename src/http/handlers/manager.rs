//! `/API/manager/*`: health and the application catalog.

use crate::http::context::Ctx;
use crate::http::envelope::{json_response, raw};
use crate::http::error::ApiError;
use serde_json::{Value, json};
use warp::http::{Method, StatusCode};
use warp::reply::Response;

/// The console's key check (the misspelling is part of the contract).
pub fn healtz() -> Response {
    raw(&json!({"controler": "ManagerController", "status": "ok"}))
}

/// What the server received (`manager/echohttp`, behind the operator gate): the request's
/// headers, the peer, and the query and form parameters, as pyos mirrored them.
pub fn echohttp(ctx: &Ctx) -> Response {
    let mut headers = serde_json::Map::new();
    for (name, value) in &ctx.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            Some(serde_json::Value::String(first)) => {
                first.push_str(", ");
                first.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), json!(value));
            }
        }
    }
    let params: serde_json::Map<String, serde_json::Value> = ctx
        .query
        .iter()
        .map(|(name, value)| (name.clone(), json!(value)))
        .collect();
    raw(&json!({
        "headers": headers,
        "remote": {"ip": ctx.facts.peer_ip.to_string(), "port": ctx.peer_port, "name": null},
        "params": params,
    }))
}

/// The desktop a launch would create for the caller, built and not created.
pub async fn dry_run_desktop(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let request = crate::domain::desktop::LaunchRequest { locale: ctx.locale() };
    let described = ctx.state.desktops.dry_run(identity, &ctx.facts, &request).await?;
    Ok(raw(&described))
}

/// pyos's bare `"Not found"` 404 of the image routes.
fn image_not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, &"Not found", false)
}

/// The whole catalog (GET) or its deletion (DELETE).
pub async fn images(ctx: &Ctx) -> Result<Response, ApiError> {
    let catalog = ctx.state.apps.catalog();
    match ctx.method {
        Method::GET | Method::HEAD => Ok(raw(&catalog.as_document())),
        Method::DELETE => Ok(raw(&catalog.remove("*").await?)),
        _ => Err(ApiError::bad_request("Invalid parameters Bad Request")),
    }
}

/// The image descriptor (or list of them) a POST or PUT carries.
fn image_body(ctx: &Ctx) -> Result<&serde_json::Value, ApiError> {
    ctx.body
        .as_ref()
        .filter(|b| b.is_object() || b.is_array())
        .ok_or_else(|| ApiError::bad_request("Invalid parameters Bad Request"))
}

/// One catalog entry: read, add (POST/PUT), replace or refresh (PATCH), delete.
pub async fn image(ctx: &Ctx) -> Result<Response, ApiError> {
    let catalog = ctx.state.apps.catalog();
    let id = ctx.param("image", 0).filter(|id| !id.is_empty());
    match (&ctx.method, id) {
        (&Method::GET | &Method::HEAD, None) => Ok(raw(&catalog.as_document())),
        (&Method::GET | &Method::HEAD, Some(id)) => Ok(catalog.get(id).map_or_else(image_not_found, |app| raw(&app))),
        // PUT also pre-pulls the images on the nodes (pyos 3.x; 4.x dropped it).
        (&Method::PUT, _) => {
            let body = image_body(ctx)?;
            let node = ctx.param("node", usize::MAX).filter(|n| !n.is_empty());
            if node.is_some_and(|n| !crate::domain::naming::is_object_name(n)) {
                return Err(ApiError::bad_request("invalid node name"));
            }
            Ok(raw(&ctx.state.apps.add_and_prepull(body, node).await?))
        }
        (&Method::POST, _) => Ok(raw(&catalog.add(image_body(ctx)?).await?)),
        (&Method::PATCH, None) => Ok(raw(&{
            catalog.rebuild().await?;
            catalog.as_document()
        })),
        (&Method::PATCH, Some(id)) => {
            let body = ctx
                .body
                .as_ref()
                .filter(|b| b.is_object() || b.is_array())
                .ok_or_else(|| ApiError::bad_request("Invalid parameters Bad Request"))?;
            Ok(catalog
                .replace(id, body)
                .await?
                .map_or_else(image_not_found, |app| raw(&app)))
        }
        (&Method::DELETE, Some(id)) => {
            let deleted = catalog.remove(id).await?;
            Ok(if deleted.is_empty() {
                image_not_found()
            } else {
                raw(&deleted)
            })
        }
        (&Method::DELETE, None) => Err(ApiError::bad_request(
            "name the application to delete: image/<id> or ?image=<id>",
        )),
        _ => Err(ApiError::bad_request("Invalid parameters Bad Request")),
    }
}

/// The replicas serving this API: `[{address, port, url}]`.
pub async fn pyosendpoints(ctx: &Ctx) -> Result<Response, ApiError> {
    Ok(raw(&ctx.state.replicas.list().await?))
}

/// Rebuilds this replica's catalog copy from the store and returns it.
pub async fn buildapplist(ctx: &Ctx) -> Result<Response, ApiError> {
    let catalog = ctx.state.apps.catalog();
    catalog.rebuild().await?;
    let document: Value = catalog.as_document();
    Ok(raw(&document))
}
