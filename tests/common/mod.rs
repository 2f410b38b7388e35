//! Black-box test support: the real server on 127.0.0.1:0, spoken to over HTTP.
#![allow(dead_code)]

pub mod kube;

use deskplane::config::{Config, load_str};
use deskplane::http::RunningServer;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::OnceLock;

/// The shipped default configuration, as a user gets it.
pub fn shipped_config() -> Config {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/deskplane.toml")).unwrap();
    let mut config = load_str(&text, "config/deskplane.toml", Vec::new()).unwrap().config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config
}

/// A shipped configuration file (`config/<file>`) with `env` applied, on the test keys.
pub fn shipped_file(file: &str, env: Vec<(String, String)>) -> Config {
    let path = format!("{}/config/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut config = deskplane::config::load(Some(Path::new(&path)), env).unwrap().config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config
}

/// A prefix for this test's databases and cache keys, unique to this moment and process.
pub fn unique_prefix(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{tag}{}{nanos}_", std::process::id())
}

/// `config/mongodb.toml` on the servers `scripts/services.sh` started, under `prefix`.
pub fn mongodb_config(prefix: &str) -> Config {
    let service = |name: &str| {
        let value = std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test.sh"));
        (name.to_owned(), value)
    };
    shipped_file(
        "mongodb.toml",
        vec![
            service("MONGODB_URL"),
            service("MEMCACHESERVER"),
            ("DESKPLANE__mongodb__database_prefix".to_owned(), prefix.to_owned()),
            ("DESKPLANE__cache__key_prefix".to_owned(), prefix.to_owned()),
        ],
    )
}

/// `config/ldap.toml` with its `planet` provider on `servers`.
pub fn ldap_config(servers: &str) -> Config {
    shipped_file(
        "ldap.toml",
        vec![(
            "DESKPLANE__authmanagers__explicit__providers__planet__servers".to_owned(),
            format!("[\"{servers}\"]"),
        )],
    )
}

/// Log output captured in memory, for tests that search it for secrets.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// Captures every log line of the process at TRACE level (once per test binary).
    pub fn everything() -> Self {
        let logs = Self::default();
        tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .init();
        logs
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// One key directory per test binary: generating RSA keys is the slow part of start-up.
pub fn keys_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        deskplane::adapters::jwt::ensure_keys(dir.path()).unwrap();
        dir
    })
    .path()
}

/// A running server and a client for it.
pub struct TestServer {
    pub base: String,
    pub client: Client,
    server: Option<RunningServer>,
}

impl TestServer {
    /// Starts the shipped configuration.
    pub async fn start() -> Self {
        Self::with(shipped_config()).await
    }

    /// Starts `config` on a free port.
    pub async fn with(config: Config) -> Self {
        let state = deskplane::app::build(&config).await.expect("the config builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = deskplane::http::start(state, listener).unwrap();
        let base = format!("http://{}/API", server.addr);
        Self {
            base,
            client: Client::new(),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POST JSON, with a user token when given.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.header("ABCAuthorization", format!("Bearer {token}"));
        }
        request.send().await.unwrap()
    }

    /// POST JSON and read the JSON answer, asserting the HTTP status.
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value, status: StatusCode) -> Value {
        let response = self.post(path, token, body).await;
        assert_eq!(response.status(), status, "POST {path}");
        response.json().await.unwrap()
    }

    /// GET `path` and return the response.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET `path` and read its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    /// DELETE `path` and read its JSON.
    pub async fn delete_json(&self, path: &str) -> Value {
        self.client
            .delete(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POST with no body (the operator's ban route) and read its JSON.
    pub async fn post_empty_json(&self, path: &str) -> Value {
        self.client
            .post(self.url(path))
            .header("Content-Length", "0")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POST `body` to `path` with extra headers.
    pub async fn post_with(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Response {
        let mut request = self.client.post(self.url(path)).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }

    /// An anonymous login; returns the user token.
    pub async fn login_anonymous(&self) -> String {
        let body = self
            .post_json(
                "/auth/auth",
                None,
                json!({"manager": null, "provider": "anonymous"}),
                StatusCode::OK,
            )
            .await;
        body["result"]["jwt_user_token"].as_str().expect("a token").to_owned()
    }

    /// Logs Fry in through the `planet` LDAP provider; returns the user token.
    pub async fn login_fry(&self) -> String {
        let body = self
            .post_json(
                "/auth/auth",
                None,
                json!({"manager": "explicit", "provider": "planet", "userid": "Philip J. Fry", "password": "fry"}),
                StatusCode::OK,
            )
            .await;
        body["result"]["jwt_user_token"].as_str().expect("a token").to_owned()
    }

    /// Registers a catalog fixture through the manager route.
    pub async fn register_app(&self, fixture: &str) {
        let path = format!("{}/../shared/fixtures/apps/{fixture}", env!("CARGO_MANIFEST_DIR"));
        let image: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let response = self
            .client
            .post(self.url("/manager/image"))
            .json(&image)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
    }
}

/// Asserts an HTTP error envelope: status line, JSON `{status, message}` and a newline.
pub async fn assert_http_error(response: Response, status: StatusCode, message: &str) {
    assert_eq!(response.status(), status);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with('\n'), "pyos envelopes end with a newline: {text:?}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body, json!({"status": status.as_u16(), "message": message}));
}
