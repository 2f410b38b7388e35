//! `/API/composer/*` desktop routes.

use crate::domain::desktop::LaunchRequest;
use crate::domain::identity::Identity;
use crate::http::context::Ctx;
use crate::http::envelope::{no_store, success};
use crate::http::error::ApiError;
use serde_json::{Map, Value, json};
use warp::reply::Response;

/// Opens the caller's desktop.
pub async fn launchdesktop(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    // pyos failed with a 500 on a non-object body; the fields themselves are not used.
    ctx.object("invalid parameters")?;
    launch(ctx, identity, &LaunchRequest { locale: ctx.locale() }).await
}

/// The launch shared by `launchdesktop` and `auth/login`.
pub async fn launch(ctx: &Ctx, identity: &Identity, request: &LaunchRequest) -> Result<Response, ApiError> {
    let desktop = ctx.state.desktops.launch(identity, &ctx.facts, request).await?;
    let result = json!({
        "target_ip": desktop.target_ip,
        "vncpassword": desktop.vncpassword,
        "authorization": desktop.authorization,
        "websocketrouting": desktop.websocketrouting,
        "websockettcpport": desktop.websockettcpport,
        "expire_in": desktop.expire_in,
    });
    Ok(success(result, "ok"))
}

/// Dock and catalog applications the caller may run.
pub fn getuserapplist(ctx: &Ctx) -> Result<Response, ApiError> {
    Ok(success(ctx.state.apps.user_app_list(ctx.identity()?), "ok"))
}

/// A new desktop token.
pub async fn refreshdesktoptoken(ctx: &Ctx) -> Result<Response, ApiError> {
    let (authorization, expire_in) = ctx.state.desktops.refresh_token(ctx.identity()?).await?;
    Ok(no_store(success(
        json!({"authorization": authorization, "expire_in": expire_in}),
        "ok",
    )))
}

/// The desktop's log text.
pub async fn getlogs(ctx: &Ctx) -> Result<Response, ApiError> {
    Ok(success(ctx.state.desktops.logs(ctx.identity()?).await?, "ok"))
}

/// The caller's network description.
pub async fn getdesktopdescription(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let mut result = Map::new();
    result.insert("clientipaddr".into(), Value::String(ctx.facts.client_ip.to_string()));
    result.insert("user".into(), Value::String(identity.userid.to_string()));
    let description = &ctx.state.settings.desktop_description;
    if let Some(desktop) = ctx.state.desktops.find(identity).await? {
        for key in ["externalip", "internalip"] {
            if description.get(key).is_some_and(|v| !v.is_null()) {
                result.insert(key.into(), desktop.ip_addr.clone().map_or(Value::Null, Value::String));
            }
        }
        if let Some(ssh) = description.get("sshconfig") {
            result.insert("sshconfig".into(), ssh.clone());
        }
    }
    Ok(success(result, "ok"))
}

/// The caller's secret types.
pub async fn listsecrets(ctx: &Ctx) -> Result<Response, ApiError> {
    let identity = ctx.identity()?;
    let types = ctx.state.desktops.secret_types(&identity.owner()).await?;
    Ok(success(types, "ok"))
}
