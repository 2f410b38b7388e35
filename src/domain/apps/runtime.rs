//! What the domain asks of, and gets back from, the application runtime.

use super::app::{App, Engine};
use crate::domain::desktop::PosixAccount;
use serde::Serialize;

/// Everything needed to start one application.
#[derive(Debug, Clone)]
pub struct AppLaunchSpec {
    /// Container (or pod) name.
    pub name: String,
    /// The catalog entry.
    pub app: App,
    /// Environment, in order.
    pub env: Vec<(String, String)>,
    /// Engine.
    pub engine: Engine,
    /// The POSIX account it runs as (resolved once, by the domain).
    pub posix: PosixAccount,
}

/// Addresses one application: the pod it lives in and its container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRef {
    /// Pod name (the desktop pod for ephemeral containers).
    pub podname: String,
    /// Container name (or id).
    pub containerid: String,
}

/// The answer to a launch (`ocrun` result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaunchedApp {
    /// Container (or pod) name.
    pub container_id: String,
    /// State text (`Running`, a waiting reason, `Application`).
    pub state: String,
    /// `ephemeral_container` or `pod_application`.
    #[serde(rename = "type")]
    pub kind: String,
    /// X11 class of the app window.
    pub wm_class: String,
}

/// One running (or finished) application, as `listcontainer` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningApp {
    /// Pod name.
    pub podname: String,
    /// Container name.
    pub id: String,
    /// Runtime container id.
    pub short_id: String,
    /// Phase: Running, Waiting, Terminated, Completed, Succeeded, Error.
    pub status: String,
    /// Image.
    pub image: String,
    /// Node.
    pub node: Option<String>,
    /// Engine.
    pub engine: Engine,
}
