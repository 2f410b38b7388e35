//! The per-user profile behind `/API/store`: settings with operator defaults, and the
//! user's own login history.

use crate::domain::identity::Identity;
use crate::domain::time::iso8601;
use crate::ports::{LoginHistory, ProfileStore, StoreError};
use serde_json::{Map, Value};
use std::sync::Arc;
use thiserror::Error;

/// Errors of the profile routes.
#[derive(Debug, Error)]
pub enum ProfileError {
    /// Nothing stored and no default.
    #[error("value not found: userid={userid} key={key}")]
    NotFound {
        /// User.
        userid: String,
        /// Key.
        key: String,
    },
    /// `getcollection` for a collection users may not read.
    #[error("denied key value")]
    DeniedKey,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Profile use cases.
pub struct ProfileService {
    store: Arc<dyn ProfileStore>,
    logins: Arc<dyn LoginHistory>,
    defaults: Map<String, Value>,
}

impl ProfileService {
    /// Builds the service; `defaults` is `StoreController.wrapped_key`.
    pub fn new(store: Arc<dyn ProfileStore>, logins: Arc<dyn LoginHistory>, defaults: Map<String, Value>) -> Self {
        Self {
            store,
            logins,
            defaults,
        }
    }

    /// Stores one setting.
    ///
    /// # Errors
    /// [`ProfileError::Store`] when the store fails.
    pub async fn set(&self, identity: &Identity, key: &str, value: &Value) -> Result<(), ProfileError> {
        Ok(self.store.set(&identity.userid, key, value).await?)
    }

    /// Reads one setting, falling back to the operator default.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`] when neither exists.
    pub async fn get(&self, identity: &Identity, key: &str) -> Result<Value, ProfileError> {
        if let Some(value) = self.store.get(&identity.userid, key).await? {
            return Ok(value);
        }
        self.defaults.get(key).cloned().ok_or_else(|| ProfileError::NotFound {
            userid: identity.userid.to_string(),
            key: key.to_owned(),
        })
    }

    /// The user's `loginHistory` (or the always empty `callHistory`), dates as ISO text.
    ///
    /// # Errors
    /// [`ProfileError::DeniedKey`] for any other collection.
    pub async fn collection(&self, identity: &Identity, key: &str) -> Result<Vec<Value>, ProfileError> {
        match key {
            "loginHistory" => Ok(self
                .logins
                .list_for(&identity.userid)
                .await?
                .into_iter()
                .map(|record| {
                    let date = iso8601(record.date);
                    let mut document = serde_json::to_value(record).unwrap_or(Value::Null);
                    document["date"] = Value::String(date);
                    document["type"] = Value::String("login".into());
                    document
                })
                .collect()),
            // deskplane records no calls; the collection exists for client compatibility.
            "callHistory" => Ok(Vec::new()),
            _ => Err(ProfileError::DeniedKey),
        }
    }
}
