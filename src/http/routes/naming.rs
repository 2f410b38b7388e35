//! What a route is called in metrics, and the API-key scope it needs.

use super::{ALL, Route, find};

/// The scope a scoped API key needs for `method` on `route`: `read` for what only reads,
/// else the kind of change (`desktops`, `images`, `bans`), else `admin`.
pub fn required_scope(route: Route, method: &warp::http::Method) -> &'static str {
    use warp::http::Method;
    let reads = *method == Method::GET || *method == Method::HEAD;
    match route {
        // The collector's GET removes desktops.
        Route::ManagerGarbageCollector => "desktops",
        Route::ManagerBuildAppList => "images",
        // Each GET generates a key pair and keeps it.
        Route::KeyKey => "admin",
        _ if reads => "read",
        Route::ManagerDesktop => "desktops",
        Route::ManagerImages | Route::ManagerImage => "images",
        Route::ManagerBan => "bans",
        _ => "admin",
    }
}

/// `<controller>/<name>` of a route (`auth/auth`, `healthz`), for metrics: a fixed set, so
/// a client's path never adds a label value.
pub fn label(route: Route) -> &'static str {
    static LABELS: std::sync::OnceLock<std::collections::HashMap<Route, &'static str>> = std::sync::OnceLock::new();
    let labels = LABELS.get_or_init(|| {
        let mut labels: std::collections::HashMap<Route, &'static str> = ALL
            .iter()
            .filter_map(|(controller, name)| {
                let spec = find(controller, name)?;
                let text = if controller.is_empty() {
                    (*name).to_owned()
                } else {
                    format!("{controller}/{name}")
                };
                Some((spec.route, &*Box::leak(text.into_boxed_str())))
            })
            .collect();
        labels.insert(Route::PrometheusMetrics, "metrics");
        labels
    });
    labels.get(&route).copied().unwrap_or("other")
}
