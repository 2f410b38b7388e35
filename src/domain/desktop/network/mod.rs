//! Network rules by label (`desktop.policies.rules.network`, orchestration.md §4.9, §8.7):
//! pod annotations (Multus networks), DNS settings, and webhook commands run when the
//! desktop starts (`create`) and when it goes away (`destroy`).
//!
//! Commands are split into arguments when the config loads, and each argument is
//! rendered on its own: a value from a user or a desktop (`{{ userid }}`) is always one
//! argument, never parsed by a shell, so it cannot add a command or an option boundary.

mod hooks;
mod words;

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub use hooks::NetworkHooks;
pub use words::split_words;

/// Most `create` commands one desktop runs (pyos 4.x).
pub const MAX_CREATE_COMMANDS: usize = 16;

/// The network rules and how their templates are filled.
#[derive(Debug, Clone, Default)]
pub struct NetworkRules {
    /// `desktop.policies.rules.network`: `default` and one entry per label.
    pub rules: Map<String, Value>,
    /// `desktop.webhookencodeparams`: URL-encode the values put in templates.
    pub encode_values: bool,
    /// `desktop.webhookdict`: more template values, used as they are.
    pub extra_values: Map<String, Value>,
}

/// The commands of one desktop, each an argument list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Webhooks {
    /// Run once the desktop has started.
    pub create: Vec<Vec<String>>,
    /// Run when the desktop is removed.
    pub destroy: Vec<Vec<String>>,
}

impl NetworkRules {
    /// The network settings of a user with `labels`: `default` (when a table), then the
    /// first rule whose name is one of the labels, merged key by key.
    pub fn select(&self, labels: &BTreeMap<String, String>) -> Map<String, Value> {
        let mut selected = Map::new();
        if let Some(Value::Object(default)) = self.rules.get("default") {
            selected.extend(default.clone());
        }
        if let Some((_, Value::Object(rule))) = self
            .rules
            .iter()
            .find(|(name, rule)| *name != "default" && rule.is_object() && labels.contains_key(*name))
        {
            selected.extend(rule.clone());
        }
        selected
    }

    /// The webhook commands for `labels`, rendered with `values` (the desktop's and the
    /// user's fields).
    pub fn webhooks(&self, labels: &BTreeMap<String, String>, values: &BTreeMap<String, String>) -> Webhooks {
        let selected = self.select(labels);
        let Some(hook) = selected.get("webhook").and_then(Value::as_object) else {
            return Webhooks::default();
        };
        let mut filled: BTreeMap<String, String> = values
            .iter()
            .map(|(key, value)| {
                let value = if self.encode_values {
                    form_urlencoded::byte_serialize(value.as_bytes()).collect()
                } else {
                    value.clone()
                };
                (key.clone(), value)
            })
            .collect();
        for (key, value) in &self.extra_values {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            filled.insert(key.clone(), text);
        }
        let commands = |key: &str| -> Vec<Vec<String>> {
            let texts: Vec<&str> = match hook.get(key) {
                Some(Value::String(one)) => vec![one.as_str()],
                Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            texts
                .into_iter()
                .filter_map(|text| split_words(text).ok())
                .filter(|argv| !argv.is_empty())
                .map(|argv| argv.iter().map(|arg| render(arg, &filled)).collect())
                .collect()
        };
        let mut create = commands("create");
        create.truncate(MAX_CREATE_COMMANDS);
        Webhooks {
            create,
            destroy: commands("destroy"),
        }
    }
}

/// Fills `{{ name }}` with `values` (unknown names render empty, as mustache does).
fn render(template: &str, values: &BTreeMap<String, String>) -> String {
    crate::domain::placeholders::fill(template, |key| values.get(key).cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests;
