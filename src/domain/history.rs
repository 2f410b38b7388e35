//! History records: desktop lifecycle events and logins, in pyos's document shape.

use crate::domain::labels::Labels;
use crate::ports::clock::UnixSeconds;
use serde::Serialize;

/// What happened to a desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DesktopEventType {
    /// Created.
    Start,
    /// Reattached.
    Resume,
    /// Removed.
    Stop,
}

/// One desktop history document (`desktop.history`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesktopEvent {
    /// User id.
    pub userid: String,
    /// Display name.
    pub name: String,
    /// Provider name.
    pub provider: String,
    /// Provider type.
    pub providertype: String,
    /// Auth labels.
    pub labels: Labels,
    /// Event type.
    pub eventtype: DesktopEventType,
    /// For `stop`: whether the garbage collector removed it; `None` otherwise.
    pub isgarbaged: Option<bool>,
    /// Pod name.
    pub desktop_id: String,
    /// Node name.
    pub node: Option<String>,
    /// When, in seconds since the epoch.
    pub date: UnixSeconds,
    /// `User-Agent` of the request that caused it.
    pub useragent: Option<String>,
    /// Client address of the request that caused it.
    pub ipaddr: String,
}

/// One login history document (`loginHistory.<userid>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoginRecord {
    /// User id.
    pub userid: String,
    /// Display name.
    pub name: String,
    /// Provider name.
    pub provider: String,
    /// Provider type.
    pub providertype: String,
    /// Auth labels.
    pub labels: Labels,
    /// When, in seconds since the epoch.
    pub date: UnixSeconds,
    /// `User-Agent` of the login request.
    pub useragent: Option<String>,
    /// Client address of the login request.
    pub ipaddr: String,
}
