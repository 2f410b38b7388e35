//! JWT key files: where they are, and generating them for the quick start.

use super::pem;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeySize, PrivateDecryptingKey};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The four PEM files the token codec reads (pyos's `jwt_token_user` and `jwt_token_desktop`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtKeyFiles {
    /// `jwt_token_user.jwtuserprivatekeyfile`.
    pub user_private: PathBuf,
    /// `jwt_token_user.jwtuserpublickeyfile`.
    pub user_public: PathBuf,
    /// `jwt_token_desktop.jwtdesktopprivatekeyfile`.
    pub desktop_private: PathBuf,
    /// `jwt_token_desktop.payloaddesktoppublickeyfile`.
    pub payload_public: PathBuf,
}

/// Key file errors, naming the file.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The file cannot be read.
    #[error("cannot read key file {0}: {1}")]
    Read(PathBuf, String),
    /// The file is not a usable RSA key.
    #[error("key file {0} is not a usable RSA PEM key: {1}")]
    Parse(PathBuf, String),
    /// A key could not be generated or written.
    #[error("cannot generate keys in {0}: {1}")]
    Generate(PathBuf, String),
}

/// File names used when deskplane generates keys into a directory (pyos's names).
pub const GENERATED_NAMES: [&str; 6] = [
    "abcdesktop_jwt_user_signing_private_key.pem",
    "abcdesktop_jwt_user_signing_public_key.pem",
    "abcdesktop_jwt_desktop_signing_private_key.pem",
    "abcdesktop_jwt_desktop_signing_public_key.pem",
    "abcdesktop_jwt_desktop_payload_private_key.pem",
    "abcdesktop_jwt_desktop_payload_public_key.pem",
];

impl JwtKeyFiles {
    /// The files inside a generated key directory.
    pub fn in_directory(directory: &Path) -> Self {
        Self {
            user_private: directory.join(GENERATED_NAMES[0]),
            user_public: directory.join(GENERATED_NAMES[1]),
            desktop_private: directory.join(GENERATED_NAMES[2]),
            payload_public: directory.join(GENERATED_NAMES[5]),
        }
    }
}

/// Creates `directory` and three 2048-bit RSA key pairs in it, unless all six files are
/// already there. Private keys are written with mode 0600. Returns whether keys were made.
///
/// # Errors
/// [`KeyError::Generate`] when the directory or a file cannot be written.
pub fn ensure_keys(directory: &Path) -> Result<bool, KeyError> {
    if GENERATED_NAMES.iter().all(|name| directory.join(name).is_file()) {
        return Ok(false);
    }
    let fail = |e: &dyn std::fmt::Display| KeyError::Generate(directory.to_path_buf(), e.to_string());
    std::fs::create_dir_all(directory).map_err(|e| fail(&e))?;
    for pair in GENERATED_NAMES.chunks(2) {
        let private = PrivateDecryptingKey::generate(KeySize::Rsa2048).map_err(|e| fail(&e))?;
        let private_der = private.as_der().map_err(|e| fail(&e))?;
        let public_der = private.public_key().as_der().map_err(|e| fail(&e))?;
        let private_pem = pem::encode("PRIVATE KEY", private_der.as_ref());
        let public_pem = pem::encode("PUBLIC KEY", public_der.as_ref());
        write_private(&directory.join(pair[0]), private_pem.as_bytes()).map_err(|e| fail(&e))?;
        std::fs::write(directory.join(pair[1]), public_pem.as_bytes()).map_err(|e| fail(&e))?;
    }
    Ok(true)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
