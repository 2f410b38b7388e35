//! `auth/buildsecret` (an anonymous user proves the password of the explicit provider its
//! provider approves) and `auth/autologin` (a form login), black-box.

mod common;

use common::{Captured, TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The shipped config plus a memory-directory `planet` provider (fry/fry), and an anonymous
/// provider that lets callers pick their id and approves `planet`.
fn config(autologin: bool) -> deskplane::config::Config {
    let mut config = shipped_config();
    let explicit: Value = json!({"providers": {"planet": {
        "displayname": "Planet Express",
        "directory": "memory",
        "users": [{"login": "fry", "password": "fry", "dn": "cn=Philip J. Fry,ou=people,dc=planetexpress,dc=com",
                   "attributes": {"uid": "fry", "cn": "Philip J. Fry", "objectClass": ["inetOrgPerson"]}}],
        "policies": {"acl": {"permit": ["all"]}}
    }}});
    config.authmanagers.insert("explicit".into(), explicit);
    let anonymous = config.authmanagers["implicit"]["providers"]["anonymous"]
        .as_object_mut()
        .map(|_| ())
        .is_some();
    assert!(anonymous, "the shipped config has the anonymous provider");
    let provider = &mut config.authmanagers.get_mut("implicit").unwrap()["providers"]["anonymous"];
    provider["allow_caller_userid"] = json!(true);
    provider["explicitproviderapproval"] = json!("planet");
    if autologin {
        config.services_http_request_denied.insert("autologin".into(), false);
    }
    config
}

async fn anonymous_as(server: &TestServer, userid: &str) -> String {
    let login = server
        .post_json(
            "/auth/auth",
            None,
            json!({"manager": "implicit", "provider": "anonymous", "userid": userid}),
            StatusCode::OK,
        )
        .await;
    login["result"]["jwt_user_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn buildsecret_upgrades_an_anonymous_user_with_the_directory_password() {
    let server = TestServer::with(config(false)).await;
    let token = anonymous_as(&server, "fry").await;
    let upgraded = server
        .post_json(
            "/auth/buildsecret",
            Some(&token),
            json!({"password": "fry"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(upgraded["message"], "Authentication successful", "{upgraded}");
    assert_eq!(upgraded["result"]["userid"], "fry");
    assert_eq!(upgraded["result"]["name"], "Philip J. Fry");
    assert_eq!(upgraded["result"]["provider"], "ldap");
    let new_token = upgraded["result"]["jwt_user_token"].as_str().unwrap();
    let whoami: Value = server
        .post_json("/user/whoami", Some(new_token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(whoami["provider"], "planet", "{whoami}");
}

#[tokio::test]
async fn buildsecret_refuses_a_wrong_password_counts_it_and_needs_a_token_and_a_string() {
    let server = TestServer::with(config(false)).await;
    let token = anonymous_as(&server, "fry").await;
    let refused = server
        .post("/auth/buildsecret", Some(&token), json!({"password": "bender"}))
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let ban: Value = server.get_json("/manager/ban/login/fry").await;
    assert_eq!(ban["count"], 1, "a wrong password counts against the login: {ban}");

    let not_a_string = server
        .post("/auth/buildsecret", Some(&token), json!({"password": 42}))
        .await;
    assert_eq!(not_a_string.status(), StatusCode::BAD_REQUEST);
    let anonymous = server.post("/auth/buildsecret", None, json!({"password": "fry"})).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn buildsecret_is_refused_to_a_provider_without_an_approval() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let refused = server
        .post("/auth/buildsecret", Some(&token), json!({"password": "fry"}))
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body.to_string()
            .contains("does not allow an explicit provider approval"),
        "{body}"
    );
}

#[tokio::test]
async fn autologin_is_denied_unless_the_config_allows_it() {
    let server = TestServer::start().await;
    let denied = server.get("/auth/autologin?login=fry&password=fry").await;
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);
    let body: Value = denied.json().await.unwrap();
    assert!(body.to_string().contains("request is denied by configfile"), "{body}");
}

#[tokio::test]
async fn autologin_takes_a_posted_form_and_answers_the_token_page_without_logging_the_password() {
    let captured = Captured::everything();
    let server = TestServer::with(config(true)).await;
    let answer = reqwest::Client::new()
        .post(server.url("/auth/autologin"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("login=fry&provider=planet&password=s%C3%A9cret-fry-form")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "a wrong password");
    let answer = reqwest::Client::new()
        .post(server.url("/auth/autologin"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("login=fry&provider=planet&password=fry")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers().contains_key("refresh"));
    let page = answer.text().await.unwrap();
    assert!(page.contains("var jwt_user_token=\"ey"), "{page}");

    let json_body = reqwest::Client::new()
        .post(server.url("/auth/autologin"))
        .header("Content-Type", "application/json")
        .body(r#"{"login":"fry"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let missing = server.get("/auth/autologin?provider=planet").await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert!(
        !captured.text().contains("cret-fry-form"),
        "the password reached a log line"
    );
}
