//! Applications: the catalog, who may run what, and running them in a desktop.

mod app;
mod catalog;
mod environment;
mod runtime;
mod service;

pub use app::{App, Engine, PUBLIC_ATTRIBUTES};
pub use catalog::{CatalogError, CatalogService};
pub use runtime::{AppLaunchSpec, AppRef, LaunchedApp, RunningApp};
pub use service::{AppError, AppPolicy, ApplicationService, RunRequest};
