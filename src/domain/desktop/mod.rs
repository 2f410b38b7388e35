//! Desktops: finding, resuming, creating and removing a user's desktop.

pub mod cifs;
mod gc;
mod locks;
mod lookup;
mod model;
pub mod network;
mod reuse;
mod routing;
mod service;
mod spec;
mod teardown;
mod usage;

pub use gc::GcRequest;
pub use model::{
    Desktop, DesktopCookies, DesktopOwner, DesktopPhase, DesktopSpec, PosixAccount, PosixGroup, RemovalScope,
    UserSecret,
};
pub use routing::host_of;
pub use service::{DesktopError, DesktopPolicy, DesktopService, LaunchRequest, LaunchedDesktop};
pub use usage::default_cgroup_map;
