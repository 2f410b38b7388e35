//! `/API/composer/*` application routes.

use crate::domain::apps::{AppRef, RunRequest};
use crate::domain::naming::is_object_name;
use crate::http::context::{Ctx, lenient_text};
use crate::http::envelope::{raw, results_error, success};
use crate::http::error::ApiError;
use serde_json::Value;
use warp::reply::Response;

/// Starts an application.
pub async fn ocrun(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let body = ctx.object("invalid parameters")?;
    let image = body
        .get("image")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty())
        .ok_or_else(|| ApiError::bad_request("invalid image parameters"))?;
    let request = RunRequest {
        image: image.to_owned(),
        args: lenient_text(body.get("args")),
        timezone: lenient_text(body.get("timezone")),
        locale: ctx.locale(),
    };
    let launched = ctx.state.apps.run(identity, &request).await?;
    Ok(success(launched, "ok"))
}

/// The caller's applications.
pub async fn listcontainer(ctx: &Ctx) -> Result<Response, ApiError> {
    Ok(success(ctx.state.apps.list(ctx.identity()?).await?, "ok"))
}

/// The caller's applications in one phase (raw list).
pub async fn by_phase(ctx: &Ctx) -> Result<Response, ApiError> {
    let body = ctx.object("invalid args parameters")?;
    let phase = body.get("phase").and_then(Value::as_str).unwrap_or_default();
    if !matches!(phase, "Running" | "Terminated" | "Waiting" | "Completed" | "Succeeded") {
        return Err(ApiError::bad_request("invalid args parameters"));
    }
    Ok(raw(&ctx.state.apps.list_by_phase(ctx.identity()?, phase).await?))
}

/// Reads `{podname, containerid}`. pyos returned HTTP 500 for a bad body here (it tried
/// to serialise an error object); the intended 400 messages are sent instead.
fn app_ref(ctx: &Ctx) -> Result<Result<AppRef, Response>, ApiError> {
    let body = ctx.object("invalid args parameters")?;
    // pyos answered a `Results` 500 (HTTP 200) to a missing podname.
    let Some(podname) = body.get("podname").and_then(Value::as_str) else {
        return Err(ApiError::bad_request("invalid parameter podname"));
    };
    if !is_object_name(podname) {
        return Err(ApiError::bad_request("invalid parameter podname"));
    }
    let containerid = body
        .get("containerid")
        .and_then(Value::as_str)
        .filter(|id| is_object_name(id))
        .ok_or_else(|| ApiError::bad_request("invalid containerid parameters"))?;
    Ok(Ok(AppRef {
        podname: podname.to_owned(),
        containerid: containerid.to_owned(),
    }))
}

/// Stops an application.
pub async fn stopcontainer(ctx: &Ctx) -> Result<Response, ApiError> {
    let app = match app_ref(ctx)? {
        Ok(app) => app,
        Err(response) => return Ok(response),
    };
    if ctx.state.apps.stop(ctx.identity()?, &app).await? {
        Ok(success(true, "ok"))
    } else {
        Err(ApiError::bad_request("failed to stop container"))
    }
}

/// Removes an application.
pub async fn removecontainer(ctx: &Ctx) -> Result<Response, ApiError> {
    let app = match app_ref(ctx)? {
        Ok(app) => app,
        Err(response) => return Ok(response),
    };
    if ctx.state.apps.remove(ctx.identity()?, &app).await? {
        Ok(success(true, "ok"))
    } else {
        Ok(results_error(500, "failed to remove container"))
    }
}

/// An application's log.
pub async fn logcontainer(ctx: &Ctx) -> Result<Response, ApiError> {
    let app = match app_ref(ctx)? {
        Ok(app) => app,
        Err(response) => return Ok(response),
    };
    Ok(success(ctx.state.apps.logs(ctx.identity()?, &app).await?, "ok"))
}

/// An application's environment.
pub async fn envcontainer(ctx: &Ctx) -> Result<Response, ApiError> {
    let app = match app_ref(ctx)? {
        Ok(app) => app,
        Err(response) => return Ok(response),
    };
    let env = ctx.state.apps.env(ctx.identity()?, &app).await?;
    if env.is_empty() {
        return Err(ApiError::Http(
            warp::http::StatusCode::INTERNAL_SERVER_ERROR,
            "failed to get log container".into(),
        ));
    }
    Ok(success(env, "ok"))
}
