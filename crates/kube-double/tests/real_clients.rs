//! The double as the official Python client (what pyos uses) sees it, over HTTPS with the
//! double's CA: list, a `watch=True` stream, a Pending pod's container statuses (its models
//! refuse them without `imageID`), and a refusal without the token. The client comes from
//! the venv `scripts/services.sh` makes (`DESKPLANE_PYTHON`). kubectl is driven by the
//! root crate's `tests/kubectl.rs`, after a deskplane journey.

use deskplane_kube_double::{DoubleSettings, start};
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

/// The double's CA in a file, for the client's `ssl_ca_cert`.
fn ca_file(double: &deskplane_kube_double::DoubleServer) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, double.ca_pem.as_ref().expect("the double serves HTTPS")).unwrap();
    let path = path.to_str().unwrap().to_owned();
    (dir, path)
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
configuration.ssl_ca_cert = sys.argv[3]
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
    let (_dir, ca) = ca_file(&double);
    let mut command = Command::new(python());
    command.args(["-c", PYTHON_CLIENT, &double.url(), "client-token", &ca]);
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
    let (_dir, ca) = ca_file(&double);
    let script = "import sys\nfrom kubernetes import client\nc = client.Configuration(); c.host = sys.argv[1]; c.ssl_ca_cert = sys.argv[2]\n\
                  try:\n    client.CoreV1Api(client.ApiClient(c)).list_namespaced_pod('default')\nexcept client.ApiException as e:\n    print(e.status)\n";
    let mut command = Command::new(python());
    command.args(["-c", script, &double.url(), &ca]);
    assert_eq!(run(command).await.trim(), "401");
}
