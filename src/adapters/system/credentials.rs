//! The credential tools of this host: MIT `ktutil` for keytabs, the operator's NTLM
//! helper, `cntlm -H`. Each runs without a shell, with a time limit; the keytab is written
//! in a private temporary folder and removed once read.

use crate::domain::secret::Secret;
use crate::ports::credentials::{CredentialError, CredentialTools};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Where the tools are and how long they may run.
#[derive(Debug, Clone)]
pub struct SystemCredentialTools {
    /// `ktutil` (provider key `ktutil`; `/usr/bin/ktutil`).
    pub ktutil: String,
    /// `cntlm` (`/usr/sbin/cntlm`).
    pub cntlm: String,
    /// Longest run of a tool (provider key `exec_timeout`; 10 s).
    pub timeout: Duration,
}

impl Default for SystemCredentialTools {
    fn default() -> Self {
        Self {
            ktutil: "/usr/bin/ktutil".into(),
            cntlm: "/usr/sbin/cntlm".into(),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `KEY=VALUE` lines, blank and malformed lines skipped.
fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.trim().split_once('='))
        .filter(|(key, _)| !key.trim().is_empty())
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

impl SystemCredentialTools {
    /// Runs `program` with `args`, writes `input` to its stdin, and returns its stdout.
    async fn run(
        &self,
        program: &str,
        args: &[String],
        env: &[(&str, &str)],
        input: &str,
    ) -> Result<String, CredentialError> {
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| CredentialError::Unavailable(format!("cannot start {program}: {error}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes()).await;
        }
        let output = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| CredentialError::Unavailable(format!("{program} did not finish in time")))?
            .map_err(|error| CredentialError::Unavailable(format!("{program}: {error}")))?;
        if !output.status.success() {
            return Err(CredentialError::Failed(format!("{program} exited {}", output.status)));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

#[async_trait]
impl CredentialTools for SystemCredentialTools {
    async fn keytab(
        &self,
        principal: &str,
        password: &Secret,
        enctypes: &[String],
    ) -> Result<Vec<u8>, CredentialError> {
        // ktutil reads commands line by line: a principal, enctype or password with a line
        // break or a blank would add commands of its own.
        let plain = |text: &str| !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if !plain(principal) || !enctypes.iter().all(|e| plain(e)) || password.expose().contains(['\n', '\r']) {
            return Err(CredentialError::Failed(
                "the principal, an enctype or the password cannot go to ktutil".into(),
            ));
        }
        let folder = std::env::temp_dir().join(format!("deskplane-keytab-{}", rand::random::<u64>()));
        // File work goes through tokio's blocking pool, not the async workers.
        tokio::fs::DirBuilder::new()
            .mode(0o700)
            .create(&folder)
            .await
            .map_err(|error| CredentialError::Unavailable(format!("keytab folder: {error}")))?;
        let file = folder.join("keytab");
        let mut script = String::new();
        for enctype in enctypes {
            script.push_str(&format!(
                "addent -password -p {principal} -k 1 -e {enctype}\n{}\n",
                password.expose()
            ));
        }
        script.push_str(&format!("wkt {}\nq\n", file.display()));
        let ran = self.run(&self.ktutil, &[], &[], &script).await;
        let keytab = tokio::fs::read(&file).await;
        let _ = tokio::fs::remove_dir_all(&folder).await;
        ran?;
        keytab.map_err(|_| CredentialError::Failed("ktutil wrote no keytab (an unknown enctype?)".into()))
    }

    async fn ntlm(&self, command: &[String], password: &Secret) -> Result<BTreeMap<String, String>, CredentialError> {
        let Some((program, args)) = command.split_first() else {
            return Err(CredentialError::Unavailable("no ntlm_command".into()));
        };
        let out = self
            .run(program, args, &[("NTLM_PASSWORD", password.expose())], "")
            .await?;
        Ok(key_values(&out))
    }

    async fn cntlm(
        &self,
        login: &str,
        domain: &str,
        password: &Secret,
    ) -> Result<BTreeMap<String, String>, CredentialError> {
        let args = [
            "-H".to_owned(),
            "-u".into(),
            login.to_owned(),
            "-d".into(),
            domain.to_owned(),
        ];
        let out = self
            .run(&self.cntlm, &args, &[], &format!("{}\n", password.expose()))
            .await?;
        let hashes: BTreeMap<String, String> = out
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                let (name, value) = (words.next()?, words.next()?);
                name.starts_with("Pass")
                    .then(|| (format!("CNTLM_{}", name.to_uppercase()), value.to_owned()))
            })
            .collect();
        if hashes.is_empty() {
            return Err(CredentialError::Failed("cntlm printed no hash".into()));
        }
        Ok(hashes)
    }
}

#[cfg(test)]
mod tests;
