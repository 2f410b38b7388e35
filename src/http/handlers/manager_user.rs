//! `GET /API/manager/user/<userid>[?provider=…&limit=…]`: one user's logins and desktop
//! events (deskplane's own route; pyos has none).

use crate::domain::identity::UserId;
use crate::domain::user_history::MAX_RECORDS;
use crate::http::context::Ctx;
use crate::http::envelope::raw;
use crate::http::error::ApiError;
use warp::reply::Response;

/// Answers the user's history.
pub async fn user(ctx: &Ctx) -> Result<Response, ApiError> {
    let userid = ctx
        .param("userid", 0)
        .ok_or_else(|| ApiError::not_found("Missing parameters: userid"))?;
    let userid = UserId::parse(userid).map_err(|e| ApiError::bad_request(format!("invalid userid: {e}")))?;
    let limit = match ctx.param("limit", usize::MAX) {
        None => 100,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_RECORDS).contains(n))
            .ok_or_else(|| ApiError::bad_request(format!("limit must be an integer from 1 to {MAX_RECORDS}")))?,
    };
    let provider = ctx.param("provider", usize::MAX).filter(|p| !p.is_empty());
    let records = ctx.state.user_history.of(&userid, provider, limit).await?;
    Ok(raw(&records))
}
