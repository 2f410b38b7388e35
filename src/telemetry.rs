//! Logging set-up: `tracing` to stderr, text or JSON, filtered by `logging.level` or
//! `RUST_LOG`. Lines go through a non-blocking writer: a dedicated thread writes them, so a
//! slow or blocked stderr (a full pipe to a log shipper) never stalls a request. If the
//! writer falls more than its buffer behind, lines are dropped rather than requests held.

use crate::config::LoggingConfig;
use tracing_subscriber::EnvFilter;

/// Keeps the log writer's thread alive; dropping it flushes what is buffered.
pub type LogGuard = tracing_appender::non_blocking::WorkerGuard;

/// Installs the global subscriber. Returns the writer's guard (hold it until exit), or an
/// error text when the filter is invalid.
pub fn init(config: &LoggingConfig) -> Result<LogGuard, String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if !filter.is_empty() => EnvFilter::try_new(filter),
        _ => EnvFilter::try_new(&config.level),
    }
    .map_err(|e| format!("logging.level: {e}"))?;
    use std::io::IsTerminal;
    // 8,192 pending lines (tracing-appender's default of 128,000 preallocates about 4 MB).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(8192)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    let result = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    result.map_err(|e| e.to_string())?;
    Ok(guard)
}
