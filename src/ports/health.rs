//! Readiness of the backends, for `GET /API/readyz`: a load balancer sends no traffic to
//! a replica whose datastore or cache cannot be reached.

use async_trait::async_trait;

/// One backend that can say whether it answers right now.
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// The backend's name as operators know it (`mongodb`, `redis`, `memcached`).
    fn backend(&self) -> &'static str;

    /// Asks the backend for a trivial answer.
    ///
    /// # Errors
    /// A short reason (no credentials) when the backend does not answer in time.
    async fn check(&self) -> Result<(), String>;
}
