//! The real data backends behind the HTTP API: MongoDB with Memcached or Redis, as the
//! shipped `config/mongodb.toml` and `config/redis.toml` choose them, on the servers that
//! `scripts/services.sh` starts (their URLs come from the environment). Each test keeps
//! its data under prefixes of its own, so tests share the servers and run in parallel.

mod common;

use common::{TestServer, keys_dir, ldap_config};
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

/// Two replicas over one MongoDB and one cache behave as one service, with the shipped
/// bans (MongoDB's, checked in each replica's copy of them).
#[tokio::test]
async fn two_replicas_share_tokens_values_bans_and_progress() {
    two_replicas_behave_as_one(vec![]).await;
}

/// The same with the ban counters on Redis (`backends.bans = "redis"`).
#[tokio::test]
async fn two_replicas_share_bans_kept_on_redis() {
    two_replicas_behave_as_one(vec![("DESKPLANE__backends__bans".into(), "redis".into())]).await;
}

async fn two_replicas_behave_as_one(env: Vec<(String, String)>) {
    let prefix = unique("replicas");
    let one = TestServer::with(backend_config("redis.toml", &prefix, env.clone())).await;
    let two = TestServer::with(backend_config("redis.toml", &prefix, env)).await;

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
    ban_status_within_a_second(&two, "/manager/ban/ipaddr/127.0.0.1", (3, false)).await;
    let fourth = two.post("/core/getmessageinfo", Some("forged"), json!({})).await;
    assert_eq!(fourth.status(), StatusCode::UNAUTHORIZED);
    ban_status_within_a_second(&one, "/manager/ban/ipaddr/127.0.0.1", (4, true)).await;
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
    let config = ldap_config(&required("LDAP_URL"));
    let server = TestServer::with(config).await;
    let login = |password: &str| planet_login("Philip J. Fry", password);
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
    let logout = server.post("/auth/logout", Some(&token), json!({})).await;
    assert_eq!(logout.status(), StatusCode::OK);
    server.stop().await;
}

/// `backends.geolocation = "maxmind"` on MaxMind's test databases: a client behind a
/// trusted proxy is located, and labelled by an `asnumber` rule, by its forwarded address;
/// the server's private one is not located.
#[tokio::test]
async fn maxmind_locates_forwarded_clients() {
    let dir = std::path::PathBuf::from(required("MMDB_DIR"));
    let mut config = backend_config("deskplane.toml", &unique("geo"), vec![]);
    config.backends.geolocation = "maxmind".into();
    config.maxmind.city_database = dir.join("GeoLite2-City-Test.mmdb");
    config.maxmind.asn_database = Some(dir.join("GeoLite2-ASN-Test.mmdb"));
    config.trusted_proxy_cidr = vec!["127.0.0.1/32".into()];
    // An `asnumber` rule: Bredband2's network (AS29518 in the test database) gets a label.
    config.authmanagers["implicit"]["providers"]["anonymous"]["policies"]["rules"]["rule-bredband"] =
        json!({"conditions": [{"asnumber": ["29518"], "expected": true}], "expected": true, "label": "bredband"});
    let server = TestServer::with(config).await;
    let labels_from = |address: &'static str| {
        let request = server
            .client
            .post(server.url("/auth/auth"))
            .header("X-Forwarded-For", address)
            .json(&json!({"manager": null, "provider": "anonymous"}));
        let server = &server;
        async move {
            let body: Value = request.send().await.unwrap().json().await.unwrap();
            let token = body["result"]["jwt_user_token"].as_str().unwrap().to_owned();
            let labels = server
                .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
                .await;
            labels["result"].clone()
        }
    };
    let swedish = labels_from("89.160.20.128").await;
    assert!(swedish.get("bredband").is_some(), "{swedish}");
    let elsewhere = labels_from("81.2.69.142").await;
    assert!(elsewhere.get("bredband").is_none(), "{elsewhere}");
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

fn planet_login(userid: &str, password: &str) -> Value {
    json!({"manager": "explicit", "provider": "planet", "userid": userid, "password": password})
}

/// Injections, unknown users and wrong passwords all get one 401 with one message and no
/// directory diagnostic; a directory that does not answer is a named 503 within the
/// connect timeout.
#[tokio::test]
async fn directory_logins_fail_alike_and_a_dead_directory_is_a_503() {
    let mut config = ldap_config(&required("LDAP_URL"));
    // Six refusals from one address would ban it (the shipped threshold is 5): that is
    // tested elsewhere; here every refusal must reach the directory.
    config.fail2ban.enable = false;
    let server = TestServer::with(config).await;
    let mut messages = std::collections::BTreeSet::new();
    for (userid, password) in [
        ("Philip J. Fry", "leela"),
        ("Nibbler", "fry"),
        ("*)(cn=*", "fry"),
        ("Philip J. Fry\\", "fry"),
        ("Philip\u{0}J. Fry", "fry"),
        ("cn=admin,dc=planetexpress,dc=com", "GoodNewsEveryone"),
    ] {
        let refused = server.post("/auth/auth", None, planet_login(userid, password)).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{userid:?}");
        let body: Value = refused.json().await.unwrap();
        let message = body["message"].as_str().unwrap_or_default().to_owned();
        assert!(!message.contains("dc=") && !message.contains("49"), "{message}");
        messages.insert(message);
    }
    assert_eq!(messages.len(), 1, "one message for every refusal: {messages:?}");
    let long = server
        .post("/auth/auth", None, planet_login(&"x".repeat(300), "fry"))
        .await;
    assert!(long.status().is_client_error(), "{}", long.status());
    server.stop().await;

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = TestServer::with(ldap_config(&format!("ldap://127.0.0.1:{closed}"))).await;
    let started = std::time::Instant::now();
    let response = dead
        .post("/auth/auth", None, planet_login("Philip J. Fry", "fry"))
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "directory is unavailable, try again later");
    dead.stop().await;
}

/// Wrong passwords count per login across replicas: 20 parallel guesses for Fry from 20
/// addresses, split over two replicas sharing MongoDB, reach a threshold of 20 exactly,
/// and then Fry's right password is refused from a fresh address.
#[tokio::test]
async fn parallel_wrong_passwords_ban_the_login_exactly_across_replicas() {
    let prefix = unique("guess");
    let replica = || {
        let mut config = ldap_config(&required("LDAP_URL"));
        config.backends.datastore = "mongodb".into();
        config.mongodburl = Some(required("MONGODB_URL"));
        config.mongodb.database_prefix = prefix.clone();
        config.fail2ban.enable = true;
        config.fail2ban.failsbeforeban = 20;
        config.trusted_proxy_cidr = vec!["127.0.0.1/32".into()];
        config
    };
    let one = TestServer::with(replica()).await;
    let two = TestServer::with(replica()).await;
    let guess = |server: &TestServer, address: String, password: &'static str| {
        let request = server
            .client
            .post(server.url("/auth/auth"))
            .header("X-Forwarded-For", address)
            .json(&planet_login("Philip J. Fry", password));
        async move { request.send().await.unwrap().status() }
    };
    let guesses = (0..19).map(|n| {
        let server = if n % 2 == 0 { &one } else { &two };
        guess(server, format!("198.51.100.{n}"), "not-fry")
    });
    for status in futures::future::join_all(guesses).await {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Each replica reads bans from its copy of the collection, fed by a change stream:
    // the other replica's failures arrive within milliseconds.
    ban_status_within_a_second(&one, "/manager/ban/login/Philip%20J.%20Fry", (19, false)).await;
    assert_eq!(
        guess(&two, "198.51.100.19".into(), "not-fry").await,
        StatusCode::UNAUTHORIZED
    );
    let status: Value = two.get_json("/manager/ban/login/Philip%20J.%20Fry").await;
    assert_eq!(
        (status["count"].clone(), status["isban"].clone()),
        (json!(20), json!(true)),
        "{status}"
    );
    ban_status_within_a_second(&one, "/manager/ban/login/Philip%20J.%20Fry", (20, true)).await;
    let refused = one
        .client
        .post(one.url("/auth/auth"))
        .header("X-Forwarded-For", "203.0.113.50")
        .json(&planet_login("Philip J. Fry", "fry"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "user is banned", "{body}");
    one.stop().await;
    two.stop().await;
}

/// Polls a ban status route until it shows `(count, isban)`; fails after a second.
async fn ban_status_within_a_second(server: &TestServer, path: &str, expected: (u32, bool)) {
    let started = std::time::Instant::now();
    loop {
        let status: Value = server.get_json(path).await;
        if (status["count"].clone(), status["isban"].clone()) == (json!(expected.0), json!(expected.1)) {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{path}: {status}, expected {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// `core/progress` on one replica follows a launch made through another (through the
/// shared cache), and ends after its `stopinfo`.
#[tokio::test]
async fn a_progress_stream_follows_a_launch_on_another_replica() {
    let prefix = unique("stream");
    let one = TestServer::with(backend_config("redis.toml", &prefix, vec![])).await;
    let two = TestServer::with(backend_config("redis.toml", &prefix, vec![])).await;
    let token = one.login_anonymous().await;
    let mut stream = two
        .client
        .get(two.url("/core/progress"))
        .header("ABCAuthorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let reading = tokio::spawn(async move {
        let mut text = String::new();
        while let Some(chunk) = stream.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    one.post_json("/composer/launchdesktop", Some(&token), json!({}), StatusCode::OK)
        .await;
    let text = tokio::time::timeout(std::time::Duration::from_secs(20), reading)
        .await
        .expect("the stream ends after stopinfo")
        .unwrap();
    let data: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("data:")).collect();
    assert_eq!(data.last().map(|d| d.trim()), Some("stopinfo"), "{text}");
    one.stop().await;
    two.stop().await;
}
