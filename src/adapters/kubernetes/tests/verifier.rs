//! Scripted API server (`tower_test`): the exact calls of orchestration.md §16.

use super::*;
use crate::domain::desktop::RemovalScope;
use crate::ports::DesktopOrchestrator;
use http::{Request, Response};
use kube::client::Body;
use serde_json::{Value, json};

/// A check of a request body.
type BodyCheck = Box<dyn Fn(&Value) + Send>;

/// A scripted API server: each expected request is checked, then answered.
async fn scripted(
    expected: Vec<(&'static str, &'static str, Value)>,
) -> (KubernetesOrchestrator, tokio::task::JoinHandle<()>) {
    scripted_with_bodies(expected.into_iter().map(|(m, p, a)| (m, p, a, None)).collect()).await
}

/// Like [`scripted`], also checking request bodies where a check is given.
async fn scripted_with_bodies(
    expected: Vec<(&'static str, &'static str, Value, Option<BodyCheck>)>,
) -> (KubernetesOrchestrator, tokio::task::JoinHandle<()>) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, "abcdesktop");
    let verifier = tokio::spawn(async move {
        for (method, path_and_query, answer, check) in expected {
            let (request, send) = handle.next_request().await.expect("a request");
            assert_eq!(request.method().as_str(), method);
            assert_eq!(request.uri().path_and_query().unwrap().as_str(), path_and_query);
            if method == "PATCH" {
                assert_eq!(
                    request.headers()["content-type"],
                    "application/strategic-merge-patch+json"
                );
            }
            if let Some(check) = check {
                use http_body_util::BodyExt;
                let bytes = request.into_body().collect().await.unwrap().to_bytes();
                check(&serde_json::from_slice(&bytes).unwrap());
            }
            // A string answer is sent as it is (watch streams); anything else as JSON.
            let bytes = match answer {
                Value::String(text) => text.into_bytes(),
                other => serde_json::to_vec(&other).unwrap(),
            };
            send.send_response(Response::builder().body(Body::from(bytes)).unwrap());
        }
    });
    (
        KubernetesOrchestrator::new(client, shipped_settings("abcdesktop")),
        verifier,
    )
}

/// Fry's secret of `kind`, as the adapter names it (a test may leak a few strings).
fn fry_secret(kind: &str) -> &'static str {
    let name = crate::domain::owner_names::SecretName::new(kind, &contract::owner("fry"));
    Box::leak(name.to_string().into_boxed_str())
}

/// An API path with Fry's secret of `kind` in place of `{}`.
fn with_secret(template: &str, kind: &str) -> &'static str {
    Box::leak(template.replace("{}", fry_secret(kind)).into_boxed_str())
}

fn fry_annotations() -> Value {
    json!({"lastlogin_datetime": "2026-11-22T10:00:00", "deskplane.io/userid": "fry", "deskplane.io/provider": "planet"})
}

fn pod(name: &str, phase: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "abcdesktop",
        "labels": {"access_userid": "fry", "access_provider": "planet", "access_providertype": "ldap", "type": "x11server"},
        "annotations": fry_annotations()},
        "spec": {"containers": [{"name": "x-graphical", "image": "i"}]}, "status": {"phase": phase, "podIP": "10.42.0.7"}})
}

#[tokio::test]
async fn find_and_resume_make_the_documented_calls() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": fry_secret("vnc"), "annotations": fry_annotations()},
        "data": {"password": "c2VjcmV0"}});
    let (orchestrator, verifier) = scripted(vec![
        ("GET", "/api/v1/namespaces/abcdesktop/pods?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet%2Ctype%3Dx11server",
         json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod("fry-1f2e3", "Running")]})),
        ("GET", with_secret("/api/v1/namespaces/abcdesktop/secrets/{}", "vnc"), secret),
        ("PATCH", "/api/v1/namespaces/abcdesktop/pods/fry-1f2e3?", pod("fry-1f2e3", "Running")),
    ])
    .await;
    let work = async {
        let found = orchestrator
            .find_desktop(&contract::owner("fry"))
            .await
            .unwrap()
            .expect("a desktop");
        assert_eq!(found.vnc_password.as_ref().map(|p| p.expose()), Some("secret"));
        assert_eq!(found.ip_addr.as_deref(), Some("10.42.0.7"));
        orchestrator.resume_desktop(&found, 1_800_000_000).await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .expect("no missing call");
    tokio::time::timeout(Duration::from_secs(5), verifier)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn removing_everything_deletes_the_pod_then_the_users_objects() {
    let empty = |kind: &str| json!({"apiVersion": "v1", "kind": kind, "metadata": {}, "items": []});
    // The selector narrows; the annotations decide: the look-alike without them stays.
    let secrets = json!({"apiVersion": "v1", "kind": "SecretList", "metadata": {}, "items": [
        {"metadata": {"name": fry_secret("vnc"), "annotations": fry_annotations()}},
        {"metadata": {"name": "auth-vnc-lookalike"}},
        {"metadata": {"name": fry_secret("localaccount"), "annotations": fry_annotations()}}]});
    let success = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"});
    let (orchestrator, verifier) = scripted(vec![
        ("DELETE", "/api/v1/namespaces/abcdesktop/pods/fry-1f2e3?", pod("fry-1f2e3", "Running")),
        ("GET", "/api/v1/namespaces/abcdesktop/pods?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet%2Ctype%3Dpod_application", empty("PodList")),
        ("GET", "/api/v1/namespaces/abcdesktop/secrets?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet", secrets),
        ("DELETE", with_secret("/api/v1/namespaces/abcdesktop/secrets/{}?", "vnc"), success.clone()),
        ("DELETE", with_secret("/api/v1/namespaces/abcdesktop/secrets/{}?", "localaccount"), success),
        ("GET", "/api/v1/namespaces/abcdesktop/configmaps?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet", empty("ConfigMapList")),
    ])
    .await;
    let desktop = convert::desktop_of(&serde_json::from_value(pod("fry-1f2e3", "Running")).unwrap()).unwrap();
    let work = orchestrator.remove_desktop(&desktop, RemovalScope::Everything);
    tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .expect("no missing call")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), verifier)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn an_application_launch_patches_the_ephemeral_containers_subresource() {
    let mut running = pod("fry-1f2e3", "Running");
    running["spec"]["ephemeralContainers"] = json!([{"name": "fry-xterm-00001", "image": "abcdesktopio/xterm.d:3.0"}]);
    running["status"]["ephemeralContainerStatuses"] = json!([{"name": "fry-xterm-00001", "image": "i", "imageID": "", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}]);
    let check: BodyCheck = Box::new(|body| {
        let container = &body["spec"]["ephemeralContainers"][0];
        assert_eq!(container["name"], "fry-xterm-00001");
        assert_eq!(container["image"], "abcdesktopio/xterm.d:3.0");
        assert_eq!(container["targetContainerName"], "x-graphical");
        assert_eq!(container["workingDir"], "/home/fry");
        assert_eq!(container["securityContext"]["runAsUser"], 1003);
        assert!(
            container["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["name"] == "home" && m["mountPath"] == "/home/fry")
        );
    });
    let (orchestrator, verifier) = scripted_with_bodies(vec![
        // The POSIX account comes with the spec: no secret read on the launch path.
        (
            "PATCH",
            "/api/v1/namespaces/abcdesktop/pods/fry-1f2e3/ephemeralcontainers?",
            running,
            Some(check),
        ),
    ])
    .await;
    let desktop = convert::desktop_of(&serde_json::from_value(pod("fry-1f2e3", "Running")).unwrap()).unwrap();
    let image = json!({"RepoTags": ["abcdesktopio/xterm.d:3.0"], "Id": "sha256:1",
        "Config": {"Labels": {"oc.launch": "xterm.XTerm", "oc.name": "xterm", "oc.icon": "xterm.svg"}}});
    let spec = crate::domain::apps::AppLaunchSpec {
        name: "fry-xterm-00001".into(),
        app: crate::domain::apps::App::from_image(&image, "abcdesktop").unwrap(),
        env: vec![("DISPLAY".into(), ":0.0".into())],
        engine: crate::domain::apps::Engine::EphemeralContainer,
        posix: fry_spec().posix,
    };
    use crate::ports::ApplicationRuntime;
    let work = orchestrator.launch_application(&desktop, &spec);
    let launched = tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .expect("no missing call")
        .unwrap();
    assert_eq!(launched.state, "ContainerCreating");
    tokio::time::timeout(Duration::from_secs(5), verifier)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_garbage_collector_lists_desktop_pods_by_type() {
    let (orchestrator, verifier) = scripted(vec![(
        "GET",
        "/api/v1/namespaces/abcdesktop/pods?&labelSelector=type%3Dx11server",
        json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod("fry-1f2e3", "Running"), pod("leela-00000", "Failed")]}),
    )])
    .await;
    let listed = tokio::time::timeout(Duration::from_secs(5), orchestrator.list_desktops())
        .await
        .expect("no missing call")
        .unwrap();
    let phases: Vec<_> = listed.iter().map(|d| d.phase).collect();
    assert_eq!(
        phases,
        [
            crate::domain::desktop::DesktopPhase::Running,
            crate::domain::desktop::DesktopPhase::Failed
        ]
    );
    tokio::time::timeout(Duration::from_secs(5), verifier)
        .await
        .unwrap()
        .unwrap();
}

/// A watch answer: newline-delimited events.
fn watch_lines(events: &[Value]) -> Value {
    Value::String(events.iter().map(|e| e.to_string() + "\n").collect())
}

#[tokio::test]
async fn a_launch_creates_the_pod_then_its_vnc_secret_then_watches_pod_and_events() {
    let running = pod("fry-1f2e3", "Running");
    let mut ready = running.clone();
    ready["status"]["containerStatuses"] = json!([{"name": "x-graphical", "image": "i", "imageID": "", "ready": true, "started": true, "restartCount": 0,
        "state": {"running": {}}}]);
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": fry_secret("vnc")}});
    let check_pod: BodyCheck = Box::new(|body| {
        assert_eq!(body["metadata"]["name"], "fry-1f2e3");
        assert_eq!(body["metadata"]["labels"]["type"], "x11server");
    });
    let check_secret: BodyCheck = Box::new(|body| {
        assert_eq!(body["metadata"]["name"], fry_secret("vnc"));
        assert_eq!(body["metadata"]["annotations"]["deskplane.io/userid"], "fry");
        assert_eq!(body["metadata"]["annotations"]["deskplane.io/provider"], "planet");
        assert_eq!(body["type"], "abcdesktop/vnc");
        assert_eq!(body["metadata"]["labels"]["access_type"], "vnc");
    });
    let (mut orchestrator, verifier) = scripted_with_bodies(vec![
        ("POST", "/api/v1/namespaces/abcdesktop/pods?", running, Some(check_pod)),
        ("POST", "/api/v1/namespaces/abcdesktop/secrets?", secret, Some(check_secret)),
        (
            "GET",
            "/api/v1/namespaces/abcdesktop/pods?&watch=true&timeoutSeconds=10&fieldSelector=metadata.name%3Dfry-1f2e3&allowWatchBookmarks=true&resourceVersion=0",
            watch_lines(&[json!({"type": "ADDED", "object": ready})]),
            None,
        ),
        (
            "GET",
            "/api/v1/namespaces/abcdesktop/events?&watch=true&timeoutSeconds=10&fieldSelector=involvedObject.name%3Dfry-1f2e3&allowWatchBookmarks=true&resourceVersion=0",
            watch_lines(&[]),
            None,
        ),
    ])
    .await;
    // The readiness wait runs commands through exec, which a scripted verifier cannot
    // answer; without a waitportbin or waitfor lists it has nothing to wait for.
    for kind in ["graphical", "spawner"] {
        let entry = orchestrator.settings.pod.pod[kind].as_object_mut().unwrap();
        for key in ["waitportbin", "waitfor_services", "waitfor_processes"] {
            entry.remove(key);
        }
    }
    let spec = fry_spec();
    let work = orchestrator.create_desktop(&spec, contract::progress());
    let desktop = tokio::time::timeout(Duration::from_secs(5), work)
        .await
        .expect("no missing call")
        .unwrap();
    assert_eq!(desktop.ip_addr.as_deref(), Some("10.42.0.7"));
    tokio::time::timeout(Duration::from_secs(5), verifier)
        .await
        .unwrap()
        .unwrap();
}
