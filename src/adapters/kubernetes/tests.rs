use super::*;
use crate::adapters::contract;
use crate::domain::desktop::{DesktopOwner, DesktopSpec, PosixAccount, RemovalScope};
use crate::kube_double::{self, DoubleSettings};
use crate::ports::{DesktopOrchestrator, UserSecretStore};
use http::{Request, Response};
use kube::client::Body;
use serde_json::{Value, json};
use std::time::Duration;

/// The pod settings of the shipped Kubernetes example config.
fn shipped_settings(namespace: &str) -> KubernetesSettings {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml")).unwrap();
    let config = crate::config::load_str(&text, "kubernetes.toml", Vec::new())
        .unwrap()
        .config;
    KubernetesSettings {
        namespace: namespace.into(),
        create_pod_timeout: Duration::from_secs(10),
        ..crate::app::kubernetes_settings(&config)
    }
}

fn fry_spec() -> DesktopSpec {
    let mut spec = contract::spec("fry");
    spec.owner = DesktopOwner {
        name: "Philip J. Fry".into(),
        ..spec.owner
    };
    spec.name = "fry-1f2e3".into();
    spec.labels.insert("ship-crew".into(), "true".into());
    spec.posix = PosixAccount {
        uid: "fry".into(),
        gid: "ship_crew".into(),
        uid_number: 1003,
        gid_number: 1002,
        home_directory: "/home/fry".into(),
        login_shell: "/bin/bash".into(),
        gecos: "Philip J. Fry".into(),
    };
    spec
}

#[test]
fn the_desktop_pod_matches_the_golden_manifest() {
    let manifest = desktop_pod(&shipped_settings("abcdesktop").pod, &fry_spec(), "abcdesktop");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/desktop-pod-fry.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&manifest).unwrap() + "\n").unwrap();
    }
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        manifest, golden,
        "regenerate with UPDATE_GOLDEN=1 after checking the difference"
    );
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(manifest).expect("a valid Pod");
    let names: Vec<String> = pod.spec.unwrap().containers.iter().map(|c| c.name.clone()).collect();
    assert_eq!(
        names,
        ["x-graphical", "s-sound", "f-filer"],
        "printer is disabled in the config"
    );
}

#[test]
fn the_golden_manifest_carries_labels_env_order_and_security() {
    let manifest = desktop_pod(&shipped_settings("abcdesktop").pod, &fry_spec(), "abcdesktop");
    let labels = &manifest["metadata"]["labels"];
    assert_eq!(labels["type"], "x11server");
    assert_eq!(labels["access_userid"], "fry");
    assert_eq!(labels["access_username"], "philip_j._fry");
    assert_eq!(labels["ship-crew"], "true");
    assert_eq!(labels["service_graphical"], "6081");
    assert_eq!(labels["service_spawner"], "29786");
    assert!(labels.get("service_printer").is_none());
    let graphical = &manifest["spec"]["containers"][0];
    let env: Vec<&str> = graphical["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env[0], "LANG", "the domain's environment comes first, in order");
    assert_eq!(
        &env[env.len() - 4..],
        ["NODE_NAME", "POD_NAME", "POD_NAMESPACE", "POD_IP"],
        "downward API last"
    );
    assert_eq!(graphical["securityContext"]["runAsUser"], 1003);
    assert_eq!(graphical["securityContext"]["supplementalGroups"], json!([1002]));
    assert_eq!(
        graphical["resources"]["limits"]["cpu"], "4000m",
        "the default execute class"
    );
    assert_eq!(
        manifest["spec"]["initContainers"][0]["command"][2],
        "chmod 750 ~ && chown 1003:1002 ~"
    );
    let mounts: Vec<&str> = graphical["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        mounts.contains(&"home") && mounts.contains(&"vnc") && mounts.contains(&"extrausers"),
        "{mounts:?}"
    );
}

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

fn pod(name: &str, phase: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "abcdesktop",
        "labels": {"access_userid": "fry", "access_provider": "planet", "access_providertype": "ldap", "type": "x11server"},
        "annotations": {"lastlogin_datetime": "2026-11-22T10:00:00"}},
        "spec": {"containers": [{"name": "x-graphical", "image": "i"}]}, "status": {"phase": phase, "podIP": "10.42.0.7"}})
}

#[tokio::test]
async fn find_and_resume_make_the_documented_calls() {
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "auth-vnc-fry"}, "data": {"password": "c2VjcmV0"}});
    let (orchestrator, verifier) = scripted(vec![
        ("GET", "/api/v1/namespaces/abcdesktop/pods?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet%2Ctype%3Dx11server",
         json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod("fry-1f2e3", "Running")]})),
        ("GET", "/api/v1/namespaces/abcdesktop/secrets/auth-vnc-fry", secret),
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
    let secrets = json!({"apiVersion": "v1", "kind": "SecretList", "metadata": {}, "items": [
        {"metadata": {"name": "auth-vnc-fry"}}, {"metadata": {"name": "auth-localaccount-fry"}}]});
    let success = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"});
    let (orchestrator, verifier) = scripted(vec![
        ("DELETE", "/api/v1/namespaces/abcdesktop/pods/fry-1f2e3?", pod("fry-1f2e3", "Running")),
        ("GET", "/api/v1/namespaces/abcdesktop/pods?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet%2Ctype%3Dpod_application", empty("PodList")),
        ("GET", "/api/v1/namespaces/abcdesktop/secrets?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet", secrets),
        ("DELETE", "/api/v1/namespaces/abcdesktop/secrets/auth-vnc-fry?", success.clone()),
        ("DELETE", "/api/v1/namespaces/abcdesktop/secrets/auth-localaccount-fry?", success),
        ("GET", "/api/v1/namespaces/abcdesktop/configmaps?&labelSelector=access_userid%3Dfry%2Caccess_provider%3Dplanet", empty("ConfigMapList")),
    ])
    .await;
    let desktop = convert::desktop_of(&serde_json::from_value(pod("fry-1f2e3", "Running")).unwrap(), None).unwrap();
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

async fn against_double(settings: DoubleSettings) -> (KubernetesOrchestrator, kube_double::DoubleServer) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let double = kube_double::start(settings, listener).unwrap();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&double.kubeconfig("abcdesktop")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    (
        KubernetesOrchestrator::new(client, shipped_settings("abcdesktop")),
        double,
    )
}

#[tokio::test]
async fn the_adapter_honours_the_orchestrator_contract_against_the_double() {
    let settings = DoubleSettings {
        token: Some("contract-token".into()),
        ..DoubleSettings::default()
    };
    let (orchestrator, _double) = against_double(settings).await;
    tokio::time::timeout(Duration::from_secs(30), contract::orchestrator_contract(&orchestrator))
        .await
        .expect("the contract finishes");
}

#[tokio::test]
async fn a_never_pulling_image_fails_fast_with_a_clear_message() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    orchestrator.settings.pod.pod["graphical"]["image"] = json!("registry.example/never-pulls:1");
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = orchestrator
        .create_desktop(&spec, std::sync::Arc::new(contract::RecordedProgress::default()))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "failed fast, not after the timeout"
    );
    assert!(error.to_string().contains("ErrImagePull"), "{error}");
    drop(double);
}

#[tokio::test]
async fn an_unschedulable_desktop_fails_fast() {
    let (mut orchestrator, _double) = against_double(DoubleSettings::default()).await;
    orchestrator.settings.pod.node_selector = [("gpu".to_owned(), json!("yes"))].into_iter().collect();
    orchestrator
        .prepare_user_resources(&fry_spec().owner, &[contract_localaccount()])
        .await
        .unwrap();
    let error = orchestrator
        .create_desktop(&fry_spec(), std::sync::Arc::new(contract::RecordedProgress::default()))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("can not be scheduled"), "{error}");
}

#[tokio::test]
async fn a_desktop_waits_for_its_secrets_and_then_starts() {
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let spec = fry_spec();
    let owner = spec.owner.clone();
    let progress = std::sync::Arc::new(contract::RecordedProgress::default());
    let creating = orchestrator.create_desktop(&spec, progress.clone());
    let late_secret = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        orchestrator
            .prepare_user_resources(&owner, &[contract_localaccount()])
            .await
            .unwrap();
    };
    let (created, ()) = tokio::join!(creating, late_secret);
    let desktop = created.expect("the desktop starts once its local account secret exists");
    assert_eq!(desktop.phase, crate::domain::desktop::DesktopPhase::Running);
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(messages.contains("MountVolume.SetUp failed"), "{messages}");
}

fn contract_localaccount() -> crate::domain::desktop::UserSecret {
    crate::domain::desktop::UserSecret {
        kind: "localaccount".into(),
        data: [("uid".to_owned(), "fry".to_owned())].into(),
    }
}

#[tokio::test]
async fn desktops_report_readiness_and_connections_through_exec() {
    let settings = DoubleSettings {
        exec_scripts: vec![("/composer/connectcount.sh".into(), 0, "3\n".into())],
        ..DoubleSettings::default()
    };
    let (orchestrator, _double) = against_double(settings).await;
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = std::sync::Arc::new(contract::RecordedProgress::default());
    let desktop = orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains("c.Waiting for desktop graphical service 1/42"),
        "{messages}"
    );
    assert!(
        messages.contains("c.Desktop services are running after 1 s"),
        "{messages}"
    );
    assert_eq!(orchestrator.count_connections(&desktop).await.unwrap(), 3);
}

async fn client_for(double: &kube_double::DoubleServer) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&double.kubeconfig("abcdesktop")).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test]
async fn one_replica_holds_the_lease_until_it_stops_renewing() {
    use crate::ports::LeaderElection;
    let (_orchestrator, double) = against_double(DoubleSettings::default()).await;
    let first = LeaseElection::new(
        client_for(&double).await,
        "abcdesktop",
        "gc",
        "replica-a",
        Duration::from_secs(1),
    );
    let second = LeaseElection::new(
        client_for(&double).await,
        "abcdesktop",
        "gc",
        "replica-b",
        Duration::from_secs(1),
    );
    assert!(first.hold().await.unwrap());
    assert!(!second.hold().await.unwrap(), "the lease is held");
    assert!(first.hold().await.unwrap(), "the holder renews");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(second.hold().await.unwrap(), "an expired lease is taken over");
    assert!(!first.hold().await.unwrap(), "the old holder is now a follower");
    let (both_a, both_b) = tokio::join!(first.hold(), second.hold());
    assert!(!(both_a.unwrap() && both_b.unwrap()), "never two leaders");
}

#[tokio::test]
async fn the_watcher_recovers_from_410_gone_and_keeps_its_cache() {
    let settings = DoubleSettings {
        history_limit: 5,
        watch_max: Some(Duration::from_millis(200)),
        ..DoubleSettings::default()
    };
    let (orchestrator, double) = against_double(settings).await;
    let orchestrator = orchestrator.with_watcher(Duration::from_secs(600));
    orchestrator
        .prepare_user_resources(&fry_spec().owner, &[contract_localaccount()])
        .await
        .unwrap();
    // Churn beyond the kept history while watches reconnect, so a resume gets 410 Gone.
    for round in 0..4 {
        for i in 0..10 {
            let owner = contract::owner(&format!("churn{round}x{i}"));
            orchestrator
                .prepare_user_resources(&owner, &[contract_localaccount()])
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    orchestrator
        .create_desktop(&fry_spec(), std::sync::Arc::new(contract::RecordedProgress::default()))
        .await
        .unwrap();
    let mut seen = false;
    for _ in 0..100 {
        if orchestrator
            .list_desktops()
            .await
            .unwrap()
            .iter()
            .any(|d| d.name == "fry-1f2e3")
            && orchestrator.watcher.as_ref().unwrap().pods().is_some()
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the cache shows the new desktop");
    assert!(
        double.cluster.gone_served() >= 1,
        "a resume was refused with 410 and the watcher relisted"
    );
}

#[tokio::test]
async fn the_watcher_deletes_finished_application_pods() {
    let (orchestrator, double) = against_double(DoubleSettings::default()).await;
    let _orchestrator = orchestrator.with_watcher(Duration::from_secs(600));
    let client = client_for(&double).await;
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "abcdesktop");
    let pod = serde_json::from_value(json!({"metadata": {"name": "fry-app-2048-00001", "labels": {"type": "pod_application", "access_userid": "fry"}},
        "spec": {"containers": [{"name": "app", "image": "abcdesktopio/2048.d:3.0"}]}}))
    .unwrap();
    pods.create(&Default::default(), &pod).await.unwrap();
    for _ in 0..100 {
        if pods
            .get("fry-app-2048-00001")
            .await
            .unwrap()
            .status
            .and_then(|s| s.phase)
            .as_deref()
            == Some("Running")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let finished = json!({"status": {"containerStatuses": [{"name": "app", "image": "abcdesktopio/2048.d:3.0", "ready": false, "restartCount": 0,
        "imageID": "", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}});
    pods.patch(
        "fry-app-2048-00001",
        &Default::default(),
        &kube::api::Patch::Merge(finished),
    )
    .await
    .unwrap();
    let mut gone = false;
    for _ in 0..100 {
        let pod = pods.get_opt("fry-app-2048-00001").await.unwrap();
        if pod.is_none_or(|p| p.metadata.deletion_timestamp.is_some()) {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the finished application pod was deleted");
}

fn with_claim_template(orchestrator: &mut KubernetesOrchestrator, storage_class: &str) {
    let pod = &mut orchestrator.settings.pod;
    pod.home_directory_type = Some("persistentVolumeClaim".into());
    pod.remove_home_claim = true;
    pod.home_claim = Some(
        json!({"metadata": {"name": "{{ provider }}-{{ userid }}", "annotations": {"nfs.io/username": "{{ userid }}"}},
        "spec": {"storageClassName": storage_class, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
    );
}

#[tokio::test]
async fn per_user_home_claims_are_created_bound_mounted_and_removed() {
    let (mut orchestrator, double) = against_double(DoubleSettings::default()).await;
    with_claim_template(&mut orchestrator, "nfs-client");
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = std::sync::Arc::new(contract::RecordedProgress::default());
    let desktop = orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains("Your persistent volume claim planet-fry is Bound using storage class nfs-client"),
        "{messages}"
    );
    let claims: kube::Api<k8s_openapi::api::core::v1::PersistentVolumeClaim> =
        kube::Api::namespaced(client_for(&double).await, "abcdesktop");
    let claim = claims.get("planet-fry").await.unwrap();
    assert_eq!(claim.metadata.labels.unwrap()["access_userid"], "fry");
    assert_eq!(claim.metadata.annotations.unwrap()["nfs.io/username"], "fry");
    let pod = orchestrator.describe_desktop(&desktop.name).await.unwrap().unwrap();
    let home = pod["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "home")
        .unwrap()
        .clone();
    assert_eq!(home["persistentVolumeClaim"]["claimName"], "planet-fry");
    orchestrator
        .remove_desktop(&desktop, RemovalScope::Everything)
        .await
        .unwrap();
    assert!(
        claims.get_opt("planet-fry").await.unwrap().is_none(),
        "removepersistentvolumeclaim deletes it"
    );
}

#[tokio::test]
async fn a_claim_that_never_binds_is_reported_and_the_desktop_still_starts() {
    let (mut orchestrator, _double) = against_double(DoubleSettings::default()).await;
    with_claim_template(&mut orchestrator, "never-binds");
    orchestrator.settings.bound_claim_timeout = Duration::from_millis(500);
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let progress = std::sync::Arc::new(contract::RecordedProgress::default());
    orchestrator.create_desktop(&spec, progress.clone()).await.unwrap();
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains("e.Your persistent volume claim planet-fry is not bound"),
        "{messages}"
    );
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
    let desktop = convert::desktop_of(&serde_json::from_value(pod("fry-1f2e3", "Running")).unwrap(), None).unwrap();
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

#[tokio::test]
async fn application_pods_declare_what_they_mount_and_stop_by_deletion() {
    use crate::ports::ApplicationRuntime;
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    let desktop = orchestrator
        .create_desktop(&spec, std::sync::Arc::new(contract::RecordedProgress::default()))
        .await
        .unwrap();
    let image = json!({"RepoTags": ["abcdesktopio/2048.d:3.0"], "Id": "sha256:2",
        "Config": {"Labels": {"oc.launch": "2048", "oc.name": "2048", "oc.icon": "2048.svg", "oc.containerengine": "pod_application"}}});
    let app = crate::domain::apps::App::from_image(&image, "abcdesktop").unwrap();
    let launch = crate::domain::apps::AppLaunchSpec {
        name: "fry-2048-00001".into(),
        app,
        env: vec![],
        engine: crate::domain::apps::Engine::PodApplication,
        posix: fry_spec().posix,
    };
    let launched = orchestrator
        .launch_application(&desktop, &launch)
        .await
        .expect("the API server accepts the pod (its mounts are declared)");
    assert_eq!(launched.kind, "pod_application");
    let pod = orchestrator.describe_desktop("fry-2048-00001").await.unwrap().unwrap();
    let volumes: Vec<&str> = pod["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        volumes.contains(&"home") && volumes.contains(&"extrausers") && volumes.contains(&"tmp"),
        "{volumes:?}"
    );
    let apps = orchestrator.list_applications(&desktop).await.unwrap();
    assert!(
        apps.iter()
            .any(|a| a.podname == "fry-2048-00001" && a.engine == crate::domain::apps::Engine::PodApplication)
    );
    let app_ref = crate::domain::apps::AppRef {
        podname: "fry-2048-00001".into(),
        containerid: "fry-2048-00001".into(),
    };
    assert!(orchestrator.stop_application(&desktop, &app_ref).await.unwrap());
    assert!(
        orchestrator.describe_desktop("fry-2048-00001").await.unwrap().is_none(),
        "stopped by deletion"
    );
    let ephemeral = crate::domain::apps::AppRef {
        podname: desktop.name.clone(),
        containerid: "anything".into(),
    };
    assert!(
        !orchestrator.stop_application(&desktop, &ephemeral).await.unwrap(),
        "ephemeral containers cannot be stopped"
    );
}

#[tokio::test]
async fn the_periodic_resync_corrects_a_lost_event() {
    let (orchestrator, double) = against_double(DoubleSettings::default()).await;
    let orchestrator = orchestrator.with_watcher(Duration::from_millis(300));
    let spec = fry_spec();
    orchestrator
        .prepare_user_resources(&spec.owner, &[contract_localaccount()])
        .await
        .unwrap();
    orchestrator
        .create_desktop(&spec, std::sync::Arc::new(contract::RecordedProgress::default()))
        .await
        .unwrap();
    let cached = |orchestrator: &KubernetesOrchestrator| {
        orchestrator
            .watcher
            .as_ref()
            .unwrap()
            .pods()
            .unwrap_or_default()
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("fry-1f2e3"))
    };
    for _ in 0..100 {
        if cached(&orchestrator) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(cached(&orchestrator), "the cache has the desktop");
    assert!(
        double
            .cluster
            .remove_silently(&kube_double::PODS, Some("abcdesktop"), "fry-1f2e3")
    );
    let mut corrected = false;
    for _ in 0..250 {
        if !cached(&orchestrator) {
            corrected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        corrected,
        "the next relist dropped the pod whose deletion was never announced"
    );
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
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "auth-vnc-fry"}});
    let check_pod: BodyCheck = Box::new(|body| {
        assert_eq!(body["metadata"]["name"], "fry-1f2e3");
        assert_eq!(body["metadata"]["labels"]["type"], "x11server");
    });
    let check_secret: BodyCheck = Box::new(|body| {
        assert_eq!(body["metadata"]["name"], "auth-vnc-fry");
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
    // answer; without a waitportbin it has nothing to wait for.
    orchestrator.settings.pod.pod["graphical"]
        .as_object_mut()
        .unwrap()
        .remove("waitportbin");
    let spec = fry_spec();
    let work = orchestrator.create_desktop(&spec, std::sync::Arc::new(contract::RecordedProgress::default()));
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

#[tokio::test]
async fn users_whose_ids_are_not_label_values_keep_their_desktops_apart() {
    use crate::ports::ApplicationRuntime;
    let (orchestrator, _double) = against_double(DoubleSettings::default()).await;
    let mut first = fry_spec();
    first.owner.userid = crate::domain::identity::UserId::parse("a b").unwrap();
    first.name = "ab-00001".into();
    let mut second = fry_spec();
    second.owner.userid = crate::domain::identity::UserId::parse("a_b").unwrap();
    second.name = "ab-00002".into();
    for spec in [&first, &second] {
        orchestrator
            .prepare_user_resources(&spec.owner, &[contract_localaccount()])
            .await
            .unwrap();
        orchestrator
            .create_desktop(spec, std::sync::Arc::new(contract::RecordedProgress::default()))
            .await
            .unwrap();
    }
    assert_eq!(
        orchestrator.find_desktop(&first.owner).await.unwrap().unwrap().name,
        "ab-00001"
    );
    assert_eq!(
        orchestrator.find_desktop(&second.owner).await.unwrap().unwrap().name,
        "ab-00002"
    );
    assert_eq!(
        orchestrator
            .owner_of("ab-00001")
            .await
            .unwrap()
            .unwrap()
            .userid
            .as_str(),
        "a b",
        "the exact owner comes back"
    );
}
