//! `/API/healthz`, `/API/version`, `/API/openapi`.

use crate::http::envelope::{raw, text};
use serde_json::json;
use warp::http::StatusCode;
use warp::reply::Response;

/// `OK`, no dependency checks (a liveness probe).
pub fn healthz() -> Response {
    text(StatusCode::OK, "OK", "text/html;charset=utf-8")
}

/// Nulls, as pyos 4.x: the real version is only shown to authenticated users.
pub fn version() -> Response {
    raw(&json!({"date": null, "commit": null}))
}

/// deskplane's OpenAPI document (generated from the route table would be nicer; the
/// routes are listed with their methods so tools can discover them).
pub fn openapi() -> Response {
    raw(&json!({"openapi": "3.0.3", "info": {"title": "deskplane", "version": env!("CARGO_PKG_VERSION")}, "paths": {}}))
}
