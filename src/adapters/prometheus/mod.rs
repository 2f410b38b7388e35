//! The metrics port on `prometheus-client`: families registered once at boot, recorded in
//! memory (atomics behind the families' maps), written out in the text format on scrape.

use crate::ports::metrics::Metrics;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginLabels {
    provider: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CollectionLabel {
    collection: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BackendLabel {
    backend: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WatchLabels {
    watch: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaunchLabels {
    outcome: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every family deskplane exports.
pub struct PrometheusMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabel>,
    logins: Family<LoginLabels, Counter>,
    launches: Family<LaunchLabels, Counter>,
    launch_seconds: Histograms<LaunchLabels>,
    desktops: Gauge,
    bans: Family<CollectionLabel, Counter>,
    backend_errors: Family<BackendLabel, Counter>,
    watch_restarts: Family<WatchLabels, Counter>,
    leader: Gauge,
}

/// 0.5 ms to about 16 s: from healthz to a slow login.
fn request_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// 0.25 s to about 8.5 minutes: from a resumed desktop to a slow image pull.
fn launch_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.25, 2.0, 12))
}

impl Default for PrometheusMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("deskplane");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by route and status",
            requests.clone(),
        );
        let request_seconds: Histograms<RouteLabel> = Family::new_with_constructor(request_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route",
            request_seconds.clone(),
        );
        let logins = Family::<LoginLabels, Counter>::default();
        registry.register("logins", "Logins, by provider and outcome", logins.clone());
        let launches = Family::<LaunchLabels, Counter>::default();
        registry.register("desktop_launches", "Desktop launches, by outcome", launches.clone());
        let launch_seconds: Histograms<LaunchLabels> = Family::new_with_constructor(launch_buckets);
        registry.register(
            "desktop_launch_duration_seconds",
            "Time to answer a desktop launch, by outcome",
            launch_seconds.clone(),
        );
        let desktops = Gauge::default();
        registry.register("desktops", "Desktops that exist, when scraped", desktops.clone());
        let bans = Family::<CollectionLabel, Counter>::default();
        registry.register("bans", "Values banned, by fail2ban collection", bans.clone());
        let backend_errors = Family::<BackendLabel, Counter>::default();
        registry.register(
            "backend_errors",
            "Requests or checks a backend failed, by backend",
            backend_errors.clone(),
        );
        let watch_restarts = Family::<WatchLabels, Counter>::default();
        registry.register(
            "watch_restarts",
            "Kubernetes watches started again, by watch and reason",
            watch_restarts.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this replica holds the scheduled collector's lease",
            leader.clone(),
        );
        Self {
            bans,
            backend_errors,
            watch_restarts,
            leader,
            desktops,
            registry,
            requests,
            request_seconds,
            logins,
            launches,
            launch_seconds,
        }
    }
}

impl Metrics for PrometheusMetrics {
    fn request(&self, route: &'static str, status: u16, seconds: f64) {
        self.requests.get_or_create(&RequestLabels { route, status }).inc();
        self.request_seconds
            .get_or_create(&RouteLabel { route })
            .observe(seconds);
    }

    fn login(&self, provider: &str, outcome: &'static str) {
        let labels = LoginLabels {
            provider: provider.to_owned(),
            outcome,
        };
        self.logins.get_or_create(&labels).inc();
    }

    fn launch(&self, seconds: f64, outcome: &str) {
        let labels = LaunchLabels {
            outcome: outcome.to_owned(),
        };
        self.launches.get_or_create(&labels).inc();
        self.launch_seconds.get_or_create(&labels).observe(seconds);
    }

    fn active_desktops(&self, count: u64) {
        self.desktops.set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    fn ban(&self, collection: &'static str) {
        self.bans.get_or_create(&CollectionLabel { collection }).inc();
    }

    fn backend_error(&self, backend: &'static str) {
        self.backend_errors.get_or_create(&BackendLabel { backend }).inc();
    }

    fn watch_restart(&self, watch: &'static str, reason: &'static str) {
        self.watch_restarts.get_or_create(&WatchLabels { watch, reason }).inc();
    }

    fn leader(&self, leading: bool) {
        self.leader.set(i64::from(leading));
    }

    fn exposition(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(%error, "metrics could not be written");
        }
        prometheus_text(&text)
    }
}

/// OpenMetrics text (what `prometheus-client` writes) as Prometheus's text format 0.0.4,
/// which every scraper and `promtool check metrics` read: a counter's HELP and TYPE name
/// carries its `_total`, and there is no `# EOF`.
fn prometheus_text(openmetrics: &str) -> String {
    let mut text = String::with_capacity(openmetrics.len() + 64);
    let mut help: Option<&str> = None;
    for line in openmetrics.lines() {
        if line == "# EOF" {
            continue;
        }
        if line.starts_with("# HELP ") {
            help = Some(line);
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            let name = if kind == "counter" {
                format!("{name}_total")
            } else {
                name.to_owned()
            };
            if let Some(help) = help.take() {
                let words = help.splitn(4, ' ').nth(3).unwrap_or_default();
                text.push_str(&format!("# HELP {name} {words}\n"));
            }
            text.push_str(&format!("# TYPE {name} {kind}\n"));
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_numbers_are_exposed_in_the_text_format() {
        let metrics = PrometheusMetrics::default();
        metrics.request("auth/auth", 200, 0.004);
        metrics.login("anonymous", "success");
        metrics.launch(1.5, "ok");
        metrics.launch(30.0, "ErrImagePull");
        metrics.active_desktops(3);
        metrics.ban("login");
        metrics.backend_error("mongodb");
        metrics.watch_restart("pods", "resync");
        metrics.leader(true);
        let text = metrics.exposition();
        for line in [
            "deskplane_http_requests_total{route=\"auth/auth\",status=\"200\"} 1",
            "deskplane_logins_total{provider=\"anonymous\",outcome=\"success\"} 1",
            "deskplane_desktop_launches_total{outcome=\"ErrImagePull\"} 1",
            "deskplane_desktop_launch_duration_seconds_count{outcome=\"ok\"} 1",
            "# TYPE deskplane_http_requests_total counter",
            "deskplane_desktops 3",
            "deskplane_bans_total{collection=\"login\"} 1",
            "deskplane_backend_errors_total{backend=\"mongodb\"} 1",
            "deskplane_watch_restarts_total{watch=\"pods\",reason=\"resync\"} 1",
            "deskplane_leader 1",
            "# HELP deskplane_logins_total Logins, by provider and outcome.",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(!text.contains("# EOF"), "Prometheus text, not OpenMetrics");
    }
}
