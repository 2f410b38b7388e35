//! Append-only histories: desktop start/resume/stop events and logins.

use super::StoreError;
use crate::domain::history::{DesktopEvent, LoginRecord};
use crate::domain::identity::UserId;
use async_trait::async_trait;

/// Desktop lifecycle history (pyos database `desktop`, collection `history`).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait DesktopHistory: Send + Sync {
    /// Appends one event.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn append(&self, event: &DesktopEvent) -> Result<(), StoreError>;
    /// Returns the events of one user, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn list_for(&self, userid: &UserId) -> Result<Vec<DesktopEvent>, StoreError>;
}

/// Login history (pyos database `loginHistory`, one collection per user).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait LoginHistory: Send + Sync {
    /// Appends one successful login.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn append(&self, record: &LoginRecord) -> Result<(), StoreError>;
    /// Returns the logins of one user, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the backend cannot be reached.
    async fn list_for(&self, userid: &UserId) -> Result<Vec<LoginRecord>, StoreError>;
}
