//! What deskplane counts and times for operators (`GET /metrics`). Recording never fails
//! and never waits: implementations keep numbers in memory.

/// Counters and histograms of the service.
#[cfg_attr(test, mockall::automock)]
pub trait Metrics: Send + Sync {
    /// One answered request: its route (`auth/auth`; `none` when no route matched), HTTP
    /// status and time to answer.
    fn request(&self, route: &'static str, status: u16, seconds: f64);
    /// One login through `provider` (a configured provider's name, or `none`) and how it
    /// ended: `success`, `refused`, `banned`, `limited`, `unavailable` or `error`.
    fn login(&self, provider: &str, outcome: &'static str);
    /// One desktop launch and how it ended: `ok`, or why it failed (`ErrImagePull`,
    /// `Unschedulable`, `timeout`, `unavailable`, `error`…).
    fn launch(&self, seconds: f64, outcome: &str);
    /// How many desktops exist now (read when the numbers are scraped).
    fn active_desktops(&self, count: u64);
    /// A value of a fail2ban `collection` (`ipaddr`, `login`) became banned: its failures
    /// reached the threshold, or an operator banned it.
    fn ban(&self, collection: &'static str);
    /// A backend failed a request (`mongodb`, `redis`, `memcached`, `kubernetes`,
    /// `directory`, `cache`, `datastore`…), or a check that then failed open (`bans`).
    fn backend_error(&self, backend: &'static str);
    /// A Kubernetes watch (`pods`, `events`) starts again, and why: `error` (the API failed
    /// it; it backs off) or `resync` (the periodic fresh list).
    fn watch_restart(&self, watch: &'static str, reason: &'static str);
    /// Whether this replica holds the scheduled collector's lease, as last asked.
    fn leader(&self, leading: bool);
    /// The numbers, in the Prometheus text exposition format.
    fn exposition(&self) -> String;
}
