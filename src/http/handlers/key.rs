//! `GET /API/key/key`: an RSA key offer.

use crate::http::context::Ctx;
use crate::http::envelope::{no_store, text};
use crate::http::error::ApiError;
use warp::http::StatusCode;
use warp::reply::Response;

/// pyos's default `length`.
const DEFAULT_LENGTH: &str = "1024";

/// A JWT (`application/jwt`) naming the kept private key and carrying the public one.
/// pyos answered a `length` that is not an integer with a 500; here it is a 400.
pub async fn key(ctx: &Ctx) -> Result<Response, ApiError> {
    // `format` is accepted and ignored, as in pyos: RSA is the only kind.
    let length = ctx.param("length", usize::MAX).unwrap_or(DEFAULT_LENGTH);
    let length: i64 = length
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_request("length must be an integer number of bits"))?;
    let offer = ctx.state.key_offers.offer(length).await?;
    Ok(no_store(text(StatusCode::OK, offer, "application/jwt")))
}
