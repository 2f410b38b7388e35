//! What the API server does to an object before storing it, beyond metadata: a Secret's
//! `stringData` is written into `data`, base64-encoded, and never stored itself (kubectl
//! apply and Secret manifests rely on it).

use base64::Engine as _;
use serde_json::{Map, Value};

/// Normalises `object` of `plural` as the API server stores it.
pub fn admit(plural: &str, object: &mut Value) {
    if plural != "secrets" {
        return;
    }
    let Some(Value::Object(strings)) = object.as_object_mut().and_then(|o| o.remove("stringData")) else {
        return;
    };
    if !object["data"].is_object() {
        object["data"] = Value::Object(Map::new());
    }
    for (key, value) in strings {
        let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        object["data"][key] = Value::String(base64::engine::general_purpose::STANDARD.encode(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_data_is_stored_base64_encoded_in_data_and_wins_over_it() {
        let mut secret = json!({"data": {"kept": "a2VwdA==", "greeting": "b2xk"}, "stringData": {"greeting": "hello"}});
        admit("secrets", &mut secret);
        assert_eq!(secret, json!({"data": {"kept": "a2VwdA==", "greeting": "aGVsbG8="}}));
        let mut map = json!({"stringData": {"a": "b"}});
        admit("configmaps", &mut map);
        assert_eq!(map, json!({"stringData": {"a": "b"}}), "only Secrets have stringData");
    }
}
