//! `/API/manager/datastore[/db[/coll[/…]]]`: the operator's view of the document database
//! (api.md §7.6); GET reads, PUT stores, DELETE removes; other methods are a 405.

use crate::domain::datastore::DatastoreMethod;
use crate::http::context::Ctx;
use crate::http::envelope::raw;
use crate::http::error::ApiError;

use warp::http::Method;
use warp::reply::Response;

/// Answers one datastore request.
pub async fn datastore(ctx: &Ctx) -> Result<Response, ApiError> {
    let method = match ctx.method {
        Method::GET | Method::HEAD => DatastoreMethod::Read,
        Method::PUT => DatastoreMethod::Write,
        Method::DELETE => DatastoreMethod::Delete,
        // The route table already answers 405 to the methods no shape takes.
        _ => return Err(ApiError::method_not_allowed()),
    };
    let answer = ctx
        .state
        .datastore
        .answer(
            method,
            &ctx.extra,
            ctx.param("skip", usize::MAX),
            ctx.param("limit", usize::MAX),
            ctx.body.as_ref(),
        )
        .await?;
    Ok(raw(&answer))
}
