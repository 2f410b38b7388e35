//! `/API/healthz`, `/API/readyz`, `/API/version` (`/API/openapi` is `crate::http::openapi`).

use crate::http::context::Ctx;
use crate::http::envelope::{json_response, raw, text};
use serde_json::json;
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
