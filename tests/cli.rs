//! The `deskplane` binary: `config check` and `serve` with a graceful stop.

mod common;

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_deskplane");
const SHIPPED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/deskplane.toml");

#[test]
fn config_check_accepts_the_shipped_config() {
    let output = Command::new(BINARY)
        .args(["config", "check", SHIPPED])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).ends_with(": ok\n"));
}

#[test]
fn config_check_names_a_backend_that_does_not_answer() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(BINARY)
        .args([
            "config",
            "check",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config/redis.toml"),
        ])
        .env("MONGODB_URL", format!("mongodb://127.0.0.1:{closed}"))
        .env("REDIS_URL", format!("redis://127.0.0.1:{closed}/"))
        .env("DESKPLANE__mongodb__server_selection_timeout_seconds", "1")
        .env("DESKPLANE__cache__timeout_seconds", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("redis") && stderr.contains("unreachable"), "{stderr}");
}

#[test]
fn config_check_lists_every_problem_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "websocketrouting = \"nope\"\ntrusted_proxy_cidr = [\"10.0.0.0/40\"]\nspeling = 1\n[backends]\ncache = \"etcd\"\n").unwrap();
    let output = Command::new(BINARY)
        .args(["config", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [
        "error: websocketrouting:",
        "error: trusted_proxy_cidr[0]:",
        "error: backends.cache:",
        "warning: speling: unknown key",
    ] {
        assert!(stderr.contains(key), "missing '{key}' in:\n{stderr}");
    }
    let output = Command::new(BINARY)
        .args(["config", "check", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent.toml"));
}

#[test]
fn serve_starts_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BINARY)
        .args(["serve", "--config", SHIPPED, "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (address, _stderr) = logged_address(&mut child);
    let body = http_get(&address, "/API/healthz");
    assert!(body.starts_with("HTTP/1.1 200") && body.ends_with("OK"), "{body}");
    assert!(
        dir.path()
            .join("var/keys/abcdesktop_jwt_user_signing_private_key.pem")
            .is_file(),
        "keys were generated"
    );
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "graceful exit");
}

fn http_get(address: &str, path: &str) -> String {
    exchange(
        address,
        &format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    )
}

fn wait_with_timeout(child: &mut std::process::Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

/// The README's two-terminal recipe: the double, then deskplane on config/kubernetes.toml.
#[test]
fn the_readme_recipe_runs_deskplane_against_the_double() {
    let dir = tempfile::tempdir().unwrap();
    // The double is its own workspace crate, so cargo gives no CARGO_BIN_EXE for it: it
    // sits beside deskplane's binary once `cargo build --workspace --bins` ran (the
    // README's test command does).
    let double_binary = std::path::Path::new(BINARY).with_file_name("deskplane-kube-double");
    assert!(
        double_binary.exists(),
        "{} is missing: run `cargo build --workspace --bins` first (scripts/test.sh does)",
        double_binary.display()
    );
    let mut double = Reaped(
        Command::new(&double_binary)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--step-ms",
                "10",
                "--write-kubeconfig",
                "var/kube-double.kubeconfig",
            ])
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (double_address, _double_stderr) = logged_address(&mut double.0);
    // The second half of the recipe, for a cluster: no kubernetes.kubeconfig in the
    // config, so the client comes from KUBECONFIG.
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml")).unwrap();
    let without_path: String = shipped
        .lines()
        .filter(|l| !l.starts_with("kubeconfig ="))
        .map(|l| format!("{l}\n"))
        .collect();
    let config = dir.path().join("cluster.toml");
    std::fs::write(&config, without_path).unwrap();
    let mut deskplane = Reaped(
        Command::new(BINARY)
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--listen", "127.0.0.1:0"])
            .env("KUBECONFIG", dir.path().join("var/kube-double.kubeconfig"))
            .current_dir(dir.path())
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (address, _stderr) = logged_address(&mut deskplane.0);
    let login = http_post(
        &address,
        "/API/auth/auth",
        r#"{"manager":null,"provider":"anonymous"}"#,
        None,
    );
    let token = login
        .split("\"jwt_user_token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let launch = http_post(&address, "/API/composer/launchdesktop", "{}", Some(&token));
    assert!(
        launch.contains("\"status\":200") && launch.contains("\"vncpassword\""),
        "{launch}"
    );
    // The recipe's last step: kubectl on the kubeconfig the double wrote (HTTPS, its CA,
    // its token).
    let pods = Command::new(common::kube::kubectl_binary())
        .args([
            "--kubeconfig",
            "var/kube-double.kubeconfig",
            "get",
            "pods",
            "-l",
            "type=x11server",
            "-o",
            "name",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let pods = String::from_utf8_lossy(&pods.stdout);
    assert_eq!(
        pods.lines().count(),
        1,
        "the desktop pod is on the double: {pods:?} (double at {double_address})"
    );
    for child in [&mut deskplane.0, &mut double.0] {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        wait_with_timeout(child, Duration::from_secs(10));
    }
}

/// A child process killed when the test ends, even by a failed assertion: a leaked server
/// would hold the test runner's output pipe open.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_post(address: &str, path: &str, body: &str, token: Option<&str>) -> String {
    let auth = token
        .map(|t| format!("ABCAuthorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    exchange(
        address,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{auth}Connection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Writes one raw HTTP/1.1 request and reads the answer to the end (`Connection: close`).
fn exchange(address: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Reads the child's stderr until its `address=` log line; hands back the reader too,
/// because dropping it would close the pipe under a server that still logs.
fn logged_address(child: &mut Child) -> (String, Lines<BufReader<ChildStderr>>) {
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("address=").nth(1).map(|rest| {
                rest.split(|c: char| c.is_whitespace() || c == ')')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .expect("the process logs its listening address");
    (address, lines)
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = Command::new(BINARY).args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(
            script.contains("deskplane") && script.contains("admin"),
            "{shell}: {script}"
        );
    }
    let unknown = Command::new(BINARY).args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}
