//! Backends that answer a write before making it (batched login history, counters), so a
//! request pays no round trip: what they hold is written when the server stops.

use super::StoreError;
use async_trait::async_trait;

/// A backend holding writes it has accepted but not yet made.
#[async_trait]
pub trait WriteBehind: Send + Sync {
    /// The backend's name as operators know it (`mongodb`).
    fn backend(&self) -> &'static str;

    /// Writes everything held now. Returns once it is written.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be written in time; what was
    /// not written stays held.
    async fn flush(&self) -> Result<(), StoreError>;
}
