//! No secret reaches a log line: the journey runs with every log enabled (debug traces of
//! request and response bodies included) and the captured output is searched.

mod common;

use common::{Captured, TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_journey_logs_no_secret() {
    let logs = Captured::everything();

    let mut config = shipped_config();
    let password = "Sh0uld-Never-Appear-In-Logs";
    let explicit = json!({"providers": {"planet": {"users": [{"login": "fry", "password": password, "dn": "cn=fry,dc=pe",
        "attributes": {"uid": "fry", "cn": "Fry"}}]}}});
    config.authmanagers.insert("explicit".into(), explicit);
    let server = TestServer::with(config).await;
    server.register_app("firefox.d.3.0.json").await;

    let login = server
        .post_json(
            "/auth/auth",
            None,
            json!({"provider": "planet", "userid": "fry", "password": password}),
            StatusCode::OK,
        )
        .await;
    let token = login["result"]["jwt_user_token"].as_str().unwrap().to_owned();
    let wrong = server
        .post(
            "/auth/auth",
            None,
            json!({"provider": "planet", "userid": "fry", "password": format!("{password}-typo")}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let launch = server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let vnc = launch["result"]["vncpassword"].as_str().unwrap().to_owned();
    let desktop_token = launch["result"]["authorization"].as_str().unwrap().to_owned();
    server
        .post_json(
            "/composer/ocrun",
            Some(&token),
            json!({"image": "Firefox"}),
            StatusCode::OK,
        )
        .await;
    let refreshed = server
        .post_json("/auth/refreshtoken", Some(&token), json!({}), StatusCode::OK)
        .await;
    let new_token = refreshed["result"]["jwt_user_token"].as_str().unwrap().to_owned();
    let new_desktop = server
        .post_json(
            "/composer/refreshdesktoptoken",
            Some(&new_token),
            json!({}),
            StatusCode::OK,
        )
        .await;
    let new_desktop_token = new_desktop["result"]["authorization"].as_str().unwrap().to_owned();
    server
        .post_json("/auth/logout", Some(&new_token), json!({}), StatusCode::OK)
        .await;
    server.stop().await;

    let text = logs.text();
    assert!(
        text.contains("deskplane::access"),
        "the capture works: access lines are there"
    );
    assert!(
        text.contains("/API/auth/auth") && text.contains("XXXXXXXXXXX"),
        "bodies are traced, redacted"
    );
    for (what, secret) in [
        ("password", password),
        ("user token", token.as_str()),
        ("refreshed user token", new_token.as_str()),
        ("VNC password", vnc.as_str()),
        ("desktop token", desktop_token.as_str()),
        ("refreshed desktop token", new_desktop_token.as_str()),
    ] {
        assert!(!text.contains(secret), "the {what} leaked into the logs");
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!text.contains(signature), "part of the {what} leaked into the logs");
    }
}
