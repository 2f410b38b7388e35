//! Translation of kube errors into the orchestrator port's errors.

use crate::ports::OrchestratorError;

/// Maps a kube error: 404 → NotFound, 409 → AlreadyExists, 400/403/422 → Rejected,
/// transport problems and 5xx → Unavailable.
pub fn from_kube(error: kube::Error, what: &str) -> OrchestratorError {
    match error {
        kube::Error::Api(status) => match status.code {
            404 => OrchestratorError::NotFound(what.to_owned()),
            409 => OrchestratorError::AlreadyExists(what.to_owned()),
            400 | 403 | 422 => OrchestratorError::Rejected(format!("{what}: {}", status.message)),
            code if code >= 500 || code == 429 => {
                OrchestratorError::Unavailable(format!("{what}: {code} {}", status.message))
            }
            code => OrchestratorError::Unexpected(anyhow::anyhow!("{what}: {code} {}", status.message)),
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            OrchestratorError::Unavailable(format!("{what}: {error}"))
        }
        other => OrchestratorError::Unexpected(anyhow::anyhow!("{what}: {other}")),
    }
}
