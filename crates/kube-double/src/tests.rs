//! The double seen through the real kube client.

use super::*;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use serde_json::json;

async fn client(settings: DoubleSettings) -> (kube::Client, DoubleServer) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let double = start(settings, listener).unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&double.kubeconfig("abcdesktop")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    (kube::Client::try_from(config).unwrap(), double)
}

fn pod(name: &str, annotations: serde_json::Value) -> Pod {
    serde_json::from_value(json!({"metadata": {"name": name, "annotations": annotations},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}}))
    .unwrap()
}

async fn waiting_reason(pods: &Api<Pod>, name: &str) -> Option<String> {
    for _ in 0..100 {
        let pod = pods.get(name).await.unwrap();
        let status = pod.status.unwrap_or_default();
        let reason = status
            .container_statuses
            .unwrap_or_default()
            .first()
            .and_then(|c| c.state.clone()?.waiting?.reason);
        let unschedulable = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.reason.as_deref() == Some("Unschedulable"));
        if let Some(condition) = unschedulable {
            return condition.reason;
        }
        if reason.as_deref().is_some_and(|r| r != "ContainerCreating") {
            return reason;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn annotations_inject_pull_and_scheduling_failures() {
    let (client, _double) = client(DoubleSettings::default()).await;
    let pods: Api<Pod> = Api::namespaced(client, "abcdesktop");
    pods.create(
        &Default::default(),
        &pod("a", json!({"deskplane.io/double-fault": "never-pull"})),
    )
    .await
    .unwrap();
    pods.create(
        &Default::default(),
        &pod("b", json!({"deskplane.io/double-fault": "unschedulable"})),
    )
    .await
    .unwrap();
    let pulled = waiting_reason(&pods, "a").await.unwrap();
    assert!(pulled == "ErrImagePull" || pulled == "ImagePullBackOff", "{pulled}");
    assert_eq!(waiting_reason(&pods, "b").await.as_deref(), Some("Unschedulable"));
}

#[tokio::test]
async fn injected_errors_and_latency_hit_the_named_verb_only() {
    let settings = DoubleSettings {
        faults: vec![Fault {
            verb: "create".into(),
            resource: "pods".into(),
            status: 500,
            times: Some(1),
        }],
        latencies: vec![Latency {
            verb: "list".into(),
            resource: "pods".into(),
            delay: std::time::Duration::from_millis(300),
        }],
        ..DoubleSettings::default()
    };
    let (client, _double) = client(settings).await;
    let pods: Api<Pod> = Api::namespaced(client, "abcdesktop");
    let first = pods
        .create(&Default::default(), &pod("a", json!({})))
        .await
        .unwrap_err();
    assert!(matches!(first, kube::Error::Api(ref s) if s.code == 500), "{first}");
    pods.create(&Default::default(), &pod("a", json!({})))
        .await
        .expect("only the first create fails");
    let conflict = pods
        .create(&Default::default(), &pod("a", json!({})))
        .await
        .unwrap_err();
    assert!(matches!(conflict, kube::Error::Api(ref s) if s.code == 409 && s.reason == "AlreadyExists"));
    let missing = pods.get("nope").await.unwrap_err();
    assert!(matches!(missing, kube::Error::Api(ref s) if s.code == 404));
    let started = std::time::Instant::now();
    pods.list(&Default::default()).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn discovery_answers_what_kubectl_reads_first() {
    let (client, _double) = client(DoubleSettings::default()).await;
    let discovery = kube::discovery::Discovery::new(client).run().await.unwrap();
    let mut served: Vec<String> = discovery
        .groups()
        .flat_map(|group| group.recommended_resources().into_iter().map(|(r, _)| r.plural))
        .collect();
    served.sort();
    for plural in ["events", "leases", "pods", "secrets"] {
        assert!(served.iter().any(|p| p == plural), "{plural} missing from {served:?}");
    }
}

/// One raw HTTP/1.1 exchange (plain HTTP), answered with `Connection: close`.
async fn raw_get(double: &DoubleServer, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(double.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: double\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the watch ends at its timeout")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn watch_true_is_a_watch_and_waiting_containers_report_an_image_id() {
    // The official Python client sends `watch=True`, and its model requires `imageID`.
    // Plain HTTP, for the raw exchanges below.
    let settings = DoubleSettings {
        tls: false,
        token: None,
        never_pull: vec!["never-pulls".into()],
        ..DoubleSettings::default()
    };
    let (client, double) = client(settings).await;
    let pods: Api<Pod> = Api::namespaced(client, "abcdesktop");
    let mut stuck = pod("stuck", json!({}));
    stuck.spec.as_mut().unwrap().containers[0].image = Some("never-pulls:1".into());
    pods.create(&Default::default(), &stuck).await.unwrap();
    assert!(waiting_reason(&pods, "stuck").await.is_some());
    let status = pods.get("stuck").await.unwrap().status.unwrap();
    let waiting = &status.container_statuses.unwrap()[0];
    assert_eq!(waiting.image_id, "", "present and empty while the image is not pulled");
    let watched = raw_get(
        &double,
        "/api/v1/namespaces/abcdesktop/pods?watch=True&timeoutSeconds=1",
    )
    .await;
    assert!(
        watched.contains("\"type\":\"ADDED\""),
        "a watch stream, not a list: {watched}"
    );
    let listed = raw_get(&double, "/api/v1/namespaces/abcdesktop/pods?watch=false").await;
    assert!(listed.contains("\"kind\":\"PodList\""), "{listed}");
}
