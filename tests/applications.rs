//! Applications, ownership and explicit (directory) logins, over HTTP.

mod common;

use common::{TestServer, assert_http_error, shipped_config};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn launched(server: &TestServer) -> String {
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    token
}

#[tokio::test]
async fn container_routes_work_for_the_owner_only() {
    let server = TestServer::start().await;
    server.register_app("xterm.d.3.0.json").await;
    let owner = launched(&server).await;
    let run = server
        .post_json(
            "/composer/ocrun",
            Some(&owner),
            json!({"image": "xterm"}),
            StatusCode::OK,
        )
        .await;
    let container = run["result"]["container_id"].as_str().unwrap().to_owned();
    let listed = server
        .post_json("/composer/listcontainer", Some(&owner), json!({}), StatusCode::OK)
        .await;
    let podname = listed["result"][0]["podname"].as_str().unwrap().to_owned();
    let target = json!({"podname": podname, "containerid": container});

    let env = server
        .post_json("/composer/envcontainer", Some(&owner), target.clone(), StatusCode::OK)
        .await;
    assert_eq!(env["result"]["ABCDESKTOP_EXECUTE_RUNTIME"], "ephemeral_container");
    assert_eq!(env["result"]["DISPLAY"], ":0.0");
    let log = server
        .post_json("/composer/logcontainer", Some(&owner), target.clone(), StatusCode::OK)
        .await;
    assert!(log["result"].as_str().unwrap().contains("started"));
    let by_phase = server
        .post_json(
            "/composer/list_applications_by_phase",
            Some(&owner),
            json!({"phase": "Running"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(by_phase.as_array().unwrap().len(), 1);

    let intruder = launched(&server).await;
    let refused = server
        .post("/composer/stopcontainer", Some(&intruder), target.clone())
        .await;
    assert_http_error(refused, StatusCode::UNAUTHORIZED, &format!("{podname} invalid user")).await;

    let stopped = server
        .post_json("/composer/stopcontainer", Some(&owner), target.clone(), StatusCode::OK)
        .await;
    assert_eq!(stopped["result"], true);
    let removed = server
        .post_json(
            "/composer/removecontainer",
            Some(&owner),
            target.clone(),
            StatusCode::OK,
        )
        .await;
    assert_eq!(removed["result"], true);
    let listed = server
        .post_json("/composer/listcontainer", Some(&owner), json!({}), StatusCode::OK)
        .await;
    assert_eq!(listed["result"], json!([]));
    let missing = server.post("/composer/logcontainer", Some(&owner), target).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn ocrun_needs_a_desktop_and_honours_the_application_cap() {
    let mut config = shipped_config();
    config.desktop.policies.max_app_counter = Some(2);
    let server = TestServer::with(config).await;
    server.register_app("xterm.d.3.0.json").await;
    let token = server.login_anonymous().await;
    let no_desktop = server
        .post("/composer/ocrun", Some(&token), json!({"image": "xterm"}))
        .await;
    assert_http_error(no_desktop, StatusCode::NOT_FOUND, "openapp:findDesktopByUser not found").await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    for _ in 0..2 {
        server
            .post_json(
                "/composer/ocrun",
                Some(&token),
                json!({"image": "xterm.XTerm"}),
                StatusCode::OK,
            )
            .await;
    }
    let third = server
        .post(
            "/composer/ocrun",
            Some(&token),
            json!({"image": "abcdesktopio/xterm.d:3.0"}),
        )
        .await;
    assert_http_error(
        third,
        StatusCode::BAD_REQUEST,
        "policies 2/2 too much applications are running, stop one of them",
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn the_catalog_is_managed_through_the_operator_routes() {
    let server = TestServer::start().await;
    for fixture in ["firefox.d.3.0.json", "gedit.d.3.0.json", "2048.d.3.0.json"] {
        server.register_app(fixture).await;
    }
    let images: Value = server.get_json("/manager/images").await;
    assert_eq!(images.as_object().unwrap().len(), 3);
    let one = server.get("/manager/image?image=abcdesktopio/gedit.d:3.0").await;
    assert_eq!(one.status(), StatusCode::OK);
    let none = server.get("/manager/image?image=nope").await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    assert_eq!(none.json::<Value>().await.unwrap(), json!("Not found"));
    let deleted: Value = server.delete_json("/manager/image?image=Firefox").await;
    assert_eq!(
        deleted,
        json!(["abcdesktopio/firefox.d:3.0"]),
        "deletion by name works (pyos never matched names)"
    );
    let all: Value = server.delete_json("/manager/images").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let rebuilt: Value = server.get_json("/manager/buildapplist").await;
    assert_eq!(rebuilt, json!({}));
    server.stop().await;
}

fn planet_config() -> deskplane::config::Config {
    let mut config = shipped_config();
    let explicit: Value = json!({
        "show_domains": true,
        "providers": {"planet": {
            "displayname": "Planet Express",
            "directory": "memory",
            "users": [{"login": "fry", "password": "fry", "dn": "cn=Philip J. Fry,ou=people,dc=planetexpress,dc=com",
                       "attributes": {"uid": "fry", "cn": "Philip J. Fry", "mail": "fry@planetexpress.com",
                                      "objectClass": ["inetOrgPerson", "posixAccount"], "uidNumber": "1003", "gidNumber": "1002",
                                      "homeDirectory": "/home/fry", "memberOf": "cn=ship_crew,ou=people,dc=planetexpress,dc=com"}}],
            "policies": {"acl": {"permit": ["all"]}, "rules": {
                "crew": {"conditions": [{"memberOf": "cn=ship_crew", "expected": true}], "expected": true, "label": "ship-crew"}}}
        }}
    });
    let mut managers = serde_json::Map::new();
    managers.insert("explicit".into(), explicit);
    managers.extend(config.authmanagers.clone());
    config.authmanagers = managers;
    config
}

#[tokio::test]
async fn explicit_logins_check_the_password_and_label_the_user() {
    let server = TestServer::with(planet_config()).await;
    let login = server
        .post_json(
            "/auth/auth",
            None,
            json!({"manager": null, "provider": "planet", "userid": "fry", "password": "fry"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(login["result"]["userid"], "fry");
    assert_eq!(login["result"]["name"], "Philip J. Fry");
    assert_eq!(login["result"]["provider"], "ldap", "the provider type, as pyos");
    assert!(
        login["message"]
            .as_str()
            .unwrap()
            .starts_with("a.Authentication on Planet Express successful in ")
    );
    let token = login["result"]["jwt_user_token"].as_str().unwrap();
    let labels = server
        .post_json("/auth/labels", Some(token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(
        labels["result"]["ship-crew"], "true",
        "pyos 4.x dropped labels with '-'"
    );
    let me = server
        .post_json("/user/whoami", Some(token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(me["mail"], "fry@planetexpress.com");

    for (password, message) in [
        ("bender", "Invalid credentials"),
        ("", "password can not be an empty string"),
    ] {
        let refused = server
            .post(
                "/auth/auth",
                None,
                json!({"provider": "planet", "userid": "fry", "password": password}),
            )
            .await;
        assert_http_error(refused, StatusCode::UNAUTHORIZED, message).await;
    }
    let unknown = server
        .post(
            "/auth/auth",
            None,
            json!({"provider": "nowhere", "userid": "fry", "password": "fry"}),
        )
        .await;
    assert_http_error(
        unknown,
        StatusCode::UNAUTHORIZED,
        "Authentication manager not found: manager=None provider=nowhere, check your configuration file",
    )
    .await;
    let status: Value = server.get_json("/manager/ban/login/fry").await;
    assert_eq!(
        status["count"], 1,
        "a wrong password counts against the login (pyos counted nothing)"
    );
    server.stop().await;
}
