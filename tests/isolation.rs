//! Tenant isolation and fail-closed security (the December security review), from outside.
//! Each test fails on the code the review attacked.

mod common;

use common::{TestServer, assert_http_error, keys_dir, shipped_config};
use deskplane::config::{Config, load_str};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

/// A config file of the anonymous provider and `tables`, behind a trusted loopback proxy,
/// with `env` variables applied.
fn config_with(tables: &str, env: &[(&str, &str)]) -> Config {
    let text = format!(
        "trusted_proxy_cidr = [\"127.0.0.0/8\"]\n\n[authmanagers.implicit.providers.anonymous]\ndisplayname = \"Anonymous\"\n{tables}"
    );
    let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    let mut config = load_str(&text, "test.toml", env).unwrap().config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config
}

/// The shipped config behind a trusted loopback proxy.
fn shipped_behind_proxy() -> Config {
    let mut config = shipped_config();
    config.trusted_proxy_cidr = vec!["127.0.0.0/8".into()];
    config
}

/// A manager request relayed by the trusted loopback proxy for `client`.
async fn manager_from(server: &TestServer, client: &str) -> StatusCode {
    server
        .client
        .get(server.url("/manager/desktop"))
        .header("X-Forwarded-For", client)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_table_for_another_controller_keeps_the_manager_gate_closed() {
    // Before: any [controllers.X] replaced the default map and the manager opened to all.
    let from_file = config_with("[controllers.StoreController]\nwrapped_key = {color = \"#000\"}\n", &[]);
    let from_env = config_with("", &[("DESKPLANE__controllers__AuthController__enable", "true")]);
    for config in [from_file, from_env] {
        let server = TestServer::with(config).await;
        assert_eq!(manager_from(&server, "203.0.113.7").await, StatusCode::FORBIDDEN);
        assert_eq!(
            manager_from(&server, "10.1.2.3").await,
            StatusCode::OK,
            "private ranges still pass"
        );
        let accounting = server
            .client
            .get(server.url("/accounting/metrics"))
            .header("X-Forwarded-For", "203.0.113.7")
            .send()
            .await
            .unwrap();
        assert_eq!(
            accounting.status(),
            StatusCode::FORBIDDEN,
            "accounting is operator-only too"
        );
        server.stop().await;
    }
    // A manager table that sets only a key keeps the default networks.
    let keyed = config_with("[controllers.ManagerController]\napikey = [\"k1\"]\n", &[]);
    let server = TestServer::with(keyed).await;
    let response = server
        .client
        .get(server.url("/manager/desktop"))
        .header("X-Forwarded-For", "203.0.113.7")
        .header("X-API-Key", "k1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "a key does not open the networks"
    );
    server.stop().await;
}

#[tokio::test]
async fn every_forwarded_for_line_is_read_as_one_list() {
    // A proxy that adds its own header line (HAProxy `option forwardfor`) after the
    // client's forged one: the chain is `10.0.0.1, 6.6.6.6`, so the client is 6.6.6.6.
    let server = TestServer::with(shipped_behind_proxy()).await;
    let response = server
        .client
        .get(server.url("/manager/desktop"))
        .header("X-Forwarded-For", "10.0.0.1")
        .header("X-Forwarded-For", "6.6.6.6")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "permitip is not bypassed");
    let login = server
        .client
        .post(server.url("/auth/auth"))
        .header("X-Forwarded-For", "10.0.0.1")
        .header("X-Forwarded-For", "6.6.6.6")
        .json(&json!({"provider": "anonymous"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED, "the chain is a spoof");
    server.stop().await;
}

#[tokio::test]
async fn an_unparsable_hop_from_the_proxy_never_bans_the_proxy() {
    let mut config = shipped_behind_proxy();
    config.fail2ban.enable = true;
    config.fail2ban.failsbeforeban = 2;
    let server = TestServer::with(config).await;
    for _ in 0..3 {
        let garbage = server
            .post_with(
                "/auth/auth",
                &[("X-Forwarded-For", "garbage")],
                json!({"provider": "anonymous"}),
            )
            .await;
        assert_http_error(
            garbage,
            StatusCode::UNAUTHORIZED,
            "spoofed X-Forwarded-For header detected",
        )
        .await;
    }
    let status: Value = server.get_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(status["count"], 0, "the proxy is not charged: {status}");
    let honest = server.post("/auth/auth", None, json!({"provider": "anonymous"})).await;
    assert_eq!(honest.status(), StatusCode::OK, "clients behind the proxy still log in");
    server.stop().await;
}

#[tokio::test]
async fn header_network_rules_only_believe_trusted_proxies() {
    let labels_through = |trusted: bool| async move {
        let mut config = config_with(RULES, &[]);
        if !trusted {
            config.trusted_proxy_cidr.clear();
        }
        let server = TestServer::with(config).await;
        let login = server
            .post_with(
                "/auth/auth",
                &[("X-Forwarded-For", "10.1.2.3")],
                json!({"provider": "anonymous"}),
            )
            .await;
        assert_eq!(login.status(), StatusCode::OK);
        let body: Value = login.json().await.unwrap();
        let token = body["result"]["jwt_user_token"].as_str().unwrap().to_owned();
        let labels = server
            .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
            .await;
        server.stop().await;
        labels["result"].clone()
    };
    assert_eq!(
        labels_through(true).await["xffnet"],
        "true",
        "the rule works through a proxy"
    );
    assert!(
        labels_through(false).await.get("xffnet").is_none(),
        "an untrusted peer wrote that header"
    );
}

const RULES: &str = r#"
[authmanagers.implicit.providers.anonymous.policies.rules.xff]
conditions = [{network-x-forwarded-for = "10.0.0.0/8", expected = true}]
expected = true
label = "xffnet"
"#;

fn planet_with_bans() -> Config {
    let mut config = shipped_behind_proxy();
    config.fail2ban.enable = true;
    config.fail2ban.failsbeforeban = 3;
    let explicit = json!({"providers": {"planet": {"displayname": "Planet Express", "directory": "memory",
        "users": [{"login": "leela", "password": "nibbler", "dn": "cn=Leela,dc=pe",
                   "attributes": {"uid": "leela", "cn": "Turanga Leela"}}],
        "policies": {"acl": {"permit": ["all"]}}}}});
    config.authmanagers.insert("explicit".into(), explicit);
    config
}

#[tokio::test]
async fn a_banned_login_is_refused_at_login_from_any_address() {
    let server = TestServer::with(planet_with_bans()).await;
    let attempt = |client: String, password: &'static str| {
        let server = &server;
        async move {
            server
                .post_with(
                    "/auth/auth",
                    &[("X-Forwarded-For", client.as_str())],
                    json!({"manager": "explicit", "provider": "planet", "userid": "leela", "password": password}),
                )
                .await
        }
    };
    for n in 1..=3 {
        let refused = attempt(format!("203.0.113.{n}"), "wrong").await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    for n in 4..=8 {
        let refused = attempt(format!("203.0.113.{n}"), "wrong").await;
        assert_http_error(refused, StatusCode::UNAUTHORIZED, "user is banned").await;
    }
    let right = attempt("198.51.100.99".into(), "nibbler").await;
    assert_http_error(right, StatusCode::UNAUTHORIZED, "user is banned").await;
    let status: Value = server.get_json("/manager/ban/login/leela").await;
    assert_eq!(
        status["count"], 3,
        "refused before the directory: no more guesses counted"
    );
    server.stop().await;
}

#[tokio::test]
async fn names_that_reach_the_cluster_are_checked_first() {
    let server = TestServer::start().await;
    let token = server.login_anonymous().await;
    server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    for podname in [
        "../x",
        "../../kube-system/pods/x",
        "pod/log",
        "",
        " ",
        "a\u{0}b",
        "a\r\nb",
        "pod?dryRun=All",
        "pod#x",
    ] {
        for route in [
            "/composer/stopcontainer",
            "/composer/logcontainer",
            "/composer/removecontainer",
            "/composer/envcontainer",
        ] {
            let response = server
                .post(route, Some(&token), json!({"podname": podname, "containerid": "x"}))
                .await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{route} {podname:?}");
        }
    }
    let response = server
        .post(
            "/composer/logcontainer",
            Some(&token),
            json!({"podname": "ok", "containerid": "../y"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    for path in [
        "/manager/desktop/..%2Fx",
        "/manager/desktop/Fry",
        "/manager/desktop/a%20b/container",
    ] {
        assert_eq!(server.get(path).await.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn three_thousand_anonymous_users_get_three_thousand_desktops() {
    // The review's reproduction: 3,000 launches on the shipped default gave 2,999 desktops.
    let server = Arc::new(TestServer::start().await);
    let users = 3_000;
    let mut tasks = tokio::task::JoinSet::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..32 {
        let (server, next) = (server.clone(), next.clone());
        tasks.spawn(async move {
            let mut seen = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < users {
                let token = server.login_anonymous().await;
                let launched = server
                    .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
                    .await;
                let password = launched["result"]["vncpassword"].as_str().unwrap().to_owned();
                let target = launched["result"]["authorization"].as_str().unwrap().to_owned();
                seen.push((password, target));
            }
            seen
        });
    }
    let mut passwords = HashSet::new();
    let mut launches = 0;
    while let Some(seen) = tasks.join_next().await {
        for (password, _) in seen.unwrap() {
            launches += 1;
            passwords.insert(password);
        }
    }
    assert_eq!(launches, users);
    assert_eq!(passwords.len(), users, "every user has a VNC password of their own");
    let desktops: Value = server.get_json("/manager/desktop").await;
    let names: HashSet<&str> = desktops
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), users, "and a desktop of their own");
}

#[tokio::test]
async fn anonymous_logins_and_desktop_creations_are_limited_per_address() {
    let mut config = shipped_behind_proxy();
    config.rate_limit.exempt_networks = vec!["10.0.0.0/8".into()];
    config.rate_limit.anonymous_logins_per_minute = 3;
    config.rate_limit.desktop_creations_per_minute = 2;
    let server = TestServer::with(config).await;
    let login_from = |client: &'static str| {
        let server = &server;
        async move {
            server
                .post_with(
                    "/auth/auth",
                    &[("X-Forwarded-For", client)],
                    json!({"provider": "anonymous"}),
                )
                .await
        }
    };
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let response = login_from("203.0.113.9").await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        tokens.push(body["result"]["jwt_user_token"].as_str().unwrap().to_owned());
    }
    let limited = login_from("203.0.113.9").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["status"], 429, "the JSON envelope: {body}");
    assert_eq!(login_from("203.0.113.10").await.status(), StatusCode::OK, "per address");
    assert_eq!(login_from("10.1.1.1").await.status(), StatusCode::OK, "exempt networks");

    let launch = |token: String| {
        let server = &server;
        async move {
            server
                .client
                .post(server.url("/composer/launchdesktop"))
                .header("ABCAuthorization", format!("Bearer {token}"))
                .header("X-Forwarded-For", "203.0.113.9")
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(launch(tokens[0].clone()).await, StatusCode::OK);
    assert_eq!(launch(tokens[1].clone()).await, StatusCode::OK);
    assert_eq!(
        launch(tokens[0].clone()).await,
        StatusCode::OK,
        "resuming is not a creation"
    );
    assert_eq!(launch(tokens[2].clone()).await, StatusCode::TOO_MANY_REQUESTS);
    server.stop().await;
}

#[tokio::test]
async fn stored_values_are_bounded_and_kept_per_owner() {
    let mut config = planet_with_bans();
    config.fail2ban.enable = false;
    config.store.max_value_bytes = 1024;
    config.store.max_keys_per_user = 3;
    config.authmanagers["implicit"]["providers"]["anonymous"]["allow_caller_userid"] = json!(true);
    let server = TestServer::with(config).await;
    let login = |body: Value| {
        let server = &server;
        async move {
            let answer = server.post_json("/auth/auth", None, body, StatusCode::OK).await;
            answer["result"]["jwt_user_token"].as_str().unwrap().to_owned()
        }
    };
    // The same user id under two providers: an anonymous "leela" and the directory's.
    let impostor = login(json!({"provider": "anonymous", "userid": "leela"})).await;
    let leela =
        login(json!({"manager": "explicit", "provider": "planet", "userid": "leela", "password": "nibbler"})).await;
    let set = |token: &str, key: &str, value: Value| {
        let (server, token, key) = (&server, token.to_owned(), key.to_owned());
        async move {
            server
                .post("/store/set", Some(&token), json!({"key": key, "value": value}))
                .await
                .status()
        }
    };
    assert_eq!(set(&leela, "color", json!("#112233")).await, StatusCode::OK);
    let peek = server
        .post("/store/get", Some(&impostor), json!({"key": "color"}))
        .await;
    assert_eq!(
        peek.status(),
        StatusCode::NOT_FOUND,
        "another provider's user with that id sees nothing"
    );
    let history = server
        .post_json(
            "/store/getcollection",
            Some(&impostor),
            json!({"key": "loginHistory"}),
            StatusCode::OK,
        )
        .await;
    assert!(
        history["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["provider"] == "anonymous"),
        "nor the other's login history: {history}"
    );
    assert_eq!(
        set(&leela, "big", json!("x".repeat(2048))).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(set(&leela, "dock", json!([1])).await, StatusCode::OK);
    assert_eq!(set(&leela, "zoom", json!(1)).await, StatusCode::OK);
    assert_eq!(
        set(&leela, "fourth", json!(1)).await,
        StatusCode::FORBIDDEN,
        "three keys at most"
    );
    assert_eq!(
        set(&leela, "color", json!("#000000")).await,
        StatusCode::OK,
        "existing keys still change"
    );
    let kept = server
        .post_json("/store/get", Some(&leela), json!({"key": "color"}), StatusCode::OK)
        .await;
    assert_eq!(kept["result"], "#000000", "nothing stored was lost");
    server.stop().await;
}
