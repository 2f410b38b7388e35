//! Operational counters (pyos "accounting"): logins, desktops, containers, catalog.

use super::StoreError;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Counter values grouped by category, then by counter name.
pub type CounterSnapshot = BTreeMap<String, BTreeMap<String, u64>>;

/// Where counters are kept. The memory backend keeps them per process, as pyos does.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Accounting: Send + Sync {
    /// Adds one to counter `name` of `category`, creating it at zero first when new.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a shared backend cannot be reached.
    async fn increment(&self, category: &str, name: &str) -> Result<(), StoreError>;
    /// Returns every counter.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when a shared backend cannot be reached.
    async fn snapshot(&self) -> Result<CounterSnapshot, StoreError>;
}
