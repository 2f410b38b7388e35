//! No LDAP secret reaches a log line: the service account's password and the passwords
//! users type (right or wrong, through a live directory and a dead one) are searched for
//! in everything logged at TRACE level.

mod common;

use common::{Captured, ldap_config};
use reqwest::StatusCode;
use serde_json::json;

/// Bans off: every login here must reach the directory.
fn quiet(mut config: deskplane::config::Config) -> deskplane::config::Config {
    config.fail2ban.enable = false;
    config
}

#[tokio::test]
async fn ldap_logins_log_no_password() {
    let logs = Captured::everything();
    let ldap = std::env::var("LDAP_URL").expect("LDAP_URL is not set: run scripts/test.sh");
    let typed = "Typed-Secret-7f3a9c";
    let login = |password: &str| json!({"manager": "explicit", "provider": "planet", "userid": "Philip J. Fry", "password": password});

    let live = common::TestServer::with(quiet(ldap_config(&ldap))).await;
    let ok = live.post_json("/auth/auth", None, login("fry"), StatusCode::OK).await;
    let token = ok["result"]["jwt_user_token"].as_str().unwrap().to_owned();
    // The rules ask the directory about groups with the service account.
    live.post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
        .await;
    let wrong = live.post("/auth/auth", None, login(typed)).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    live.stop().await;

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = common::TestServer::with(quiet(ldap_config(&format!("ldap://127.0.0.1:{closed}")))).await;
    let unavailable = dead.post("/auth/auth", None, login(typed)).await;
    assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
    dead.stop().await;

    let text = logs.text();
    assert!(text.contains("/API/auth/auth"), "the capture works");
    assert!(
        text.contains("LDAP server unavailable"),
        "the dead directory was logged"
    );
    for (what, secret) in [
        ("service account password", "GoodNewsEveryone"),
        ("typed password", typed),
        ("user token", token.as_str()),
    ] {
        assert!(!text.contains(secret), "the {what} leaked into the logs");
    }
}
