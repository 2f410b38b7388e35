//! Logging set-up: `tracing` to stderr, text or JSON, filtered by `logging.level` or
//! `RUST_LOG`.

use crate::config::LoggingConfig;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Returns an error text when the filter is invalid.
pub fn init(config: &LoggingConfig) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if !filter.is_empty() => EnvFilter::try_new(filter),
        _ => EnvFilter::try_new(&config.level),
    }
    .map_err(|e| format!("logging.level: {e}"))?;
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let result = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| e.to_string())
}
