//! `/API/manager/ban/{ipaddr|login}[/value]`.

use crate::domain::ban::is_bannable_value;
use crate::http::context::Ctx;
use crate::http::envelope::raw;
use crate::http::error::ApiError;
use crate::ports::BanCollection;
use serde_json::{Value, json};
use warp::http::Method;
use warp::reply::Response;

/// Lists, inspects, adds and lifts bans.
pub async fn ban(ctx: &Ctx) -> Result<Response, ApiError> {
    let bans = ctx.state.sessions.bans();
    let Some(collection_name) = ctx.extra.first() else {
        return Err(ApiError::not_found("Missing parameters: collection"));
    };
    let collection = BanCollection::parse(collection_name)
        .ok_or_else(|| ApiError::bad_request("Invalid type parameters Bad Request"))?;
    let value = match ctx.extra.len() {
        1 => None,
        2 => Some(ctx.extra[1].as_str()),
        _ => return Err(ApiError::bad_request("Invalid parameters Bad Request")),
    };
    let sanity = |value: &str| {
        if is_bannable_value(value) {
            Ok(())
        } else {
            Err(ApiError::bad_request(format!(
                "bad value sanity check {value} for {collection_name}"
            )))
        }
    };
    if let Some(value) = value {
        sanity(value)?;
    }
    // The route table answers 405 to the other methods of each shape.
    match (&ctx.method, value) {
        (&Method::GET | &Method::HEAD, None) => Ok(raw(&bans.list(collection).await?)),
        (&Method::GET | &Method::HEAD, Some(value)) => Ok(raw(&bans.status(collection, value).await?)),
        (&Method::POST, Some(value)) => {
            let existed = bans.status(collection, value).await?.count > 0;
            bans.ban(collection, value).await?;
            Ok(raw(&json!({"n": 1, "ok": 1.0, "updatedExisting": existed})))
        }
        (&Method::DELETE, None) => {
            bans.clear(collection).await?;
            Ok(raw(&Value::Null))
        }
        (&Method::DELETE, Some(value)) => {
            let removed = bans.unban(collection, value).await?;
            Ok(raw(&json!({"n": u8::from(removed), "ok": 1.0})))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}
