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
    /// The value is larger than the operator allows (`store.max_value_bytes`).
    #[error("value is too large")]
    TooLarge,
    /// The key is longer than 256 bytes.
    #[error("key is too long")]
    KeyTooLong,
    /// The user already has as many keys as allowed (`store.max_keys_per_user`).
    #[error("too many keys")]
    TooManyKeys,
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
    limits: ProfileLimits,
}

/// What one user may store: anonymous users can log in at will, so every value and key
/// they leave costs the operator memory or disk.
#[derive(Debug, Clone, Copy)]
pub struct ProfileLimits {
    /// Largest value, as serialised JSON bytes.
    pub max_value_bytes: usize,
    /// Most keys per user.
    pub max_keys: usize,
}

impl Default for ProfileLimits {
    fn default() -> Self {
        Self {
            max_value_bytes: 64 * 1024,
            max_keys: 64,
        }
    }
}

impl ProfileService {
    /// Builds the service; `defaults` is `StoreController.wrapped_key`.
    pub fn new(store: Arc<dyn ProfileStore>, logins: Arc<dyn LoginHistory>, defaults: Map<String, Value>) -> Self {
        Self {
            store,
            logins,
            defaults,
            limits: ProfileLimits::default(),
        }
    }

    /// Sets the per-user limits.
    #[must_use]
    pub fn with_limits(mut self, limits: ProfileLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Stores one setting.
    ///
    /// # Errors
    /// [`ProfileError::Store`] when the store fails.
    pub async fn set(&self, identity: &Identity, key: &str, value: &Value) -> Result<(), ProfileError> {
        let size = serde_json::to_vec(value).map_or(usize::MAX, |bytes| bytes.len());
        if key.len() > 256 {
            return Err(ProfileError::KeyTooLong);
        }
        if size > self.limits.max_value_bytes {
            return Err(ProfileError::TooLarge);
        }
        if self
            .store
            .set(&identity.owner(), key, value, self.limits.max_keys)
            .await?
        {
            Ok(())
        } else {
            Err(ProfileError::TooManyKeys)
        }
    }

    /// Reads one setting, falling back to the operator default.
    ///
    /// # Errors
    /// [`ProfileError::NotFound`] when neither exists.
    pub async fn get(&self, identity: &Identity, key: &str) -> Result<Value, ProfileError> {
        if let Some(value) = self.store.get(&identity.owner(), key).await? {
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
                // The same user id under another provider is another user.
                .filter(|record| record.provider == identity.provider)
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
