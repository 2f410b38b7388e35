//! Credential tools without host programs, for tests and the quick start: each artefact
//! is a fixed, visibly fake value derived from its inputs' names (never from the
//! password), so a desktop sees the files it expects and nothing secret is made up.

use crate::domain::secret::Secret;
use crate::ports::credentials::{CredentialError, CredentialTools};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Fake credential tools.
#[derive(Debug, Default, Clone, Copy)]
pub struct MemoryCredentialTools;

#[async_trait]
impl CredentialTools for MemoryCredentialTools {
    async fn keytab(
        &self,
        principal: &str,
        _password: &Secret,
        enctypes: &[String],
    ) -> Result<Vec<u8>, CredentialError> {
        Ok(format!("memory keytab of {principal} ({})", enctypes.join(", ")).into_bytes())
    }

    async fn ntlm(&self, command: &[String], _password: &Secret) -> Result<BTreeMap<String, String>, CredentialError> {
        let program = command.first().cloned().unwrap_or_default();
        Ok(BTreeMap::from([(
            "NTLM_NT_HASH".to_owned(),
            format!("memory hash from {program}"),
        )]))
    }

    async fn cntlm(
        &self,
        login: &str,
        domain: &str,
        _password: &Secret,
    ) -> Result<BTreeMap<String, String>, CredentialError> {
        Ok(BTreeMap::from([(
            "CNTLM_PASSNT".to_owned(),
            format!("memory hash of {domain}\\{login}"),
        )]))
    }
}
