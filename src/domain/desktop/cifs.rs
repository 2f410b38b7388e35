//! The credential secret of each CIFS volume a user's labels grant
//! (`desktop.policies.rules.volumes`, orchestration.md §5.4, §6.1 step 5): written at
//! login, when the password is known, for the flexVolume CIFS driver that mounts the
//! share as the user. One secret per volume (`auth-cifs-<volumename>-…`), removed with the
//! user's other secrets.

use super::model::UserSecret;
use crate::domain::secret::Secret;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The secret kind of the CIFS volume `volumename`.
pub fn cifs_secret_kind(volumename: &str) -> String {
    format!("cifs-{}", crate::domain::naming::normalize_name(volumename))
}

/// The CIFS rules of `rules` that `labels` select, in label order.
pub fn cifs_rules<'a>(rules: &'a Map<String, Value>, labels: &BTreeMap<String, String>) -> Vec<&'a Map<String, Value>> {
    labels
        .keys()
        .filter_map(|label| rules.get(label))
        .flat_map(|entry| match entry {
            Value::Object(one) => vec![one],
            Value::Array(many) => many.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        })
        .filter(|rule| rule.get("type").and_then(Value::as_str) == Some("cifs"))
        .collect()
}

/// The secrets of the CIFS volumes `labels` select for a user who logged in as `userid`
/// (POSIX login `uid`) of `domain` with `password`. `unc` and `mountPath` may name
/// `{{ uid }}`, `{{ userid }}` and `{{ domain }}`.
pub fn cifs_secrets(
    rules: &Map<String, Value>,
    labels: &BTreeMap<String, String>,
    (userid, uid, domain): (&str, &str, &str),
    password: &Secret,
) -> Vec<UserSecret> {
    let fill = |text: &str| {
        crate::domain::placeholders::fill(text, |name| match name {
            "uid" => uid.to_owned(),
            "userid" => userid.to_owned(),
            "domain" => domain.to_owned(),
            _ => String::new(),
        })
    };
    cifs_rules(rules, labels)
        .into_iter()
        .filter_map(|rule| {
            let field = |key: &str| rule.get(key).and_then(Value::as_str).map(fill);
            let volume = field("volumename")?;
            let data = json!({"mountPath": field("mountPath"), "networkPath": field("unc"),
                              "mountOptions": field("mountOptions").unwrap_or_default()});
            let mut values = BTreeMap::from([
                ("username".to_owned(), userid.to_owned()),
                ("password".to_owned(), password.expose().to_owned()),
                ("authprotocol".to_owned(), "ntlm".to_owned()),
                ("data".to_owned(), data.to_string()),
            ]);
            if !domain.is_empty() {
                values.insert("domain".into(), domain.to_owned());
            }
            Some(UserSecret {
                files: BTreeMap::new(),
                kind: cifs_secret_kind(&volume),
                data: values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_selected_cifs_rule_gets_its_secret() {
        let rules = json!({
            "shipcrew": [
                {"type": "cifs", "volumename": "Homes", "unc": "//files/homes/{{ uid }}", "mountPath": "/home/{{ uid }}/H", "mountOptions": "vers=3.0"},
                {"type": "nfs", "name": "n", "server": "s", "path": "/p", "mountPath": "/mnt/n"}
            ],
            "adminstaff": {"type": "cifs", "volumename": "admin", "unc": "//files/admin", "mountPath": "/mnt/admin"}
        });
        let rules = rules.as_object().unwrap();
        let labels = BTreeMap::from([("shipcrew".to_owned(), "true".to_owned())]);
        let secrets = cifs_secrets(
            rules,
            &labels,
            ("Philip J. Fry", "fry", "PLANETEXPRESS"),
            &Secret::new("s3cret"),
        );
        assert_eq!(secrets.len(), 1, "only the labels' CIFS rules");
        let secret = &secrets[0];
        assert_eq!(secret.kind, "cifs-homes");
        assert_eq!(secret.data["username"], "Philip J. Fry");
        assert_eq!(secret.data["password"], "s3cret");
        assert_eq!(secret.data["domain"], "PLANETEXPRESS");
        let data: Value = serde_json::from_str(&secret.data["data"]).unwrap();
        assert_eq!(
            data,
            json!({"mountPath": "/home/fry/H", "networkPath": "//files/homes/fry", "mountOptions": "vers=3.0"})
        );
        assert!(!format!("{secret:?}").contains("s3cret"), "Debug shows keys only");
    }
}
