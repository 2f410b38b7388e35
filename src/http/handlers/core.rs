//! `/API/core/*`.

use crate::http::context::Ctx;
use crate::http::envelope::{json_response, raw, text};
use crate::http::error::ApiError;
use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// Front-end settings by provider name.
pub fn getkeyinfo(ctx: &Ctx) -> Response {
    let Some(provider) = ctx
        .body
        .as_ref()
        .and_then(|b| b.get("provider"))
        .and_then(Value::as_str)
    else {
        return raw(&json!({}));
    };
    let info = &ctx.state.settings.keyinfo;
    let id = match provider {
        "colors" => info.colors.clone(),
        "menuconfig" => info.menuconfig.clone(),
        "geolocation" => info.geolocation.clone(),
        "zoom" => info.zoom.clone(),
        "tipsinfo" => info.tipsinfo.clone(),
        "welcomeinfo" => info.welcomeinfo.clone(),
        "imagenotificationconfig" => info.imagenotificationconfig.clone(),
        "features_permissions_executeclasses" => info.executeclasses.clone(),
        _ => Value::Null,
    };
    raw(&json!({"id": id, "callbackurl": null}))
}

fn accepts_text(ctx: &Ctx) -> bool {
    // The first exact match among the supported types, by descending q-value, wins.
    let Some(accept) = ctx.header("accept") else {
        return false;
    };
    let mut ranges: Vec<(f32, &str)> = accept
        .split(',')
        .map(|part| {
            let mut pieces = part.split(';');
            let media = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=")?.parse().ok())
                .unwrap_or(1.0);
            (q, media)
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges
        .iter()
        .find(|(_, m)| matches!(*m, "text/plain" | "application/json"))
        .is_some_and(|(_, m)| *m == "text/plain")
}

/// Pops the caller's pending launch progress message.
pub async fn getmessageinfo(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let message = ctx
        .state
        .desktops
        .progress()
        .take(&identity.owner())
        .await
        .map_err(|error| ApiError::unavailable("cache", error))?;
    let mut response = if accepts_text(ctx) {
        text(
            StatusCode::OK,
            message.map(|m| format!("{m}\n")).unwrap_or_default(),
            "text/text;charset=utf-8",
        )
    } else {
        let mut response = json_response(
            StatusCode::OK,
            &json!({"status": 200, "result": null, "message": message}),
            true,
        );
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=utf-8"),
        );
        response
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    Ok(response)
}

/// The build version, for authenticated users.
pub fn version(ctx: &Ctx) -> Response {
    raw(&ctx.state.settings.version)
}
