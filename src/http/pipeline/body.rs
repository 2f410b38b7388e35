//! Request bodies: length rules (411, 413), media type (415) and JSON (400).

use crate::http::error::ApiError;
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use serde_json::Value;
use warp::http::{HeaderMap, Method, StatusCode, header};

/// Whether the method carries a body that pyos insists on measuring.
pub fn has_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

/// 411 when a POST/PUT/PATCH has neither `Content-Length` nor `Transfer-Encoding`.
///
/// # Errors
/// `411 Client must specify Content-Length`.
pub fn require_length(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if has_body(method)
        && !headers.contains_key(header::CONTENT_LENGTH)
        && !headers.contains_key(header::TRANSFER_ENCODING)
    {
        return Err(ApiError::Http(
            StatusCode::LENGTH_REQUIRED,
            "Client must specify Content-Length".into(),
        ));
    }
    Ok(())
}

fn too_large() -> ApiError {
    ApiError::Http(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large".into())
}

/// Reads the body, refusing more than `limit` bytes without buffering them.
///
/// # Errors
/// 413 above the limit, 400 when the stream breaks.
pub async fn read_limited<S, B, E>(headers: &HeaderMap, stream: S, limit: usize) -> Result<Bytes, ApiError>
where
    S: Stream<Item = Result<B, E>>,
    B: Buf,
{
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|_| ApiError::bad_request("Malformed request body"))?;
        if body.len() + chunk.remaining() > limit {
            return Err(too_large());
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            body.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(body.freeze())
}

/// Checks the media type and parses the body as an HTML form.
///
/// # Errors
/// 415 for a media type other than `application/x-www-form-urlencoded`.
pub fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(ApiError::Http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected an entity of content type application/x-www-form-urlencoded".into(),
        ));
    }
    Ok(form_urlencoded::parse(body).into_owned().collect())
}

/// Checks the media type and parses the body as JSON.
///
/// # Errors
/// 415 for a media type other than `application/json` or `text/javascript` (or none),
/// 400 `Invalid JSON document` for anything that is not one JSON value.
pub fn parse_json(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    if !matches!(media_type.as_deref(), Some("application/json" | "text/javascript")) {
        return Err(ApiError::Http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected an entity of content type application/json, text/javascript".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request("Invalid JSON document"))
}
