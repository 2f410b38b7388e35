//! The metadirectory (`metaexplicit`, auth.md §4.7 and §5.3) against the Active
//! Directory-shaped slapd of `scripts/services.sh`: `jdoe` of the meta forest (`ou=meta`)
//! names his home account `EXAMPLE\alice`, who logs in through the explicit provider of
//! the EXAMPLE domain; the meta forest adds its groups, those of alice's foreign security
//! principal (by her objectSid), and its provider's labels.

mod common;

use common::{Captured, TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ad_url() -> String {
    std::env::var("LDAP_AD_URL").unwrap_or_else(|_| {
        panic!("LDAP_AD_URL is not set: run scripts/test.sh, or `scripts/services.sh start FILE` and source FILE")
    })
}

fn config(meta_is_default: bool) -> deskplane::config::Config {
    let mut config = shipped_config();
    let service_account = json!({"login": "cn=admin,dc=example,dc=org", "password": "admin"});
    let rule = |group: &str, label: &str| json!({"conditions": [{"memberOf": group, "expected": true}], "expected": true, "label": label});
    config.authmanagers.insert(
        "explicit".into(),
        json!({"providers": {"example": {
            "displayname": "Example",
            "domain": "EXAMPLE",
            "servers": [ad_url()],
            "ldap_basedn": "dc=example,dc=org",
            "users_ou": "ou=people,dc=example,dc=org",
            "serviceaccount": service_account,
            "policies": {"acl": {"permit": ["all"]},
                         "rules": {"developers": rule("cn=developers,ou=groups,dc=example,dc=org", "developer")}}
        }}}),
    );
    config.authmanagers.insert(
        "metaexplicit".into(),
        json!({"providers": {"metadirectory": {
            "displayname": "Meta",
            "default": meta_is_default,
            "domain": "META",
            "servers": [ad_url()],
            "ldap_basedn": "dc=example,dc=org",
            "users_ou": "ou=meta,dc=example,dc=org",
            "serviceaccount": service_account,
            "join_key_ldapattribut": "description",
            "policies": {"acl": {"permit": ["all"]},
                         "rules": {"meta": rule("cn=metausers,ou=groups,dc=example,dc=org", "metauser"),
                                   "trusted": rule("cn=trusted,ou=groups,dc=example,dc=org", "trusted")}}
        }}}),
    );
    config
}

async fn labels(server: &TestServer, token: &str) -> Value {
    server
        .post_json("/auth/labels", Some(token), json!({}), StatusCode::OK)
        .await["result"]
        .clone()
}

#[tokio::test]
async fn a_meta_forest_account_logs_in_as_its_home_account() {
    // The one test of this file that captures the logs (a process has one subscriber).
    let logs = Captured::everything();
    let server = TestServer::with(config(true)).await;
    let body = server
        .post_json(
            "/auth/auth",
            None,
            json!({"manager": null, "provider": null, "userid": "jdoe", "password": "password"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["result"]["userid"], "alice", "{body}");
    assert_eq!(body["result"]["provider"], "activedirectory", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("a.Authentication on Meta via Example successful"),
        "{body}"
    );
    let token = body["result"]["jwt_user_token"].as_str().unwrap();
    let labels = labels(&server, token).await;
    for label in ["developer", "metauser", "trusted"] {
        assert!(labels.get(label).is_some(), "{label}: {labels}");
    }
    let me = server
        .post_json("/user/whoami", Some(token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(me["provider"], "example", "{me}");

    // The password is the home domain's to check; what was typed reaches no log line.
    let typed = "Meta-Typed-Secret-91c2";
    let refused = server
        .post("/auth/auth", None, json!({"userid": "jdoe", "password": typed}))
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
    let text = logs.text();
    assert!(
        text.contains("metadirectory login maps to its home domain"),
        "the capture works"
    );
    assert!(!text.contains(typed), "the typed password leaked into the logs");
    assert!(!text.contains(token), "the user token leaked into the logs");
}

/// A login the meta forest does not know goes the ordinary way (here the explicit
/// manager's only provider); with the metadirectory not the default, nobody goes through it.
#[tokio::test]
async fn other_logins_go_the_ordinary_way() {
    for meta_is_default in [true, false] {
        let server = TestServer::with(config(meta_is_default)).await;
        let body = server
            .post_json(
                "/auth/auth",
                None,
                json!({"manager": "explicit", "userid": "alice", "password": "password"}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(body["result"]["userid"], "alice", "{body}");
        let labels = labels(&server, body["result"]["jwt_user_token"].as_str().unwrap()).await;
        assert!(labels.get("metauser").is_none(), "{labels}");
        assert!(labels.get("developer").is_some(), "{labels}");
        let jdoe = server
            .post(
                "/auth/auth",
                None,
                json!({"manager": "explicit", "userid": "jdoe", "password": "password"}),
            )
            .await;
        assert_eq!(
            jdoe.status() == StatusCode::OK,
            meta_is_default,
            "jdoe exists only in the meta forest"
        );
        server.stop().await;
    }
}

/// `config check` names what a metadirectory provider lacks.
#[tokio::test]
async fn a_metadirectory_without_its_join_attribute_is_refused_at_start() {
    let mut config = config(true);
    config.authmanagers["metaexplicit"]["providers"]["metadirectory"]
        .as_object_mut()
        .unwrap()
        .remove("join_key_ldapattribut");
    let problems = deskplane::config::check(&config);
    assert!(
        problems
            .iter()
            .any(|p| p.to_string().contains("metadirectory.join_key_ldapattribut")),
        "{problems:?}"
    );
}
