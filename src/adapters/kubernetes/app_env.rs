//! The environment of an application (orchestration.md §7.3, §9.1): the domain's, with
//! what the desktop's override command answers merged over it
//! (`desktop.overwrite_environment_variable_for_application`, run in the graphical
//! container with `--type <engine>`: a JSON object, or a list of objects, of variables).
//! A command that fails or answers something else changes nothing; the launch goes on.

use super::KubernetesOrchestrator;
use crate::domain::apps::AppLaunchSpec;
use crate::domain::desktop::Desktop;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The variables an override answer sets, in its order; `None` for an answer that is not
/// an object or a list of objects.
fn overrides(answer: &str) -> Option<Vec<(String, String)>> {
    let text = |value: &Value| value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    let objects: Vec<Map<String, Value>> = match serde_json::from_str::<Value>(answer).ok()? {
        Value::Object(one) => vec![one],
        Value::Array(many) => many
            .into_iter()
            .map(|item| match item {
                Value::Object(one) => Some(one),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some(
        objects
            .iter()
            .flat_map(|object| object.iter().map(|(name, value)| (name.clone(), text(value))))
            .collect(),
    )
}

impl KubernetesOrchestrator {
    /// The application's environment as container `env` entries.
    pub(super) async fn app_env(&self, desktop: &Desktop, spec: &AppLaunchSpec) -> Vec<Value> {
        let mut env: Vec<(String, String)> = spec.env.clone();
        if let Some(command) = &self.settings.pod.app_env_command {
            let mut command = command.clone();
            command.extend(["--type".to_owned(), spec.engine.as_str().to_owned()]);
            let container = desktop
                .container_name
                .clone()
                .unwrap_or_else(|| super::GRAPHICAL.into());
            match self
                .exec(&desktop.name, &container, command, Duration::from_secs(5))
                .await
            {
                Ok((0, answer)) => match overrides(&answer) {
                    Some(set) => {
                        for (name, value) in set {
                            match env.iter_mut().find(|(held, _)| *held == name) {
                                Some(held) => held.1 = value,
                                None => env.push((name, value)),
                            }
                        }
                    }
                    None => tracing::warn!(desktop = %desktop.name, "the environment override answered no JSON object"),
                },
                Ok((code, _)) => tracing::warn!(desktop = %desktop.name, code, "the environment override failed"),
                Err(error) => tracing::warn!(desktop = %desktop.name, %error, "the environment override did not run"),
            }
        }
        env.into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_are_objects_or_lists_of_objects() {
        assert_eq!(
            super::overrides(r#"{"A": "1", "B": 2}"#).unwrap(),
            [("A".to_owned(), "1".to_owned()), ("B".to_owned(), "2".to_owned())]
        );
        assert_eq!(
            super::overrides(r#"[{"A": "1"}, {"A": "2"}]"#).unwrap(),
            [("A".to_owned(), "1".to_owned()), ("A".to_owned(), "2".to_owned())]
        );
        for bad in ["", "nope", "[1]", "\"A=1\"", "[{\"A\": 1}, 2]"] {
            assert!(super::overrides(bad).is_none(), "{bad:?}");
        }
    }
}
