//! `/API/healthz`, `/API/readyz`, `/API/version`, `/API/openapi`.

use crate::http::context::Ctx;
use crate::http::envelope::{json_response, raw, text};
use crate::http::routes::{self, Guard, Input};
use serde_json::json;
use warp::http::Method;
use warp::http::StatusCode;
use warp::reply::Response;

/// `OK`, no dependency checks (a liveness probe).
pub fn healthz() -> Response {
    text(StatusCode::OK, "OK", "text/html;charset=utf-8")
}

/// How long `/API/readyz` waits for each backend.
const READINESS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

/// 200 when every data backend answers, else 503 naming each one that does not: a
/// readiness probe, for load balancers (healthz stays a liveness check).
pub async fn readyz(ctx: &Ctx) -> Response {
    let checks = ctx.state.readiness.iter().map(|backend| async move {
        let outcome = tokio::time::timeout(READINESS_DEADLINE, backend.check())
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", READINESS_DEADLINE.as_secs())));
        (backend.backend(), outcome)
    });
    let mut backends = serde_json::Map::new();
    let mut failing = Vec::new();
    for (name, outcome) in futures::future::join_all(checks).await {
        match outcome {
            Ok(()) => {
                backends.insert(name.into(), json!("ok"));
            }
            Err(reason) => {
                tracing::warn!(backend = name, %reason, "readiness check failed");
                backends.insert(name.into(), json!("unavailable"));
                failing.push(name);
            }
        }
    }
    let (status, message) = if failing.is_empty() {
        (StatusCode::OK, "ready".to_owned())
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} unavailable", failing.join(", ")),
        )
    };
    json_response(
        status,
        &json!({"status": status.as_u16(), "message": message, "backends": backends}),
        true,
    )
}

/// Nulls, as pyos 4.x: the real version is only shown to authenticated users.
pub fn version() -> Response {
    raw(&json!({"date": null, "commit": null}))
}

/// An OpenAPI document listing every route with its methods and guard, built from the
/// route table so it cannot drift from what is served.
pub fn openapi() -> Response {
    let mut paths = serde_json::Map::new();
    for (controller, name) in routes::ALL {
        let Some(spec) = routes::find(controller, name) else {
            continue;
        };
        let path = if controller.is_empty() {
            format!("/API/{name}")
        } else {
            format!("/API/{controller}/{name}")
        };
        let security = match spec.guard {
            Guard::Open if spec.gate => json!([{"apiKey": []}]),
            Guard::Open => json!([]),
            Guard::Soft => json!([{}, {"abcAuthorization": []}]),
            Guard::Validate | Guard::Tool => json!([{"abcAuthorization": []}]),
        };
        let mut operations = serde_json::Map::new();
        for method in spec.methods {
            let mut operation = json!({"operationId": format!("{controller}_{name}_{}", method.as_str().to_lowercase()),
                "security": security, "responses": {"200": {"description": "pyos envelope or raw JSON"}}});
            if spec.input == Input::Json && matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
                operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {}}}});
            }
            operations.insert(method.as_str().to_lowercase(), operation);
        }
        paths.insert(path, serde_json::Value::Object(operations));
    }
    raw(&json!({
        "openapi": "3.0.3",
        "info": {"title": "deskplane", "version": env!("CARGO_PKG_VERSION")},
        "components": {"securitySchemes": {
            "abcAuthorization": {"type": "apiKey", "in": "header", "name": "ABCAuthorization", "description": "Bearer <user token>"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
        "paths": paths,
    }))
}
