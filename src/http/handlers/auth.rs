//! `/API/auth/*`.

use crate::domain::auth::LoginRequest;
use crate::domain::desktop::LaunchRequest;
use crate::domain::secret::Secret;
use crate::http::context::{Ctx, lenient_text};
use crate::http::envelope::{no_store, results_error_with, success};
use crate::http::error::ApiError;
use serde_json::{Value, json};
use warp::reply::Response;

/// pyos's features gate (auth.md §5.2 step 4): a map, and only with `submit` permitted.
pub(super) fn features_gate(
    ctx: &Ctx,
    features: Option<&Value>,
) -> Result<Option<serde_json::Map<String, Value>>, ApiError> {
    match features {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) if ctx.state.settings.features_submit => Ok(Some(map.clone())),
        Some(Value::Object(_)) => Err(ApiError::unauthorized(
            "'submit' is not in desktop.features_permissions, update configuration file",
        )),
        Some(_) => Err(ApiError::unauthorized(
            "bad parameters features, features must be a dict",
        )),
    }
}

/// The login.
pub async fn auth(ctx: &Ctx) -> Result<Response, ApiError> {
    let body = ctx
        .body
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::unauthorized("invalid parameters"))?;
    let features = features_gate(ctx, body.get("features"))?;
    let text = |key: &str| lenient_text(body.get(key)).filter(|v| !v.is_empty());
    if body.contains_key("provider") && !matches!(body.get("provider"), Some(Value::String(_) | Value::Null)) {
        return Err(ApiError::unauthorized("missing provider parameter"));
    }
    let request = LoginRequest {
        manager: text("manager"),
        provider: text("provider"),
        userid: text("userid"),
        password: body.get("password").and_then(Value::as_str).map(Secret::new),
        features,
        geolocation: body.get("geolocation").cloned(),
        authorization: None,
        prelogin_session: text("loginsessionid"),
        trusted_userid: false,
    };
    let done = ctx.state.sessions.authenticate(&request, &ctx.facts).await?;
    let result = json!({
        "userid": done.identity.userid.as_str(),
        "jwt_user_token": done.token,
        "name": done.identity.name,
        "provider": done.identity.providertype,
        "expire_in": done.expire_in,
    });
    Ok(success(result, &done.message))
}

/// Removes the desktop, then signs out. The token stays valid until it expires (stateless).
pub async fn logout(ctx: &Ctx) -> Result<Response, ApiError> {
    let url = json!({"url": "/"});
    let Some(identity) = ctx.caller.identity() else {
        return Ok(results_error_with(500, "invalid user credentials", url));
    };
    match ctx.state.desktops.remove_for(identity, &ctx.facts).await {
        Ok(_) => Ok(success(url, "ok")),
        Err(error) => {
            tracing::warn!(%error, userid = %identity.userid, "logout could not remove the desktop");
            Ok(results_error_with(500, "removedesktop failed", url))
        }
    }
}

/// Signs out but keeps the desktop. pyos answered an anonymous caller with a 500 (a
/// crash building the error); the intended body is returned instead.
pub fn disconnect(ctx: &Ctx) -> Response {
    let url = json!({"url": "/"});
    match ctx.caller.identity() {
        Some(_) => success(url, "ok"),
        None => results_error_with(500, "invalid user credentials", url),
    }
}

/// A fresh user token with the same claims (labels are not re-evaluated).
pub async fn refreshtoken(ctx: &Ctx) -> Result<Response, ApiError> {
    let token = ctx.state.sessions.issue(ctx.identity()?).await?;
    let result = json!({"expire_in": ctx.state.sessions.policy().user_lifetime, "jwt_user_token": token});
    Ok(no_store(success(result, "Refresh token success")))
}

/// The caller's labels.
pub fn labels(ctx: &Ctx) -> Response {
    match ctx.caller.identity() {
        Some(identity) => success(&identity.labels, "ok"),
        None => crate::http::envelope::results_error(500, "invalid user credentials"),
    }
}

/// Launch from the login page: the same as `composer/launchdesktop`.
pub async fn login(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let body = ctx.object("invalid parameters")?;
    features_gate(ctx, body.get("features"))?;
    ctx.state
        .desktops
        .progress()
        .push(&identity.owner(), "b.Launching desktop")
        .await;
    super::composer::launch(ctx, identity, &LaunchRequest { locale: ctx.locale() }).await
}

/// `auth/buildsecret`: the caller proves the password of the explicit provider its own
/// provider approves (`explicitproviderapproval`) and becomes that provider's user.
pub async fn buildsecret(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let password = ctx
        .body
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|body| body.get("password"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("invalid parameters: password must be a string"))?;
    let done = ctx
        .state
        .sessions
        .build_secret(identity, Secret::new(password), &ctx.facts)
        .await?;
    let result = json!({
        "userid": done.identity.userid.as_str(),
        "name": done.identity.name,
        "jwt_user_token": done.token,
        "provider": done.identity.providertype,
        "expire_in": done.expire_in,
    });
    Ok(success(result, "Authentication successful"))
}

/// `auth/autologin`: an HTML form login (`login`, `provider`, `password`) on the explicit
/// manager, answered with the token page. Refused unless `services_http_request_denied`
/// sets `autologin = false`, as pyos.
pub async fn autologin(ctx: &Ctx) -> Result<Response, ApiError> {
    if ctx.state.settings.autologin_denied {
        return Err(ApiError::bad_request("request is denied by configfile"));
    }
    let field = |name: &str| {
        ctx.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let login = field("login")
        .filter(|login| !login.is_empty())
        .ok_or_else(|| ApiError::bad_request("invalid login parameter"))?;
    let request = LoginRequest {
        manager: Some("explicit".into()),
        provider: field("provider").filter(|p| !p.is_empty()).map(str::to_owned),
        userid: Some(login.to_owned()),
        password: field("password").map(Secret::new),
        ..LoginRequest::default()
    };
    let done = ctx.state.sessions.authenticate(&request, &ctx.facts).await?;
    Ok(super::oauth::token_page(
        &done.token,
        &ctx.state.settings.default_host_url,
    ))
}
