//! `auth/logmein` (auth.md §5.7): the user a TLS proxy vouches for, by the client
//! certificate it forwards, logs in on an implicit provider; and `auth/authorizedkeys`,
//! the public keys of those certificates.
//!
//! Fixed from pyos: only the configured proxies (the TCP peer, never a forwarded address)
//! may call it, a query-string `userid` is ignored unless `permit_querystring`, a bad
//! certificate is a 400 (not a 500), and the key listing is behind the operator API's gate.

use crate::domain::auth::LoginRequest;
use crate::http::client_certificate;
use crate::http::context::Ctx;
use crate::http::error::ApiError;
use serde_json::json;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// Logs in the user the proxy's certificate names.
pub async fn logmein(ctx: &Ctx) -> Result<Response, ApiError> {
    let Some(settings) = &ctx.state.logmein else {
        return Err(ApiError::bad_request(
            "logmein configuration file error, service is disabled",
        ));
    };
    let peer = ctx.facts.peer_ip;
    let allowed = if settings.networks.is_empty() {
        ctx.facts.peer_trusted
    } else {
        settings.networks.iter().any(|net| net.contains(&peer))
    };
    if !allowed {
        return Err(ApiError::bad_request("logmein invalid network source error"));
    }
    let query = |name: &str| {
        ctx.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let certificate = settings
        .header
        .as_deref()
        .and_then(|name| ctx.header(name))
        .map(|value| client_certificate::read(value, &settings.oids))
        .transpose()
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let userid = certificate
        .as_ref()
        .and_then(|c| c.userid.clone())
        .or_else(|| {
            settings
                .permit_querystring
                .then(|| query("userid").map(str::to_owned))
                .flatten()
        })
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("logmein invalid user parameter"))?;
    let request = LoginRequest {
        manager: Some("implicit".into()),
        provider: query("provider").filter(|p| !p.is_empty()).map(str::to_owned),
        userid: Some(userid.clone()),
        trusted_userid: true,
        ..LoginRequest::default()
    };
    let done = ctx.state.sessions.authenticate(&request, &ctx.facts).await?;
    if let Some(key) = certificate.and_then(|c| c.openssh_key) {
        // Keyed by owner (provider and user id): the same id under two providers is two
        // users, and one must never replace the other's key.
        let owner = done.identity.owner();
        // The login stands when the key cannot be kept: the key serves an SSH bastion,
        // not this login.
        match ctx.state.authorized_keys.add(&owner, &key).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("authorized keys registry is full; a certificate key was not recorded"),
            Err(error) => tracing::warn!(%error, "a certificate key was not recorded"),
        }
    }
    let accept = ctx.header("accept").unwrap_or("text/html");
    let mut response = if accept.contains("application/json") {
        crate::http::envelope::text(
            StatusCode::OK,
            format!(
                "{}\n",
                json!({"status": 200, "result": {"jwt_user_token": done.token}, "message": "login success"})
            ),
            "application/json",
        )
    } else if accept.contains("text/plain") && !accept.contains("text/html") {
        crate::http::envelope::text(StatusCode::OK, format!("{}\n", done.token), "text/text;charset=utf-8")
    } else {
        super::oauth::token_page(&done.token, &ctx.state.settings.default_host_url)
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    Ok(response)
}

/// The key lines, as text (default) or as one JSON string (what pyos answered).
pub async fn authorized_keys(ctx: &Ctx) -> Result<Response, ApiError> {
    let lines = ctx.state.authorized_keys.list().await?.join("\n");
    let accept = ctx.header("accept").unwrap_or("text/plain");
    if accept.contains("application/json") && !accept.contains("text/plain") {
        return Ok(crate::http::envelope::text(
            StatusCode::OK,
            serde_json::Value::String(lines).to_string(),
            "application/json",
        ));
    }
    Ok(crate::http::envelope::text(
        StatusCode::OK,
        format!("{lines}\n"),
        "text/text;charset=ascii",
    ))
}
