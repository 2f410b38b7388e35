//! `/API/accounting/metrics`: pyos's counters, as Prometheus text or JSON.

use crate::http::context::Ctx;
use crate::http::envelope::{raw, text};
use crate::http::error::ApiError;
use std::fmt::Write;
use warp::http::StatusCode;
use warp::reply::Response;

/// The counters of this replica.
pub async fn metrics(ctx: &Ctx) -> Result<Response, ApiError> {
    let mut counters = ctx.state.accounting.snapshot().await?;
    // `desktop.current` is recomputed on read, as pyos does.
    let current = ctx.state.desktops.list_all().await.map(|d| d.len() as u64).unwrap_or(0);
    counters
        .entry("desktop".into())
        .or_default()
        .insert("current".into(), current);
    let installed = ctx.state.apps.catalog().snapshot().len() as u64;
    counters
        .entry("applist".into())
        .or_default()
        .insert("installed".into(), installed);
    if ctx.param("format", 0) == Some("json") {
        return Ok(raw(&counters));
    }
    let mut body = String::new();
    for (category, names) in &counters {
        for (name, value) in names {
            let name: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
                .collect();
            let _ = writeln!(body, "pyos_{category}_total{{{category}=\"{name}\"}} {value}");
        }
    }
    Ok(text(StatusCode::OK, body, "text/plain;charset=utf-8"))
}
