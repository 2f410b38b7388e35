//! `/API/store/*`: the caller's profile.

use crate::http::context::Ctx;
use crate::http::envelope::{no_store, success};
use crate::http::error::ApiError;
use serde_json::Value;
use warp::reply::Response;

/// Stores one setting.
pub async fn set(ctx: &Ctx) -> Result<Response, ApiError> {
    // pyos answered a `Results` 500 (HTTP 200) to this client mistake.
    let body = ctx.object("invalid parameters")?;
    let key = body
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad_request("invalid params"))?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    ctx.state.profiles.set(ctx.identity()?, key, &value).await?;
    Ok(success(Value::Null, "ok"))
}

/// Reads one setting (or its operator default).
pub async fn get(ctx: &Ctx) -> Result<Response, ApiError> {
    let body = ctx.object("invalid parameters")?;
    let key = body
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("invalid parameters"))?;
    let value = ctx.state.profiles.get(ctx.identity()?, key).await?;
    Ok(no_store(success(value, "ok")))
}

/// The caller's login history.
pub async fn getcollection(ctx: &Ctx) -> Result<Response, ApiError> {
    let body = ctx.object("bad request invalid parameters")?;
    let key = body.get("key").and_then(Value::as_str).unwrap_or_default();
    Ok(success(
        ctx.state.profiles.collection(ctx.identity()?, key).await?,
        "ok",
    ))
}
