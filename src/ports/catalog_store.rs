//! Durable storage of the application catalog (pyos database `applications`, collection `image`).

use super::StoreError;
use crate::domain::apps::App;
use async_trait::async_trait;
use futures::stream::BoxStream;

/// The catalog's backing store. The domain keeps an in-memory copy and refreshes it from here.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Inserts `app`, or replaces the stored app with the same `id`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn upsert(&self, app: &App) -> Result<(), StoreError>;
    /// Returns every stored app, in insertion order when the backend keeps one.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn all(&self) -> Result<Vec<App>, StoreError>;
    /// Deletes the app whose `id` is `id`; returns whether one existed.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn remove(&self, id: &str) -> Result<bool, StoreError>;

    /// A stream that yields once after each change of the stored catalog, whoever made it
    /// (this replica, another one, or an operator writing to the database). A backend
    /// that loses track of changes (a broken watch that cannot resume) also yields, so the
    /// reader reloads everything. The stream lasts as long as the store; it never errs.
    fn changes(&self) -> BoxStream<'static, ()>;
}
