//! Webhook commands run as child processes: the program and its arguments handed to the
//! OS as they are (no shell), killed when they outlast their time.

use crate::ports::webhooks::{WebhookError, WebhookRunner};
use async_trait::async_trait;
use std::process::Stdio;
use std::time::Duration;

/// Runs webhook commands on this host.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessWebhooks;

#[async_trait]
impl WebhookRunner for ProcessWebhooks {
    async fn run(&self, argv: &[String], timeout: Duration) -> Result<i32, WebhookError> {
        let Some((program, arguments)) = argv.split_first() else {
            return Err(WebhookError::Spawn {
                program: String::new(),
                reason: "empty command".into(),
            });
        };
        let mut child = tokio::process::Command::new(program)
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| WebhookError::Spawn {
                program: program.clone(),
                reason: error.to_string(),
            })?;
        match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(status)) => Ok(status.code().unwrap_or(-1)),
            Ok(Err(error)) => Err(WebhookError::Spawn {
                program: program.clone(),
                reason: error.to_string(),
            }),
            // Dropping the child kills it (kill_on_drop).
            Err(_) => Err(WebhookError::Timeout(program.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[tokio::test]
    async fn arguments_reach_the_program_as_they_are_and_time_is_bounded() {
        let runner = ProcessWebhooks;
        let second = Duration::from_secs(5);
        // `test` sees one argument, however it looks: no shell splits or expands it.
        assert_eq!(
            runner.run(&argv(&["test", "-n", "x; exit 3"]), second).await.unwrap(),
            0
        );
        assert_eq!(
            runner
                .run(&argv(&["test", "$(false)", "=", "$(false)"]), second)
                .await
                .unwrap(),
            0
        );
        assert_eq!(runner.run(&argv(&["false"]), second).await.unwrap(), 1);
        let slow = runner.run(&argv(&["sleep", "5"]), Duration::from_millis(100)).await;
        assert!(matches!(slow, Err(WebhookError::Timeout(_))), "{slow:?}");
        let missing = runner.run(&argv(&["/nonexistent/program"]), second).await;
        assert!(matches!(missing, Err(WebhookError::Spawn { .. })), "{missing:?}");
    }
}
