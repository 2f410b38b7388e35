//! Webhooks recorded, not run: the quick start and tests see which commands a desktop
//! would run, and each answers the exit code set for its program (0 by default).

use crate::ports::webhooks::{WebhookError, WebhookRunner};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The commands asked to run, in order.
#[derive(Debug, Default)]
pub struct RecordedWebhooks {
    ran: Mutex<Vec<Vec<String>>>,
    exit_codes: BTreeMap<String, i32>,
}

impl RecordedWebhooks {
    /// A recorder whose `program` answers `code`.
    #[must_use]
    pub fn with_exit_code(mut self, program: &str, code: i32) -> Self {
        self.exit_codes.insert(program.to_owned(), code);
        self
    }

    /// Every command run so far.
    pub fn ran(&self) -> Vec<Vec<String>> {
        self.ran.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl WebhookRunner for RecordedWebhooks {
    async fn run(&self, argv: &[String], _timeout: Duration) -> Result<i32, WebhookError> {
        self.ran
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(argv.to_vec());
        Ok(argv
            .first()
            .and_then(|program| self.exit_codes.get(program))
            .copied()
            .unwrap_or(0))
    }
}
