//! Running the network webhooks of desktops (orchestration.md §8.7): operator commands
//! run when a desktop starts and when it goes away, for firewalls and DNS.

use async_trait::async_trait;
use std::time::Duration;
use thiserror::Error;

/// Why a command did not run to its end.
#[derive(Debug, Error)]
pub enum WebhookError {
    /// The program could not be started.
    #[error("cannot start {program}: {reason}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
    /// It ran longer than allowed and was killed.
    #[error("{0} did not finish in time")]
    Timeout(String),
}

/// Runs commands.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait WebhookRunner: Send + Sync {
    /// Runs `argv[0]` with the other items as its arguments, each passed as one argument
    /// (no shell reads them), and waits at most `timeout`. Returns the exit code (`-1`
    /// when a signal ended it).
    ///
    /// # Errors
    /// [`WebhookError::Spawn`] when it cannot start, [`WebhookError::Timeout`] when it is
    /// killed for running too long.
    async fn run(&self, argv: &[String], timeout: Duration) -> Result<i32, WebhookError>;
}
