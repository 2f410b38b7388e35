//! The rest of the surface: operator routes, the login-page launch, logs, descriptions,
//! metrics (the OpenAPI document is `tests/openapi.rs`).

mod common;

use common::{TestServer, shipped_config};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn operators_inspect_and_remove_desktops_and_their_applications() {
    let server = TestServer::start().await;
    server.register_app("calc.d.3.0.json").await;
    let token = server.login_anonymous().await;
    let launched = server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let vnc_password = launched["result"]["vncpassword"].as_str().unwrap().to_owned();
    let run = server
        .post_json(
            "/composer/ocrun",
            Some(&token),
            json!({"image": "abcdesktopio/calc.d:3.0"}),
            StatusCode::OK,
        )
        .await;
    let container = run["result"]["container_id"].as_str().unwrap().to_owned();

    let desktops = server.get_json("/manager/desktop").await;
    let name = desktops[0]["name"].as_str().unwrap().to_owned();
    assert_eq!(desktops[0]["status"], "Running");
    let pod = server.get_json(&format!("/manager/desktop/{name}")).await;
    for shown in [&desktops, &pod] {
        assert!(
            !shown.to_string().contains(&vnc_password),
            "the operator views never show the user's VNC password"
        );
    }
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["labels"]["type"], "x11server");
    assert!(
        pod["metadata"]["labels"].get("xauthkey").is_none(),
        "cookies are not shown"
    );
    let apps = server.get_json(&format!("/manager/desktop/{name}/container")).await;
    assert_eq!(apps[0]["id"], container.as_str());
    let one = server
        .get_json(&format!("/manager/desktop/{name}/container/{container}"))
        .await;
    assert_eq!(one["image"], "abcdesktopio/calc.d:3.0");
    let removed = server
        .delete_json(&format!("/manager/desktop/{name}/container/{container}"))
        .await;
    assert_eq!(removed, json!(container));
    assert_eq!(
        server.get_json(&format!("/manager/desktop/{name}/container")).await,
        json!([])
    );

    assert_eq!(
        server
            .get(&format!("/manager/desktop/{name}/wrong/shape/here"))
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        server.get("/manager/desktop/nope").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        server.delete_json(&format!("/manager/desktop/{name}")).await,
        json!(true)
    );
    assert_eq!(server.get_json("/manager/desktop").await, json!([]));
    let after = server.post("/composer/listcontainer", Some(&token), json!({})).await;
    assert_eq!(after.status(), StatusCode::NOT_FOUND, "desktop not found");
    server.stop().await;
}

#[tokio::test]
async fn the_garbage_collector_removes_everything_when_forced() {
    let server = TestServer::start().await;
    for _ in 0..3 {
        let token = server.login_anonymous().await;
        server
            .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
            .await;
    }
    let kept = server.get_json("/manager/garbagecollector?expirein=900").await;
    assert_eq!(kept, json!([]), "nothing has been idle for 15 minutes");
    let removed = server.get_json("/manager/garbagecollector/0?force=true").await;
    assert_eq!(removed.as_array().unwrap().len(), 3);
    assert_eq!(server.get_json("/manager/desktop").await, json!([]));
    assert_eq!(
        server
            .get("/manager/garbagecollector?expirein=0&force=maybe")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
    server.stop().await;
}

#[tokio::test]
async fn login_page_launch_logs_description_and_text_progress() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let launched = server
        .post_json("/auth/login", Some(&token), json!({"width": 800}), StatusCode::OK)
        .await;
    assert_eq!(launched["message"], "ok");
    assert!(launched["result"]["vncpassword"].is_string());
    let logs = server
        .post_json("/composer/getlogs", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert!(logs["result"].as_str().unwrap().contains("simulated desktop started"));
    let description = server
        .post_json(
            "/composer/getdesktopdescription",
            Some(&token),
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(description["result"]["clientipaddr"], "127.0.0.1");
    let progress = server
        .post_with(
            "/core/getmessageinfo",
            &[
                ("ABCAuthorization", &format!("Bearer {token}")),
                ("Accept", "text/plain"),
            ],
            json!({}),
        )
        .await;
    assert_eq!(progress.headers()["content-type"], "text/text;charset=utf-8");
    assert_eq!(progress.text().await.unwrap(), "stopinfo\n");
    let features = server
        .post(
            "/auth/login",
            Some(&token),
            json!({"features": {"executeclassname": "gold"}}),
        )
        .await;
    assert_eq!(
        features.status(),
        StatusCode::UNAUTHORIZED,
        "features need the submit permission"
    );
    server.stop().await;
}

#[tokio::test]
async fn features_may_choose_an_execute_class_when_permitted() {
    let mut config = shipped_config();
    config.desktop.features_permissions = vec!["read".into(), "submit".into()];
    let server = TestServer::with(config).await;
    let classes = server
        .post_json(
            "/core/getkeyinfo",
            None,
            json!({"provider": "features_permissions_executeclasses"}),
            StatusCode::OK,
        )
        .await;
    assert!(classes["id"]["default"].is_object());
    let login = server
        .post_json(
            "/auth/auth",
            None,
            json!({"provider": "anonymous", "features": {"executeclassname": "gold"}}),
            StatusCode::OK,
        )
        .await;
    let token = login["result"]["jwt_user_token"].as_str().unwrap();
    let labels = server
        .post_json("/auth/labels", Some(token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(labels["result"]["executeclassname"], "gold");
    let bad = server
        .post("/auth/auth", None, json!({"provider": "anonymous", "features": "gold"}))
        .await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn accounting_metrics_count_logins_and_desktops() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let text = server.get("/accounting/metrics").await.text().await.unwrap();
    assert!(text.contains("pyos_login_total{login=\"success\"} 1"), "{text}");
    assert!(text.contains("pyos_desktop_total{desktop=\"current\"} 1"), "{text}");
    let json = server.get_json("/accounting/metrics?format=json").await;
    assert_eq!(json["desktop"]["createsuccess"], 1);
    server.stop().await;
}

/// `manager/echohttp` mirrors the request behind the operator gate: its headers, the TCP
/// peer and every query and form parameter (pyos's request debugging aid).
#[tokio::test]
async fn echohttp_mirrors_the_request() {
    let server = TestServer::start().await;
    let echoed: serde_json::Value = server
        .client
        .get(server.url("/manager/echohttp?color=blue&n=2"))
        .header("X-Probe", "one")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echoed["params"], json!({"color": "blue", "n": "2"}));
    assert_eq!(echoed["headers"]["x-probe"], "one");
    assert_eq!(echoed["remote"]["ip"], "127.0.0.1");
    assert!(
        echoed["remote"]["port"].as_u64().is_some_and(|port| port > 0),
        "{echoed}"
    );
    let form: serde_json::Value = server
        .client
        .post(server.url("/manager/echohttp"))
        .form(&[("field", "value")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["params"], json!({"field": "value"}));
    server.stop().await;
}

/// On the memory orchestrator the dry run describes the desktop (name, labels, account)
/// and creates nothing.
#[tokio::test]
async fn a_dry_run_creates_no_desktop() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    let described: serde_json::Value = server
        .client
        .post(server.url("/manager/dry_run_desktop"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        described["name"].as_str().is_some_and(|name| !name.is_empty()),
        "{described}"
    );
    assert_eq!(described["posix"]["uidNumber"], 4096, "{described}");
    assert_eq!(server.get_json("/manager/desktop").await, json!([]));
    server.stop().await;
}

/// `GET /metrics`: requests by route and status, logins by provider and outcome, launches
/// by outcome with their durations, in a text `promtool check metrics` accepts; behind
/// MetricsController's gate.
#[tokio::test]
async fn metrics_count_requests_logins_and_launches() {
    let mut config = shipped_config();
    config.trusted_proxy_cidr = vec!["127.0.0.1/32".into()];
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let refused = server
        .post(
            "/auth/auth",
            None,
            json!({"manager": "implicit", "provider": "made-up-name"}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.post_empty_json("/manager/ban/login/mallory").await["ok"], 1.0);
    let scrape = server
        .client
        .get(server.base.replace("/API", "/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::OK);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scrape.text().await.unwrap();
    for line in [
        "deskplane_http_requests_total{route=\"auth/auth\",status=\"200\"} 1",
        "deskplane_logins_total{provider=\"anonymous\",outcome=\"success\"} 1",
        "deskplane_logins_total{provider=\"none\",outcome=\"refused\"} 1",
        "deskplane_desktop_launches_total{outcome=\"ok\"} 1",
        "deskplane_desktop_launch_duration_seconds_count{outcome=\"ok\"} 1",
        "deskplane_desktops 1",
        "deskplane_bans_total{collection=\"login\"} 1",
        "# TYPE deskplane_leader gauge",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    let promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/services.sh installs it)");
    use std::io::Write as _;
    let mut promtool = promtool;
    promtool.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let checked = promtool.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    let outside = server
        .client
        .get(server.base.replace("/API", "/metrics"))
        .header("X-Forwarded-For", "203.0.113.4")
        .send()
        .await
        .unwrap();
    assert_eq!(
        outside.status(),
        StatusCode::FORBIDDEN,
        "the gate keeps other networks out"
    );
    server.stop().await;
}

/// Scoped API keys: given as SHA-256 hashes, each allows what its scopes say (`read`,
/// `desktops`, `images`, `bans`, `admin`); a key of pyos's plain `apikey` list may do
/// everything; a key without the scope a route needs gets 403.
#[tokio::test]
async fn scoped_api_keys_allow_what_their_scopes_say() {
    use sha2::Digest as _;
    let hash = |key: &str| format!("{:x}", sha2::Sha256::digest(key.as_bytes()));
    let mut config = shipped_config();
    let manager = config.controllers.get_mut("ManagerController").unwrap();
    manager.apikey = Some(vec!["full-key".into()]);
    manager.apikeys = vec![
        deskplane::config::ScopedKeyConfig {
            sha256: hash("reader-key"),
            scopes: vec!["read".into()],
        },
        deskplane::config::ScopedKeyConfig {
            sha256: hash("banner-key"),
            scopes: vec!["read".into(), "bans".into()],
        },
    ];
    assert!(deskplane::config::check(&config).is_empty());
    let server = TestServer::with(config).await;
    let call = |method: reqwest::Method, path: &str, key: Option<&str>| {
        let mut request = server
            .client
            .request(method, server.url(path))
            .header("Content-Length", "0");
        if let Some(key) = key {
            request = request.header("X-API-Key", key);
        }
        async move { request.send().await.unwrap() }
    };
    use reqwest::Method;
    assert_eq!(
        call(Method::GET, "/manager/images", Some("reader-key")).await.status(),
        StatusCode::OK
    );
    let refused = call(Method::POST, "/manager/ban/login/mallory", Some("reader-key")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("'bans' scope"), "{body}");
    assert_eq!(
        call(Method::POST, "/manager/ban/login/mallory", Some("banner-key"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        call(
            Method::GET,
            "/manager/garbagecollector?expirein=900",
            Some("banner-key")
        )
        .await
        .status(),
        StatusCode::FORBIDDEN,
        "the collector removes desktops: not a read"
    );
    assert_eq!(
        call(Method::GET, "/manager/garbagecollector?expirein=900", Some("full-key"))
            .await
            .status(),
        StatusCode::OK
    );
    for key in [None, Some("wrong-key"), Some("")] {
        assert_eq!(
            call(Method::GET, "/manager/images", key).await.status(),
            StatusCode::FORBIDDEN,
            "{key:?}"
        );
    }
    server.stop().await;

    let mut bad = shipped_config();
    bad.controllers.get_mut("ManagerController").unwrap().apikeys = vec![deskplane::config::ScopedKeyConfig {
        sha256: "not-a-hash".into(),
        scopes: vec!["everything".into()],
    }];
    let problems: Vec<String> = deskplane::config::check(&bad).iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("apikeys[0].sha256")), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("unknown scope 'everything'")),
        "{problems:?}"
    );
}

/// `manager/desktop/<name>/resources_usage`: the desktop's cgroup files in pyos's units
/// (the memory orchestrator answers an idle container's cgroup v2 files).
#[tokio::test]
async fn resources_usage_reads_the_desktops_cgroup() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let name = server.get_json("/manager/desktop").await[0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let usage = server
        .get_json(&format!("/manager/desktop/{name}/resources_usage"))
        .await;
    assert!(usage["timestamp"].as_f64().is_some_and(|t| t > 1.7e9), "{usage}");
    assert_eq!(usage["memory.usage_in_bytes"], "52428800");
    assert_eq!(usage["memory.limit_in_bytes"], "max");
    assert_eq!(usage["cpuacct.usage"], "1500000000");
    assert_eq!(usage["cpu.cfs_quota_us"], "400000000");
    let missing = server.get("/manager/desktop/nobody-here/resources_usage").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    server.stop().await;
}

/// `manager/updateactivedirectorysite` answers each located directory's controllers:
/// none on the shipped config (the LDAP adapter's test looks them up in DNS).
#[tokio::test]
async fn updateactivedirectorysite_lists_the_located_directories() {
    let server = TestServer::start().await;
    assert_eq!(server.get_json("/manager/updateactivedirectorysite").await, json!({}));
    server.stop().await;
}
