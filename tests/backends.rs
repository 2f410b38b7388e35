//! The real data backends behind the HTTP API: MongoDB with Memcached or Redis, as the
//! shipped `config/mongodb.toml` and `config/redis.toml` choose them, on the servers that
//! `scripts/services.sh` starts (their URLs come from the environment). Each test keeps
//! its data under prefixes of its own, so tests share the servers and run in parallel.

mod common;

use common::{TestServer, keys_dir};
use deskplane::config::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn required(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run scripts/test.sh, or `scripts/services.sh start FILE` and source FILE")
    })
}

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{tag}{}{nanos}_", std::process::id())
}

/// A shipped backend configuration with this run's prefixes and the service URLs.
fn backend_config(file: &str, prefix: &str, env: Vec<(String, String)>) -> Config {
    let path = format!("{}/config/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut env = env;
    env.push(("DESKPLANE__mongodb__database_prefix".into(), prefix.into()));
    env.push(("DESKPLANE__cache__key_prefix".into(), prefix.into()));
    env.push(("MONGODB_URL".into(), required("MONGODB_URL")));
    env.push(("MEMCACHESERVER".into(), required("MEMCACHESERVER")));
    env.push(("REDIS_URL".into(), required("REDIS_URL")));
    env.push(("DESKPLANE__fail2ban__enable".into(), "true".into()));
    env.push(("DESKPLANE__fail2ban__failsbeforeban".into(), "4".into()));
    let mut config = deskplane::config::load(Some(std::path::Path::new(&path)), env)
        .unwrap()
        .config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config
}

/// Stored values, the catalog, bans and login history outlive the process.
async fn state_survives_a_restart(file: &str) {
    let prefix = unique("restart");
    let first = TestServer::with(backend_config(file, &prefix, vec![])).await;
    let token = first.login_anonymous().await;
    first
        .post_json(
            "/store/set",
            Some(&token),
            json!({"key": "color", "value": "#6EC6F0"}),
            StatusCode::OK,
        )
        .await;
    first.register_app("gedit.d.3.0.json").await;
    assert_eq!(
        first.post_empty_json("/manager/ban/ipaddr/203.0.113.9").await["ok"],
        1.0
    );
    first.stop().await;

    let second = TestServer::with(backend_config(file, &prefix, vec![])).await;
    let color = second
        .post_json("/store/get", Some(&token), json!({"key": "color"}), StatusCode::OK)
        .await;
    assert_eq!(color["result"], "#6EC6F0");
    let images: Value = second.get_json("/manager/images").await;
    assert!(images.get("abcdesktopio/gedit.d:3.0").is_some(), "{images}");
    let ban: Value = second.get_json("/manager/ban/ipaddr/203.0.113.9").await;
    assert_eq!(ban["isban"], true);
    let logins = second
        .post_json(
            "/store/getcollection",
            Some(&token),
            json!({"key": "loginHistory"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(logins["result"].as_array().map(Vec::len), Some(1));
    second.stop().await;
}

#[tokio::test]
async fn state_survives_a_restart_on_mongodb_and_memcached() {
    state_survives_a_restart("mongodb.toml").await;
}

#[tokio::test]
async fn state_survives_a_restart_on_mongodb_and_redis() {
    state_survives_a_restart("redis.toml").await;
}

/// Two replicas over one MongoDB and one cache behave as one service.
#[tokio::test]
async fn two_replicas_share_tokens_values_bans_and_progress() {
    let prefix = unique("replicas");
    let one = TestServer::with(backend_config("redis.toml", &prefix, vec![])).await;
    let two = TestServer::with(backend_config("redis.toml", &prefix, vec![])).await;

    let token = one.login_anonymous().await;
    one.post_json(
        "/store/set",
        Some(&token),
        json!({"key": "color", "value": "#FF0000"}),
        StatusCode::OK,
    )
    .await;
    let read = two
        .post_json("/store/get", Some(&token), json!({"key": "color"}), StatusCode::OK)
        .await;
    assert_eq!(
        read["result"], "#FF0000",
        "a token and a value from one replica work on the other"
    );

    // Failures split across both replicas reach the threshold (4) exactly.
    for (index, server) in [&one, &two, &one].into_iter().enumerate() {
        let refused = server.post("/core/getmessageinfo", Some("forged"), json!({})).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "failure {index}");
    }
    let status: Value = two.get_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(
        (status["count"].clone(), status["isban"].clone()),
        (json!(3), json!(false))
    );
    let fourth = two.post("/core/getmessageinfo", Some("forged"), json!({})).await;
    assert_eq!(fourth.status(), StatusCode::UNAUTHORIZED);
    let banned = one
        .post("/auth/auth", None, json!({"manager": null, "provider": "anonymous"}))
        .await;
    assert_eq!(
        banned.status(),
        StatusCode::UNAUTHORIZED,
        "the ban set through two holds on one"
    );
    let lifted: Value = one.delete_json("/manager/ban/ipaddr/127.0.0.1").await;
    assert_eq!(lifted["n"], 1);

    // A catalog change through one replica reaches the other within a second.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await; // its watch opens
    one.register_app("calc.d.3.0.json").await;
    let registered = std::time::Instant::now();
    loop {
        let images: Value = two.get_json("/manager/images").await;
        if images
            .as_object()
            .is_some_and(|apps| apps.keys().any(|id| id.contains("calc")))
        {
            break;
        }
        assert!(
            registered.elapsed() < std::time::Duration::from_secs(1),
            "the catalog change did not reach the other replica: {images}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Launch progress written by the replica that launches is read through the other.
    one.post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let progress = two
        .post_json("/core/getmessageinfo", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(progress["message"], "stopinfo", "{progress}");
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn readyz_names_every_backend() {
    let server = TestServer::with(backend_config("mongodb.toml", &unique("ready"), vec![])).await;
    let response = server.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["backends"], json!({"memcached": "ok", "mongodb": "ok"}));
    server.stop().await;
    let memory = TestServer::start().await;
    let body: Value = memory.get_json("/readyz").await;
    assert_eq!(body, json!({"status": 200, "message": "ready", "backends": {}}));
    memory.stop().await;
}

/// abcdesktop's reference provider `planet` from the shipped `config/ldap.toml`, against
/// the Planet Express directory: Fry logs in, gets `labeltrue` and `shipcrew` (not
/// `adminstaff`), and launches a desktop; a wrong password is one generic 401.
#[tokio::test]
async fn fry_logs_in_through_planet_and_launches() {
    let path = format!("{}/config/ldap.toml", env!("CARGO_MANIFEST_DIR"));
    let servers = format!("[\"{}\"]", required("LDAP_URL"));
    let env = vec![(
        "DESKPLANE__authmanagers__explicit__providers__planet__servers".to_owned(),
        servers,
    )];
    let mut config = deskplane::config::load(Some(std::path::Path::new(&path)), env)
        .unwrap()
        .config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    let server = TestServer::with(config).await;
    let login = |password: &str| json!({"manager": "explicit", "provider": "planet", "userid": "Philip J. Fry", "password": password});
    let body = server.post_json("/auth/auth", None, login("fry"), StatusCode::OK).await;
    let token = body["result"]["jwt_user_token"].as_str().unwrap().to_owned();
    let labels = server
        .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
        .await;
    let labels = labels["result"].clone();
    assert_eq!(labels["labeltrue"], "true", "{labels}");
    assert_eq!(labels["shipcrew"], "true", "{labels}");
    assert!(labels.get("adminstaff").is_none(), "{labels}");
    let me = server
        .post_json("/user/whoami", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(
        (me["userid"].clone(), me["provider"].clone()),
        (json!("fry"), json!("planet"))
    );
    let launched = server
        .post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    assert_eq!(launched["status"], 200, "{launched}");
    let refused = server.post("/auth/auth", None, login("leela")).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    server.stop().await;
}

/// `backends.geolocation = "maxmind"` on MaxMind's test databases: a client behind a
/// trusted proxy is located by its forwarded address; the server's private one is not.
#[tokio::test]
async fn maxmind_locates_forwarded_clients() {
    let dir = std::path::PathBuf::from(required("MMDB_DIR"));
    let mut config = backend_config("deskplane.toml", &unique("geo"), vec![]);
    config.backends.geolocation = "maxmind".into();
    config.maxmind.city_database = dir.join("GeoLite2-City-Test.mmdb");
    config.maxmind.asn_database = Some(dir.join("GeoLite2-ASN-Test.mmdb"));
    config.trusted_proxy_cidr = vec!["127.0.0.1/32".into()];
    let server = TestServer::with(config).await;
    let token = server.login_anonymous().await;
    let response = server
        .client
        .post(server.url("/user/getlocation"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .header("X-Forwarded-For", "89.160.20.128")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let user = &body["result"]["user"];
    assert_eq!(user["country_code"], "SE", "{body}");
    assert_eq!(user["autonomous_system_number"], 29518, "{body}");
    assert_eq!(user["datasource"], "GeoLite2");
    assert!(
        body["result"]["server"]["country"].is_null(),
        "the server's loopback address has no place: {body}"
    );
    server.stop().await;
}
