//! `/API/user/*`.

use crate::http::context::Ctx;
use crate::http::envelope::{raw, success};
use crate::http::error::ApiError;
use crate::ports::Location;
use serde_json::{Value, json};
use std::net::IpAddr;
use warp::reply::Response;

/// Who the caller is; every field null for an anonymous caller.
pub async fn whoami(ctx: &Ctx) -> Result<Response, ApiError> {
    let mut info = json!({"sessionid": "jwt_token", "userid": null, "name": null, "photo": null, "provider": null,
        "providertype": null, "target_ip": null, "container_id": null, "hostedby": null});
    if let Some(identity) = ctx.caller.identity() {
        info["userid"] = identity.userid.as_str().into();
        info["name"] = identity.name.clone().into();
        info["provider"] = identity.provider.clone().into();
        info["providertype"] = identity.providertype.clone().into();
        let owner = identity.owner();
        if let Some(ldif) = ctx.state.desktops.directory_details(&owner).await? {
            for key in ["sn", "cn", "mail", "initials", "givenName", "description"] {
                if let Some(value) = ldif.data.get(key) {
                    info[key] = Value::String(value.clone());
                }
            }
            let photo_key = if identity.providertype == "activedirectory" {
                "thumbnailPhoto"
            } else {
                "jpegPhoto"
            };
            if let Some(photo) = ldif.data.get(photo_key) {
                info["photo"] = Value::String(photo.clone());
            }
        }
        if let Some(desktop) = ctx.state.desktops.find(identity).await? {
            info["target_ip"] = desktop.ip_addr.into();
            info["container_id"] = desktop.container_id.into();
            info["hostedby"] = desktop.node.into();
        }
    }
    Ok(raw(&info))
}

async fn locate(ctx: &Ctx, ip: IpAddr) -> Location {
    match ctx.state.geolocation.locate(ip).await {
        Ok(Some(location)) => location,
        Ok(None) => Location {
            ip_addr: Some(ip.to_string()),
            ..Location::default()
        },
        Err(error) => {
            tracing::warn!(%error, "geolocation failed");
            Location {
                ip_addr: Some(ip.to_string()),
                ..Location::default()
            }
        }
    }
}

/// Where the caller and the server are.
pub async fn getlocation(ctx: &Ctx) -> Result<Response, ApiError> {
    let user = locate(ctx, ctx.facts.client_ip).await;
    let server = locate(ctx, ctx.state.settings.server_geolocation_ip).await;
    Ok(success(json!({"user": user, "server": server}), "ok"))
}
