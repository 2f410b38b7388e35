//! The `Status` objects the API server answers failures with.

use super::resources::Resource;
use serde_json::{Value, json};

/// A Kubernetes `Status` failure: HTTP code, reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiStatus {
    /// HTTP status.
    pub code: u16,
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Gone`, `BadRequest`…
    pub reason: &'static str,
    /// Message.
    pub message: String,
}

impl ApiStatus {
    /// The `Status` object the API server sends.
    pub fn to_json(&self) -> Value {
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": self.message, "reason": self.reason, "code": self.code})
    }
    pub(super) fn not_found(resource: &Resource, name: &str) -> Self {
        Self {
            code: 404,
            reason: "NotFound",
            message: format!("{} \"{name}\" not found", resource.plural),
        }
    }
}
