//! pyos's three response shapes (api.md §3.6): HTTP errors `{status, message}` + newline,
//! `Results` envelopes (always HTTP 200), and raw JSON values.

use bytes::Bytes;
use serde::Serialize;
use serde_json::{Value, json};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// JSON response with a status.
pub fn json_response(status: StatusCode, value: &impl Serialize, newline: bool) -> Response {
    let mut body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    if newline {
        body.push(b'\n');
    }
    let mut response = Response::new(Bytes::from(body).into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A raw JSON value with HTTP 200 (handlers returning plain dicts and lists).
pub fn raw(value: &impl Serialize) -> Response {
    json_response(StatusCode::OK, value, false)
}

/// An HTTP error: `{"status": <code>, "message": "<text>"}` and a newline.
pub fn http_error(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({"status": status.as_u16(), "message": message}), true)
}

/// `Results.success`: `{"status": 200, "result": <result>, "message": <message>}`.
pub fn success(result: impl Serialize, message: &str) -> Response {
    raw(&json!({"status": 200, "result": result, "message": message}))
}

/// `Results.error`, sent with HTTP 200: `{"status": <status>, "result": null, "error": <text>}`.
pub fn results_error(status: u16, error: &str) -> Response {
    raw(&json!({"status": status, "result": null, "error": error}))
}

/// `Results.error` carrying a result anyway (logout and disconnect add `result.url`).
pub fn results_error_with(status: u16, error: &str, result: Value) -> Response {
    raw(&json!({"status": status, "result": result, "error": error}))
}

/// A text body with an explicit content type.
pub fn text(status: StatusCode, body: impl Into<String>, content_type: &'static str) -> Response {
    let mut response = Response::new(body.into().into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Adds `Cache-Control: no-cache, private` and `X-Content-Type-Options: nosniff`
/// (responses that carry tokens or profile values).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
