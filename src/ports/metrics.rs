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
    /// The numbers, in the Prometheus text exposition format.
    fn exposition(&self) -> String;
}
