//! JSON merge patch (RFC 7386) and the strategic merge patch subset the double needs:
//! lists of named items (containers, env, volumes…) merge by `name`.

use serde_json::Value;

/// Lists merged by `name` under a strategic merge patch.
const NAMED_LISTS: [&str; 9] = [
    "containers",
    "initContainers",
    "ephemeralContainers",
    "env",
    "volumes",
    "volumeMounts",
    "imagePullSecrets",
    "conditions",
    "ports",
];

/// Applies a JSON merge patch.
pub fn merge(target: &mut Value, patch: &Value) {
    apply(target, patch, false, "");
}

/// Applies a strategic merge patch.
pub fn strategic(target: &mut Value, patch: &Value) {
    apply(target, patch, true, "");
}

fn apply(target: &mut Value, patch: &Value, strategic: bool, key: &str) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let Value::Object(object) = target else { return };
            for (name, value) in fields {
                if value.is_null() {
                    object.remove(name);
                } else {
                    apply(
                        object.entry(name.clone()).or_insert(Value::Null),
                        value,
                        strategic,
                        name,
                    );
                }
            }
        }
        Value::Array(items) if strategic && NAMED_LISTS.contains(&key) && target.is_array() => {
            let Value::Array(existing) = target else { return };
            for item in items {
                let name_key = if key == "conditions" { "type" } else { "name" };
                match existing
                    .iter_mut()
                    .find(|e| e.get(name_key).is_some() && e.get(name_key) == item.get(name_key))
                {
                    Some(slot) => apply(slot, item, strategic, ""),
                    None => existing.push(item.clone()),
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_patches_merge_named_lists_and_merge_patches_replace_them() {
        let mut pod = json!({"metadata": {"annotations": {"a": "1"}}, "spec": {"ephemeralContainers": [{"name": "x", "image": "i"}]}});
        strategic(
            &mut pod,
            &json!({"metadata": {"annotations": {"b": "2"}}, "spec": {"ephemeralContainers": [{"name": "y", "image": "j"}]}}),
        );
        assert_eq!(pod["metadata"]["annotations"], json!({"a": "1", "b": "2"}));
        assert_eq!(pod["spec"]["ephemeralContainers"].as_array().unwrap().len(), 2);
        merge(
            &mut pod,
            &json!({"spec": {"ephemeralContainers": [{"name": "z"}]}, "metadata": {"annotations": {"a": null}}}),
        );
        assert_eq!(pod["spec"]["ephemeralContainers"].as_array().unwrap().len(), 1);
        assert_eq!(pod["metadata"]["annotations"], json!({"b": "2"}));
    }
}
