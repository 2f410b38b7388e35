//! Credential artefacts end to end (auth.md §4.8): Fry logs in through the `planet` LDAP
//! provider whose `auth_protocol` asks for a Kerberos keytab (the host's ktutil), cntlm
//! hashes (the host's cntlm) and a Citrix file, and his `shipcrew` label grants a CIFS
//! share whose credential secret the login writes; his desktop then has those secrets,
//! and they go with his logout. A provider without `auth_protocol` builds none.

mod common;

use common::{TestServer, ldap_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ldap_url() -> String {
    std::env::var("LDAP_URL").expect("LDAP_URL is not set: run scripts/test.sh")
}

async fn secret_types(server: &TestServer, token: &str) -> Vec<String> {
    let listed: Value = server
        .post_json("/composer/listsecrets", Some(token), json!({}), StatusCode::OK)
        .await;
    listed["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_login_builds_the_artefacts_its_provider_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("All_Regions.ini");
    std::fs::write(&template, "[Regions]\nUser={{ username }}\nDomain={{ domain }}\n").unwrap();
    let mut config = ldap_config(&ldap_url());
    let planet = &mut config.authmanagers.get_mut("explicit").unwrap()["providers"]["planet"];
    planet["auth_protocol"] = json!({"kerberos": true, "cntlm": true, "citrix": true});
    planet["kerberos_realm"] = json!("PLANETEXPRESS.COM");
    planet["citrix_all_regions.ini"] = json!(template.display().to_string());
    config.desktop.policies.rules = json!({"volumes": {"shipcrew": {"type": "cifs", "volumename": "homes",
        "unc": "//files/homes/{{ uid }}", "mountPath": "/home/{{ uid }}/H"}}});
    let server = TestServer::with(config).await;
    let token = server.login_fry().await;
    let types = secret_types(&server, &token).await;
    for kind in [
        "abcdesktop/kerberos",
        "abcdesktop/cntlm",
        "abcdesktop/citrix",
        "abcdesktop/cifs-homes",
    ] {
        assert!(types.contains(&kind.to_owned()), "{kind} in {types:?}");
    }
    server
        .post_json("/auth/logout", Some(&token), json!({}), StatusCode::OK)
        .await;
    let after = server.post("/composer/listsecrets", Some(&token), json!({})).await;
    let body: Value = after.json().await.unwrap();
    assert!(
        !body.to_string().contains("abcdesktop/kerberos"),
        "the logout removed the artefacts: {body}"
    );
    server.stop().await;
}

#[tokio::test]
async fn without_auth_protocol_no_artefact_is_built() {
    let server = TestServer::with(ldap_config(&ldap_url())).await;
    let token = server.login_fry().await;
    let types = secret_types(&server, &token).await;
    assert!(
        !types
            .iter()
            .any(|t| t.ends_with("/kerberos") || t.ends_with("/cntlm") || t.ends_with("/citrix")),
        "{types:?}"
    );
    server.stop().await;
}
