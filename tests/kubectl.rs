//! kubectl against the Kubernetes double after a deskplane journey, over HTTPS with the
//! double's CA and bearer token from the same kubeconfig deskplane used: what an operator
//! does on a real cluster (get, describe, logs, exec, events, watch, apply, delete) works
//! on the double too, and the double refuses kubectl without the token.

mod common;

use common::TestServer;
use common::kube::{Setup, kubectl_binary, pods, setup};
use deskplane_kube_double::DoubleSettings;
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn kubectl(kubeconfig: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(kubectl_binary());
    command
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--request-timeout=20s")
        .args(args);
    command
}

/// Runs a command off the async workers: (success, stdout, stderr).
async fn output(mut command: Command) -> (bool, String, String) {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn run(command: Command) -> String {
    let (success, stdout, stderr) = output(command).await;
    assert!(success, "{stdout}\n{stderr}");
    stdout
}

async fn journey() -> (Setup, TestServer, String) {
    let setup = setup(DoubleSettings {
        token: Some("kubectl-token".into()),
        exec_scripts: vec![("/composer/connectcount.sh".into(), 0, "3\n".into())],
        ..DoubleSettings::default()
    })
    .await;
    let server = TestServer::with(setup.config.clone()).await;
    let token = server.login_anonymous().await;
    let launch = server
        .post_json(
            "/composer/launchdesktop",
            Some(&token),
            json!({"width": 1024, "height": 768}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(launch["status"], 200, "{launch}");
    let desktops = pods(&setup, "type=x11server").await;
    let name = desktops[0]["metadata"]["name"].as_str().unwrap().to_owned();
    (setup, server, name)
}

#[tokio::test]
async fn kubectl_reads_describes_logs_and_execs_into_the_desktop_pod() {
    let (setup, _server, name) = journey().await;
    let config = setup.kubeconfig.as_path();

    let yaml = run(kubectl(config, &["get", "pods", "-l", "type=x11server", "-o", "yaml"])).await;
    assert!(yaml.contains(&format!("name: {name}")), "{yaml}");
    assert!(
        yaml.contains("phase: Running") && yaml.contains("x-graphical"),
        "{yaml}"
    );

    let described = run(kubectl(config, &["describe", "pod", &name])).await;
    assert!(described.contains("Name:") && described.contains(&name), "{described}");
    assert!(
        described.contains("Status:") && described.contains("Running"),
        "{described}"
    );
    // describe finds the pod's events by involvedObject field selectors.
    assert!(
        described.contains("Scheduled") && described.contains("Started"),
        "{described}"
    );

    let logs = run(kubectl(config, &["logs", &name, "-c", "x-graphical"])).await;
    assert!(logs.contains("x-graphical: started"), "{logs}");

    // kubectl 1.30+ execs over a websocket (v5.channel.k8s.io).
    let exec = run(kubectl(
        config,
        &["exec", &name, "-c", "x-graphical", "--", "/composer/connectcount.sh"],
    ))
    .await;
    assert_eq!(exec.trim(), "3");

    let resources = run(kubectl(config, &["api-resources", "--api-group="])).await;
    assert!(resources.lines().any(|line| line.starts_with("pods")), "{resources}");

    let events = run(kubectl(config, &["get", "events", "-o", "name"])).await;
    assert!(events.lines().count() >= 3, "{events}");
    assert!(events.lines().all(|line| line.starts_with("event/")), "{events}");
}

#[tokio::test]
async fn kubectl_watches_deletes_and_applies_on_the_double() {
    let (setup, _server, name) = journey().await;
    let config = setup.kubeconfig.as_path();

    // A bounded watch: it runs while the pod is deleted, then is stopped.
    let mut watch = kubectl(
        config,
        &["get", "pods", "-l", "type=x11server", "--watch", "-o", "name"],
    );
    watch.stdout(Stdio::piped()).stderr(Stdio::piped());
    let watcher = watch.spawn().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // kubectl delete waits for the pod to be gone (a watch on the one object).
    let deleted = run(kubectl(config, &["delete", "pod", &name, "--timeout=15s"])).await;
    assert!(deleted.contains(&format!("pod \"{name}\" deleted")), "{deleted}");
    let pid = watcher.id();
    terminate(pid);
    let watched = tokio::task::spawn_blocking(move || watcher.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let watched = String::from_utf8_lossy(&watched.stdout);
    let seen = watched.lines().filter(|line| *line == format!("pod/{name}")).count();
    assert!(seen >= 2, "the listed pod and its deletion events: {watched:?}");
    assert!(pods(&setup, "type=x11server").await.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("secret.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\n  namespace: abcdesktop\ntype: Opaque\nstringData:\n  greeting: hello\n",
    )
    .unwrap();
    let applied = run(kubectl(
        config,
        &["apply", "--validate=false", "-f", manifest.to_str().unwrap()],
    ))
    .await;
    assert!(applied.contains("secret/applied created"), "{applied}");
    let greeting = run(kubectl(
        config,
        &["get", "secret", "applied", "-o", "jsonpath={.data.greeting}"],
    ))
    .await;
    assert_eq!(greeting, "aGVsbG8=", "stringData is stored base64-encoded in data");
}

#[tokio::test]
async fn kubectl_without_the_token_is_refused_and_an_unknown_ca_is_not_trusted() {
    let (setup, _server, _name) = journey().await;
    let text = std::fs::read_to_string(&setup.kubeconfig).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let wrong_token = dir.path().join("wrong-token");
    std::fs::write(&wrong_token, text.replace("token: kubectl-token", "token: guessed")).unwrap();
    let (success, _, stderr) = output(kubectl(&wrong_token, &["get", "pods"])).await;
    assert!(!success);
    assert!(
        stderr.contains("Unauthorized") || stderr.contains("logged in"),
        "{stderr}"
    );

    let no_ca: String = text
        .lines()
        .filter(|line| !line.contains("certificate-authority-data"))
        .map(|line| format!("{line}\n"))
        .collect();
    let untrusted = dir.path().join("untrusted");
    std::fs::write(&untrusted, no_ca).unwrap();
    let (success, _, stderr) = output(kubectl(&untrusted, &["get", "pods"])).await;
    assert!(!success);
    assert!(stderr.contains("certificate"), "{stderr}");
}

/// Stops the bounded watch (SIGTERM).
fn terminate(pid: u32) {
    let status = Command::new("kill").arg(pid.to_string()).status().unwrap();
    assert!(status.success());
}
