//! The user journey of the Postman and Robot Framework suites, on the shipped default.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_anonymous_journey_works_end_to_end() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    server.register_app("firefox.d.3.0.json").await;

    let launch = server
        .post_json(
            "/composer/launchdesktop",
            Some(&token),
            json!({"width": 1440, "height": 819, "timezone": "Europe/Paris", "hostname": "localhost"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(launch["status"], 200);
    assert_eq!(launch["message"], "ok");
    let result = &launch["result"];
    for field in ["target_ip", "vncpassword", "authorization", "websocketrouting"] {
        assert!(result[field].is_string(), "{field} is a string: {result}");
    }
    assert!(result["websockettcpport"].is_number());
    assert!(result["expire_in"].is_number());
    assert_eq!(result["websockettcpport"], 6081);
    assert_eq!(result["expire_in"], 240);

    let apps = server
        .post_json("/composer/getuserapplist", Some(&token), json!({}), StatusCode::OK)
        .await;
    let names: Vec<&str> = apps["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(names.contains(&"Firefox"), "{names:?}");

    let run = server
        .post_json(
            "/composer/ocrun",
            Some(&token),
            json!({"image": "abcdesktopio/firefox.d:3.0", "args": null, "timezone": "Europe/Paris"}),
            StatusCode::OK,
        )
        .await;
    let container_id = run["result"]["container_id"].as_str().expect("container_id").to_owned();
    assert_eq!(run["result"]["wm_class"], "Navigator.Firefox-esr");

    let listed = server
        .post_json("/composer/listcontainer", Some(&token), json!({}), StatusCode::OK)
        .await;
    let ids: Vec<&str> = listed["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [container_id.as_str()]);

    let progress = server
        .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(progress, json!({"status": 200, "result": null, "message": "stopinfo"}));
    let drained = server
        .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(drained["message"], serde_json::Value::Null, "messages are popped");

    let refreshed = server.post("/auth/refreshtoken", Some(&token), json!({})).await;
    assert_eq!(refreshed.headers()["cache-control"], "no-cache, private");
    let refreshed: serde_json::Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["message"], "Refresh token success");
    let new_token = refreshed["result"]["jwt_user_token"].as_str().unwrap().to_owned();
    let desktop_token = server
        .post_json(
            "/composer/refreshdesktoptoken",
            Some(&new_token),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert!(desktop_token["result"]["authorization"].is_string());
    assert_eq!(desktop_token["result"]["expire_in"], 240);

    let logout = server
        .post_json("/auth/logout", Some(&new_token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(logout, json!({"status": 200, "result": {"url": "/"}, "message": "ok"}));
    let desktops: serde_json::Value = server.get_json("/manager/desktop").await;
    assert_eq!(desktops, json!([]), "logout removed the desktop");
    let gone = server
        .post("/composer/refreshdesktoptoken", Some(&new_token), json!({}))
        .await;
    assert_eq!(gone.status(), StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn a_second_launch_resumes_the_same_desktop() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let body = json!({"width": "1280", "height": "641", "hostname": null, "timezone": "Europe/Paris"});
    let first = server
        .post_json("/composer/launchdesktop", Some(&token), body.clone(), StatusCode::OK)
        .await;
    let second = server
        .post_json("/composer/launchdesktop", Some(&token), body, StatusCode::OK)
        .await;
    assert_eq!(first["result"]["vncpassword"], second["result"]["vncpassword"]);
    let desktops: serde_json::Value = server.get_json("/manager/desktop").await;
    assert_eq!(desktops.as_array().unwrap().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn target_ip_follows_the_origin_header() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let response = server
        .client
        .post(server.url("/composer/launchdesktop"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .header("Origin", "https://desk.example.org:30443")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["result"]["target_ip"], "desk.example.org");
    assert_eq!(body["result"]["websocketrouting"], "http_origin");
    server.stop().await;
}

#[tokio::test]
async fn whoami_labels_store_and_history_follow_the_user() {
    let server = TestServer::start().await;
    let anonymous = server.post_json("/user/whoami", None, json!({}), StatusCode::OK).await;
    assert_eq!(anonymous["userid"], serde_json::Value::Null);
    let token = server.login_anonymous().await;
    let me = server
        .post_json("/user/whoami", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(me["provider"], "anonymous");
    assert!(me["userid"].is_string());

    let labels = server
        .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(labels["result"]["ipsource"], "127.0.0.1");

    server
        .post_json(
            "/store/set",
            Some(&token),
            json!({"key": "color", "value": "#6EC6F0"}),
            StatusCode::OK,
        )
        .await;
    let color = server
        .post_json("/store/get", Some(&token), json!({"key": "color"}), StatusCode::OK)
        .await;
    assert_eq!(color["result"], "#6EC6F0");
    let missing = server.post("/store/get", Some(&token), json!({"key": "dock"})).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let logins = server
        .post_json(
            "/store/getcollection",
            Some(&token),
            json!({"key": "loginHistory"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(logins["result"].as_array().unwrap().len(), 1);
    assert_eq!(logins["result"][0]["ipaddr"], "127.0.0.1");
    let denied = server
        .post("/store/getcollection", Some(&token), json!({"key": "profiles"}))
        .await;
    assert_eq!(denied.status(), StatusCode::BAD_REQUEST);

    let location = server
        .post_json("/user/getlocation", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(location["result"]["user"]["ipAddr"], "127.0.0.1");
    let secrets = server
        .post_json("/composer/listsecrets", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert!(
        secrets["result"]
            .as_array()
            .unwrap()
            .contains(&json!("abcdesktop/localaccount"))
    );
    server.stop().await;
}

#[tokio::test]
async fn discovery_and_front_end_settings() {
    let server = TestServer::start().await;
    let config = server
        .post_json("/auth/getauthconfig", None, json!({}), StatusCode::OK)
        .await;
    assert_eq!(config["managers"][0]["name"], "implicit");
    assert_eq!(config["managers"][0]["providers"][0]["name"], "anonymous");
    let colors = server
        .post_json("/core/getkeyinfo", None, json!({"provider": "colors"}), StatusCode::OK)
        .await;
    assert_eq!(colors["id"][0], "#6EC6F0");
    assert_eq!(colors["callbackurl"], serde_json::Value::Null);
    let nothing = server
        .post_json("/core/getkeyinfo", None, json!([]), StatusCode::OK)
        .await;
    assert_eq!(nothing, json!({}));
    let zoom = server
        .post("/core/getkeyinfo", None, json!({"provider": "zoom"}))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        zoom.contains(r#""id":1,"#) || zoom.contains(r#""id": 1,"#),
        "pyos's integer 1: {zoom}"
    );

    // The dock's webshell carries its icon, read from config/icons at start (the front end
    // showed a broken image for a null icondata).
    let token = server.login_anonymous().await;
    let apps = server
        .post_json("/composer/getuserapplist", Some(&token), json!({}), StatusCode::OK)
        .await;
    let webshell = apps["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|app| app["id"] == "webshell.d")
        .expect("the dock's webshell");
    let icon = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        webshell["icondata"].as_str().expect("icondata"),
    )
    .unwrap();
    assert!(
        String::from_utf8(icon).unwrap().contains("<svg"),
        "the webshell.svg file"
    );
    let healthz = server.get("/healthz").await;
    assert_eq!(healthz.text().await.unwrap(), "OK");
    let version: serde_json::Value = server.get_json("/version").await;
    assert_eq!(version, json!({"date": null, "commit": null}));
    let healtz: serde_json::Value = server.get_json("/manager/healtz").await;
    assert_eq!(healtz, json!({"controler": "ManagerController", "status": "ok"}));
    server.stop().await;
}
