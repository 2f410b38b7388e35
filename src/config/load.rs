//! Loading the configuration in layers: defaults → TOML file → environment.
//!
//! Environment overrides:
//! - `DESKPLANE__<section>__<key>=<value>` sets any key (`DESKPLANE__fail2ban__enable=true`);
//!   the value is read as a TOML value (`5`, `true`, `["10.0.0.0/8"]`), else as a string.
//! - pyos's variables: `POD_NAMESPACE` → `namespace`, `SERVER_HOST` / `SERVER_PORT` →
//!   `server.socket_host` / `server.socket_port`, `MONGODB_URL` → `mongodburl`,
//!   `MONGODB_PARAM` → `mongodbparam`, `MEMCACHESERVER` → `memcacheserver`; and
//!   `REDIS_URL` → `redisurl`. These are always read as text.

use super::model::Config;
use std::path::{Path, PathBuf};
use thiserror::Error;
use toml::{Table, Value};

/// Why a configuration could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// File.
        path: PathBuf,
        /// OS error.
        message: String,
    },
    /// The file is not valid TOML.
    #[error("{source_name} is not valid TOML: {message}")]
    Syntax {
        /// File name.
        source_name: String,
        /// Parser message with line and column.
        message: String,
    },
    /// A key has a value of the wrong type.
    #[error("{key}: {message} (from {origin})")]
    Invalid {
        /// Dotted key.
        key: String,
        /// What is wrong.
        message: String,
        /// Where the value came from (file or environment).
        origin: String,
    },
}

/// A loaded configuration and what was noticed while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Unknown keys and other non-fatal remarks.
    pub warnings: Vec<String>,
    /// Where it came from.
    pub origin: String,
}

/// Loads `path` (or only the built-in defaults when `None`) and applies `env`.
///
/// # Errors
/// [`ConfigError`] naming the file or the key.
pub fn load(path: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Loaded, ConfigError> {
    let (text, origin) = match path {
        Some(path) => (with_base(path, 0)?, path.display().to_string()),
        None => (String::new(), "built-in defaults".to_owned()),
    };
    load_str(&text, &origin, env)
}

/// The TOML of `path`, laid over the file its `extends` key names (relative to `path`),
/// so a shipped variant (`mongodb.toml`) states only what differs from its base.
fn with_base(path: &Path, depth: usize) -> Result<String, ConfigError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    };
    let text = read(path)?;
    let syntax = |message: String| ConfigError::Syntax {
        source_name: path.display().to_string(),
        message,
    };
    let mut table: Table = text.parse().map_err(|e: toml::de::Error| syntax(e.to_string()))?;
    let Some(base) = table.remove("extends") else {
        return Ok(text);
    };
    let Value::String(base) = base else {
        return Err(syntax("extends: must be a file name".into()));
    };
    if depth >= 4 {
        return Err(syntax("extends: more than 4 files deep".into()));
    }
    let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
    let mut merged: Table = with_base(&base_path, depth + 1)?
        .parse()
        .map_err(|e: toml::de::Error| syntax(e.to_string()))?;
    merge(&mut merged, table);
    toml::to_string(&merged).map_err(|e| syntax(e.to_string()))
}

/// Lays `over` onto `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(base_table)), Value::Table(over_table)) => merge(base_table, over_table),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Loads from TOML text (`origin` names it in messages) and applies `env`.
///
/// # Errors
/// [`ConfigError`] naming the source or the key.
pub fn load_str(
    text: &str,
    origin: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Loaded, ConfigError> {
    let mut table: Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Syntax {
        source_name: origin.to_owned(),
        message: e.to_string(),
    })?;
    let overridden = apply_env(&mut table, env);
    let mut warnings = Vec::new();
    let mut note_unknown = |path: serde_ignored::Path<'_>| warnings.push(format!("{path}: unknown key, ignored"));
    let deserializer = serde_ignored::Deserializer::new(Value::Table(table), &mut note_unknown);
    let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = error.path().to_string();
        let origin = overridden
            .iter()
            .find(|(k, _)| key.starts_with(k.as_str()))
            .map_or_else(|| origin.to_owned(), |(_, var)| format!("environment variable {var}"));
        ConfigError::Invalid {
            key,
            message: error.into_inner().to_string(),
            origin,
        }
    })?;
    // Dynamic tables (authmanagers, dock…) are read as JSON, so their unknown keys are
    // reported by their own parsers, not here.
    warnings.retain(|w| !w.starts_with("authmanagers"));
    Ok(Loaded {
        config,
        warnings,
        origin: origin.to_owned(),
    })
}

/// Applies the environment; returns `(dotted key, variable)` of every override.
fn apply_env(table: &mut Table, env: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut applied = Vec::new();
    for (name, raw) in env {
        let path: Vec<String> = match name.as_str() {
            "POD_NAMESPACE" => vec!["namespace".into()],
            "SERVER_HOST" => vec!["server".into(), "socket_host".into()],
            "SERVER_PORT" => vec!["server".into(), "socket_port".into()],
            "MONGODB_URL" => vec!["mongodburl".into()],
            "MONGODB_PARAM" => vec!["mongodbparam".into()],
            "MEMCACHESERVER" => vec!["memcacheserver".into()],
            "REDIS_URL" => vec!["redisurl".into()],
            _ => match name.strip_prefix("DESKPLANE__") {
                Some(rest) if !rest.is_empty() => rest.split("__").map(str::to_owned).collect(),
                _ => continue,
            },
        };
        // Addresses are text even when they look like TOML (a bare `1.5` host, say).
        let text_only = matches!(
            name.as_str(),
            "MONGODB_URL" | "MONGODB_PARAM" | "MEMCACHESERVER" | "REDIS_URL"
        );
        let value = format!("v = {raw}")
            .parse::<Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .filter(|_| !text_only)
            .unwrap_or(Value::String(raw.clone()));
        set_path(table, &path, value);
        applied.push((path.join("."), name));
    }
    applied
}

fn set_path(table: &mut Table, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}
