//! `deskplane config import`: pyos's od.config (CherryPy INI, Python-literal values) made
//! into the equivalent deskplane TOML. deskplane keeps pyos's key names, so most keys move
//! as they are (`desktop.pod` becomes `[desktop.pod]`); the few that differ are renamed
//! here, `config_ref` indirections are resolved, and every key deskplane cannot take is
//! dropped with a comment saying why, so nothing disappears silently.

mod ini;
mod python_literal;

use super::load::{ConfigError, load_str};
use serde_json::{Map, Value};
use thiserror::Error;

pub use ini::IniError;
pub use python_literal::LiteralError;

/// Why an od.config could not be imported.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file is not in CherryPy's INI dialect.
    #[error(transparent)]
    Ini(#[from] IniError),
    /// A value is not a Python literal.
    #[error("line {line}: {key}: {error}")]
    Literal {
        /// The key.
        key: String,
        /// Its line.
        line: usize,
        /// What is wrong.
        error: LiteralError,
    },
    /// The result still does not load (a bug of the importer: it names the key).
    #[error("the imported configuration does not load: {0}")]
    Result(String),
}

/// One key left out of the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The od.config key (dotted path inside a value).
    pub key: String,
    /// Why.
    pub reason: String,
}

/// The imported configuration.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The TOML text, its comments listing what was dropped.
    pub toml: String,
    /// What was dropped.
    pub dropped: Vec<Dropped>,
}

/// Managers whose providers may name a `config_ref` (auth.md §3.1; not `external`).
const CONFIG_REF_MANAGERS: [&str; 3] = ["implicit", "explicit", "metaexplicit"];

/// od.config keys whose deskplane name differs.
const RENAMED: [(&str, &[&str]); 4] = [
    ("auth.logmein", &["logmein"]),
    ("auth.prelogin", &["prelogin"]),
    (
        "K8S_CREATE_POD_TIMEOUT_SECONDS",
        &["kubernetes", "create_pod_timeout_seconds"],
    ),
    (
        "K8S_BOUND_PVC_TIMEOUT_SECONDS",
        &["kubernetes", "bound_pvc_timeout_seconds"],
    ),
];

/// od.config keys deskplane has no use for, and why.
const LEFT_OUT: [(&str, &str); 3] = [
    (
        "OAUTHLIB_INSECURE_TRANSPORT",
        "a switch of Python's oauthlib, which deskplane does not use",
    ),
    (
        "OAUTHLIB_RELAX_TOKEN_SCOPE",
        "a switch of Python's oauthlib, which deskplane does not use",
    ),
    (
        "logging",
        "a Python logging.config dictionary; deskplane's [logging] takes a level and a format",
    ),
];

/// Imports od.config `text`.
///
/// # Errors
/// [`ImportError`] naming the line or key.
pub fn import(text: &str) -> Result<Imported, ImportError> {
    let mut dropped = Vec::new();
    let mut pyos = Map::new();
    for option in ini::parse(text)? {
        if option.section != "global" {
            dropped.push(Dropped {
                key: format!("[{}] {}", option.section, option.key),
                reason: "pyos reads only the [global] section".into(),
            });
            continue;
        }
        let value = python_literal::parse(&option.value).map_err(|error| ImportError::Literal {
            key: option.key.clone(),
            line: option.line,
            error,
        })?;
        pyos.insert(option.key, value);
    }
    resolve_config_refs(&mut pyos, &mut dropped);
    if let Some(controllers) = pyos.get_mut("controllers").and_then(Value::as_object_mut) {
        for retired in super::check::RETIRED_CONTROLLERS {
            if controllers.shift_remove(retired).is_some() {
                dropped.push(Dropped {
                    key: format!("controllers.{retired}"),
                    reason: "its routes left pyos in 2022; deskplane serves none of them".into(),
                });
            }
        }
    }
    let mut table = Map::new();
    for (key, mut value) in pyos {
        if let Some((_, reason)) = LEFT_OUT.iter().find(|(name, _)| *name == key) {
            dropped.push(Dropped {
                key,
                reason: (*reason).to_owned(),
            });
            continue;
        }
        if value.is_null() {
            dropped.push(none_dropped(&key));
            continue;
        }
        drop_nulls(&key, &mut value, &mut dropped);
        let path: Vec<String> = RENAMED.iter().find(|(name, _)| *name == key).map_or_else(
            || key.split('.').map(str::to_owned).collect(),
            |(_, to)| to.iter().map(|s| (*s).to_owned()).collect(),
        );
        insert_path(&mut table, &path, value);
    }
    table.entry("backends").or_insert_with(
        || serde_json::json!({"orchestrator": "kubernetes", "datastore": "mongodb", "cache": "memcached"}),
    );
    let toml = drop_what_does_not_load(table, &mut dropped)?;
    Ok(Imported {
        toml: render(&toml, &dropped),
        dropped,
    })
}

fn none_dropped(key: &str) -> Dropped {
    Dropped {
        key: key.to_owned(),
        reason: "None: deskplane's default applies".into(),
    }
}

/// Merges the first map of each `config_ref` entry into its provider, overwriting, as pyos
/// does, and drops the referenced top-level entries.
fn resolve_config_refs(pyos: &mut Map<String, Value>, dropped: &mut Vec<Dropped>) {
    let mut used = Vec::new();
    let mut merges = Vec::new();
    if let Some(managers) = pyos.get("authmanagers").and_then(Value::as_object) {
        for manager in CONFIG_REF_MANAGERS {
            let providers = managers
                .get(manager)
                .and_then(|m| m.get("providers"))
                .and_then(Value::as_object);
            for (name, provider) in providers.into_iter().flatten() {
                if let Some(reference) = provider.get("config_ref").and_then(Value::as_str) {
                    let first = pyos
                        .get(reference)
                        .and_then(Value::as_object)
                        .and_then(|entries| entries.values().next())
                        .and_then(Value::as_object)
                        .cloned();
                    merges.push((manager, name.clone(), reference.to_owned(), first));
                }
            }
        }
    }
    for (manager, name, reference, first) in merges {
        let provider = &mut pyos["authmanagers"][manager]["providers"][&name];
        if let Some(object) = provider.as_object_mut() {
            object.shift_remove("config_ref");
            match first {
                Some(values) => object.extend(values),
                None => dropped.push(Dropped {
                    key: format!("authmanagers.{manager}.providers.{name}.config_ref"),
                    reason: format!("{reference} is not a map of provider configurations"),
                }),
            }
        }
        used.push((reference, format!("authmanagers.{manager}.providers.{name}")));
    }
    for (reference, provider) in used {
        if pyos.shift_remove(&reference).is_some() {
            dropped.push(Dropped {
                key: reference,
                reason: format!("merged into {provider} (config_ref)"),
            });
        }
    }
}

/// Removes `None` values (TOML has no null), noting each.
fn drop_nulls(path: &str, value: &mut Value, dropped: &mut Vec<Dropped>) {
    match value {
        Value::Object(map) => {
            map.retain(|key, field| {
                if field.is_null() {
                    dropped.push(none_dropped(&format!("{path}.{key}")));
                    return false;
                }
                true
            });
            for (key, field) in map.iter_mut() {
                drop_nulls(&format!("{path}.{key}"), field, dropped);
            }
        }
        Value::Array(items) => {
            if items.iter().any(Value::is_null) {
                dropped.push(none_dropped(&format!("{path}[None]")));
                items.retain(|item| !item.is_null());
            }
            for item in items.iter_mut() {
                drop_nulls(path, item, dropped);
            }
        }
        _ => {}
    }
}

fn insert_path(table: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        current = next;
    }
    match (current.get_mut(last), value) {
        (Some(Value::Object(held)), Value::Object(more)) => held.extend(more),
        (_, value) => {
            current.insert(last.clone(), value);
        }
    }
}

/// Loads the result as `deskplane serve` would; every key it reports unknown or cannot
/// take is dropped and noted, until it loads without a remark.
fn drop_what_does_not_load(table: Map<String, Value>, dropped: &mut Vec<Dropped>) -> Result<String, ImportError> {
    let mut table = Value::Object(table);
    for _ in 0..1000 {
        let text = to_toml(&table)?;
        let (key, reason) = match load_str(&text, "the imported configuration", Vec::new()) {
            Ok(loaded) => match loaded.warnings.first() {
                None => return Ok(text),
                Some(warning) => match warning.strip_suffix(": unknown key, ignored") {
                    Some(key) => (key.to_owned(), "deskplane has no such key".to_owned()),
                    None => return Err(ImportError::Result(warning.clone())),
                },
            },
            Err(ConfigError::Invalid { key, message, .. }) => {
                let first_line = message.lines().next().unwrap_or_default().trim().to_owned();
                (key, format!("deskplane cannot take this value: {first_line}"))
            }
            Err(other) => return Err(ImportError::Result(other.to_string())),
        };
        if !remove_path(&mut table, &key) {
            return Err(ImportError::Result(format!("{key}: {reason}")));
        }
        dropped.push(Dropped { key, reason });
    }
    Err(ImportError::Result("too many keys to drop".into()))
}

fn remove_path(table: &mut Value, dotted: &str) -> bool {
    let segments: Vec<&str> = dotted.split('.').collect();
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut current = table;
    for segment in parents {
        match current.get_mut(*segment) {
            Some(next) => current = next,
            None => return false,
        }
    }
    current
        .as_object_mut()
        .is_some_and(|map| map.shift_remove(*last).is_some())
}

fn to_toml(table: &Value) -> Result<String, ImportError> {
    let value = toml::Value::try_from(table).map_err(|e| ImportError::Result(e.to_string()))?;
    toml::to_string(&value).map_err(|e| ImportError::Result(e.to_string()))
}

fn render(toml: &str, dropped: &[Dropped]) -> String {
    let mut text = String::from(
        "# Imported from pyos's od.config by `deskplane config import`.\n\
         # pyos ran on Kubernetes with MongoDB (MONGODB_URL) and Memcached (MEMCACHESERVER):\n\
         # [backends] says so; set them to \"memory\" to try this file without those servers.\n",
    );
    if !dropped.is_empty() {
        text.push_str("#\n# Left out:\n");
        for item in dropped {
            // One comment line each, whatever a key or reason holds.
            let line = format!("{}: {}", item.key, item.reason).replace(['\n', '\r'], " ");
            text.push_str(&format!("# - {line}\n"));
        }
    }
    text.push('\n');
    text.push_str(toml);
    text
}

#[cfg(test)]
mod tests;
