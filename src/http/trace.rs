//! Request and response tracing with redaction. pyos logged response bodies with user
//! tokens, desktop tokens and VNC passwords in them; here every secret-bearing field is
//! replaced before anything is written, in requests and responses alike, and headers are
//! never logged.

use serde_json::Value;

const REDACTED: &str = "XXXXXXXXXXX";
const SECRET_FIELDS: [&str; 15] = [
    "password",
    "jwt_user_token",
    "authorization",
    "vncpassword",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "loginsessionid",
    "hash",
    // OAuth: the single-use state (and the authorization URL carrying it) binds a login
    // to its browser; the code and verifier redeem it.
    "state",
    "dialog_url",
    "code",
    "code_verifier",
];

/// Parts of field names that mark a secret whatever the rest of the name is (`passwd`,
/// `userPassword`, `x-api-key`, `client_secret`…): the exact list above misses spellings
/// nobody thought of, these catch them.
const SECRET_NAME_PARTS: [&str; 7] = ["pass", "secret", "token", "apikey", "api_key", "api-key", "credential"];

fn is_secret_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_FIELDS.contains(&key.as_str()) || SECRET_NAME_PARTS.iter().any(|part| key.contains(part))
}

/// Replaces every secret-bearing field, at any depth.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret_name(key) && !field.is_null() {
                    *field = Value::String(REDACTED.into());
                } else {
                    redact(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The loggable form of a body: JSON redacted, anything else summarised, then cut to
/// `limit` bytes with `...[truncated]` appended.
pub fn loggable_body(body: &[u8], limit: usize) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact(&mut json);
            json.to_string()
        }
        // Non-JSON bodies (HTML pages, text tokens) may carry anything: only their size.
        Err(_) => format!("<{} bytes>", body.len()),
    };
    if text.len() <= limit {
        return text;
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...[truncated]", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names_are_redacted_whatever_their_spelling() {
        let mut body = serde_json::json!({"passwd": "hunter2", "userPassword": "x", "nested": [{"X-Api-Key": "k"}],
                                          "clientSecret": "s", "color": "#000"});
        redact(&mut body);
        let text = body.to_string();
        for secret in ["hunter2", "\"x\"", "\"k\"", "\"s\""] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(body["color"], "#000");
    }

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let body = br#"{"status":200,"result":{"jwt_user_token":"eyJ.x.y","vncpassword":"abc","authorization":"eyJ.d","target_ip":"h","nested":[{"password":"p"}]}}"#;
        let logged = loggable_body(body, 4096);
        for secret in ["eyJ.x.y", "abc\"", "eyJ.d", "\"p\""] {
            assert!(!logged.contains(secret), "{secret} leaked in {logged}");
        }
        assert!(logged.contains("\"target_ip\":\"h\""));
    }

    #[test]
    fn long_bodies_are_truncated_and_text_is_summarised() {
        let body = format!(r#"{{"message":"{}"}}"#, "x".repeat(100));
        assert!(loggable_body(body.as_bytes(), 20).ends_with("...[truncated]"));
        assert_eq!(loggable_body(b"eyJhbGciOi.raw.token\n", 100), "<21 bytes>");
    }
}
