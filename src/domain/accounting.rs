//! Operational counters, best effort: a counter that cannot be written never fails a request.

use crate::ports::Accounting;
use std::sync::Arc;

/// Increments pyos accounting counters (`login`, `desktop`, `container`, `api`, `applist`).
#[derive(Clone)]
pub struct Counters {
    store: Arc<dyn Accounting>,
}

impl Counters {
    /// Wraps the accounting port.
    pub fn new(store: Arc<dyn Accounting>) -> Self {
        Self { store }
    }
    /// Adds one to `category.name`, logging (not returning) a failure.
    pub async fn bump(&self, category: &str, name: &str) {
        if let Err(error) = self.store.increment(category, name).await {
            tracing::warn!(%error, category, name, "could not update a counter");
        }
    }
    /// The accounting port, for readers.
    pub fn store(&self) -> &Arc<dyn Accounting> {
        &self.store
    }
}
