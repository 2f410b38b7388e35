//! deskplane: a control plane for cloud desktops, compatible with abcdesktop's pyos API.
//!
//! Hexagonal layout: [`domain`] is the pure core, [`ports`] its traits, [`adapters`] the
//! backends, [`http`] the pyos-compatible API, [`config`] the typed configuration and
//! [`app`] the wiring that turns a config into a running server.

pub mod adapters;
pub mod admin;
pub mod app;
pub mod background;
pub mod config;
pub mod cpu_pool;
pub mod domain;
pub mod http;
pub mod ports;
pub mod telemetry;

#[cfg(test)]
pub mod testkit;
