//! The pyos-compatible HTTP API under `/API`, served by warp.
//!
//! One warp filter extracts the request; [`dispatch`] runs pyos's pipeline over a static
//! route table, so 404/405/411/413/415 semantics are exactly pyos's and nothing is parsed
//! or connected per request beyond the request itself.

pub mod client_certificate;
pub mod context;
pub mod dispatch;
pub mod envelope;
pub mod error;
pub mod handlers;
pub mod openapi;
pub mod pipeline;
pub mod route_spec;
pub mod routes;
pub mod server;
pub mod state;
pub mod trace;

pub use server::{RunningServer, start};
pub use state::{AppState, HttpSettings, KeyInfo};
