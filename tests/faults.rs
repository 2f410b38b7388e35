//! Backends that go away and come back: each test runs a server of its own (Redis,
//! Memcached or the MongoDB-wire server, as `scripts/services.sh` installs them), stops
//! it under a running deskplane and starts it again on the same port. Routes that need
//! it answer a JSON 503 naming it within the timeout, readiness says so, and deskplane
//! recovers without a restart, with nothing already stored lost.

mod common;

use common::{TestServer, keys_dir};
use deskplane::config::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process of the test's own, killed when dropped.
struct Service {
    child: Child,
}

impl Service {
    fn start(command: &mut Command, port: u16) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e} (scripts/services.sh installs it)"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "{command:?} did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child }
    }

    /// Stops the server as an operator would (SIGTERM), so it can flush what it holds.
    fn stop(mut self) {
        let terminated = Command::new("kill").arg(self.child.id().to_string()).status();
        if !terminated.is_ok_and(|status| status.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis(port: u16) -> Service {
    Service::start(
        Command::new("redis-server").args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ]),
        port,
    )
}

fn memcached(port: u16) -> Service {
    let mut command = Command::new("memcached");
    // memcached refuses to run as root without a user to switch to.
    if running_as_root() {
        command.args(["-u", "memcache"]);
    }
    command.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0"]);
    Service::start(&mut command, port)
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|status| {
            status
                .lines()
                .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

fn mongodb(port: u16, storage: &std::path::Path) -> Service {
    let python = std::env::var("DESKPLANE_PYTHON").expect(
        "DESKPLANE_PYTHON is not set: run scripts/test.sh, or `scripts/services.sh start FILE` and source FILE",
    );
    let daemon = std::path::Path::new(&python).with_file_name("secantusd-py");
    Service::start(
        Command::new(daemon).args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--storage-path",
            storage.to_str().unwrap(),
            "--log-level",
            "WARNING",
        ]),
        port,
    )
}

fn config(env: Vec<(String, String)>) -> Config {
    let path = format!("{}/config/deskplane.toml", env!("CARGO_MANIFEST_DIR"));
    let mut config = deskplane::config::load(Some(std::path::Path::new(&path)), env)
        .unwrap()
        .config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config
}

fn env(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// Polls `path` until it answers `status`, for at most `within`.
async fn eventually(server: &TestServer, path: &str, token: &str, status: StatusCode, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let response = server.post(path, Some(token), json!({"key": "color"})).await;
        if response.status() == status {
            return response.json().await.unwrap();
        }
        let last = (response.status(), response.text().await.unwrap_or_default());
        assert!(
            Instant::now() < deadline,
            "{path} never answered {status}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn readiness(server: &TestServer) -> (StatusCode, Value) {
    let response = server.get("/readyz").await;
    (response.status(), response.json().await.unwrap())
}

/// The cache goes away during a session: progress polling answers a 503 naming it, within
/// the cache timeout, and works again once the server is back.
async fn cache_outage(backend: &str, start: fn(u16) -> Service, address: String, port: u16) {
    let address_key = if backend == "redis" {
        "REDIS_URL"
    } else {
        "MEMCACHESERVER"
    };
    let service = start(port);
    let server = TestServer::with(config(env(&[
        ("DESKPLANE__backends__cache", backend.into()),
        (address_key, address),
        ("DESKPLANE__cache__timeout_seconds", "1".into()),
    ])))
    .await;
    let token = server.login_anonymous().await;
    assert_eq!(readiness(&server).await.0, StatusCode::OK);
    service.stop();

    let started = Instant::now();
    let refused = server.post("/core/getmessageinfo", Some(&token), json!({})).await;
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": 503, "message": format!("{backend} is unavailable, try again later")})
    );
    let metrics = server
        .client
        .get(server.base.replace("/API", "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let counted = format!("deskplane_backend_errors_total{{backend=\"{backend}\"}} 1");
    assert!(metrics.contains(&counted), "{counted} in\n{metrics}");
    let (status, body) = readiness(&server).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["message"], format!("{backend} unavailable"));
    assert_eq!(
        server.get("/healthz").await.status(),
        StatusCode::OK,
        "liveness is not readiness"
    );

    let _back = start(port);
    eventually(
        &server,
        "/core/getmessageinfo",
        &token,
        StatusCode::OK,
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(readiness(&server).await.0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn redis_outage_is_a_named_503_and_recovers() {
    let port = free_port();
    cache_outage("redis", redis, format!("redis://127.0.0.1:{port}/"), port).await;
}

#[tokio::test]
async fn memcached_outage_is_a_named_503_and_recovers() {
    let port = free_port();
    cache_outage("memcached", memcached, format!("127.0.0.1:{port}"), port).await;
}

/// MongoDB goes away: stored values answer a 503 naming it within the operation timeout;
/// once it is back (same storage), what was stored before is still there.
#[tokio::test]
async fn mongodb_outage_is_a_named_503_and_loses_nothing() {
    let storage = tempfile::tempdir().unwrap();
    let port = free_port();
    let service = mongodb(port, storage.path());
    let server = TestServer::with(config(env(&[
        ("DESKPLANE__backends__datastore", "mongodb".into()),
        ("MONGODB_URL", format!("mongodb://127.0.0.1:{port}")),
        ("DESKPLANE__mongodb__server_selection_timeout_seconds", "1".into()),
        ("DESKPLANE__mongodb__operation_timeout_seconds", "2".into()),
    ])))
    .await;
    let token = server.login_anonymous().await;
    server
        .post_json(
            "/store/set",
            Some(&token),
            json!({"key": "color", "value": "#00FF00"}),
            StatusCode::OK,
        )
        .await;
    service.stop();

    let started = Instant::now();
    let refused = server.post("/store/get", Some(&token), json!({"key": "color"})).await;
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["message"], "mongodb is unavailable, try again later");
    assert_eq!(readiness(&server).await.0, StatusCode::SERVICE_UNAVAILABLE);

    let _back = mongodb(port, storage.path());
    let value = eventually(&server, "/store/get", &token, StatusCode::OK, Duration::from_secs(20)).await;
    assert_eq!(value["result"], "#00FF00", "nothing stored before the outage is lost");
    assert_eq!(readiness(&server).await.0, StatusCode::OK);
    server.stop().await;
}
