//! Building the credential artefacts a login may leave for the desktop (auth.md §4.8):
//! a Kerberos keytab, NTLM hashes. The tools are host programs; passwords reach them on
//! stdin or in the environment, never on a command line another process could read.

use crate::domain::secret::Secret;
use async_trait::async_trait;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why an artefact could not be built. The login goes on without it.
#[derive(Debug, Error)]
pub enum CredentialError {
    /// The tool refused or failed (its exit, not its output: that may hold secrets).
    #[error("{0}")]
    Failed(String),
    /// The tool could not be run, or ran too long.
    #[error("{0}")]
    Unavailable(String),
}

/// The credential tools.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait CredentialTools: Send + Sync {
    /// A keytab holding `principal`'s keys of each of `enctypes`, derived from `password`
    /// with the default salt (no KDC is asked).
    ///
    /// # Errors
    /// [`CredentialError::Failed`] when the tool refuses (an unknown enctype, an invalid
    /// principal), [`CredentialError::Unavailable`] when it cannot run.
    async fn keytab(&self, principal: &str, password: &Secret, enctypes: &[String])
    -> Result<Vec<u8>, CredentialError>;
    /// The `KEY=VALUE` lines the NTLM helper `command` prints when run with
    /// `NTLM_PASSWORD` in its environment.
    ///
    /// # Errors
    /// [`CredentialError::Failed`] for a non-zero exit, [`CredentialError::Unavailable`]
    /// when it cannot run.
    async fn ntlm(&self, command: &[String], password: &Secret) -> Result<BTreeMap<String, String>, CredentialError>;
    /// The hashes `cntlm -H -u <login> -d <domain>` prints for `password`, as
    /// `CNTLM_<NAME>` (`CNTLM_PASSLM`, `CNTLM_PASSNT`, `CNTLM_PASSNTLMV2`).
    ///
    /// # Errors
    /// [`CredentialError::Failed`] for a non-zero exit or no hash,
    /// [`CredentialError::Unavailable`] when it cannot run.
    async fn cntlm(
        &self,
        login: &str,
        domain: &str,
        password: &Secret,
    ) -> Result<BTreeMap<String, String>, CredentialError>;
}
